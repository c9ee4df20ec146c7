"""The support console: staff only, search, and the person page's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

from core.database import db, utcnow
from core.mail.models import MailStatus, OutboxMessage
from installer_portal.accounts.models import User
from installer_portal.invitations.models import Invitation
from installer_portal.invitations.services import issue_invitation
from installer_portal.staff.actions import reissue_invitation
from installer_portal.staff.models import AuditRecord
from lms.models import Certificate
from tests.conftest import PortalClient, link_in, text_body
from tests.factories import PASSWORD, CertificateFactory, QuizAttemptFactory, UserFactory
from tests.helpers import log_in, make_invited, make_user, user_row


def support_get_urls(app) -> list[str]:
    """Every console page, from the URL map: a page added later is checked without touching this test."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("support.") and "GET" in rule.methods:
            urls.append(adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1)))
    return urls


def test_the_console_has_pages_to_check(app):
    assert len(support_get_urls(app)) >= 2


def support_post_urls(app) -> list[str]:
    adapter = app.url_map.bind("localhost")
    return [adapter.build(rule.endpoint, {name: 1 if name != "action" else "reissue_invitation"
                                          for name in rule.arguments}, method="POST")
            for rule in app.url_map.iter_rules() if rule.endpoint.startswith("support.") and "POST" in rule.methods]


def test_every_console_page_and_action_is_refused_to_learners_and_installers(app, client):
    log_in(client, make_user(app, with_profile=True))
    for url in support_get_urls(app):
        assert client.get(url).status_code == 403, url
    assert len(support_post_urls(app)) >= 3
    for url in support_post_urls(app):
        assert client.submit("/account/", {"reason": "x", "password": PASSWORD}, action=url).status_code == 403, url


def test_every_console_page_asks_strangers_to_log_in(app):
    stranger = app.test_client()
    for url in support_get_urls(app):
        response = stranger.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


@pytest.fixture
def staff(app, client):
    email = make_user(app, support=True)
    log_in(client, email)
    return email


@pytest.mark.parametrize("query", ["kari.nordmann@", "KARI", "nordmann", "Kari Nordmann", "0612 345", "612345"])
def test_staff_find_people_by_email_name_or_phone(app, client, staff, query):
    make_user(app, with_profile=True, email="kari.nordmann@example.com")
    html = client.get("/support/", query_string={"q": query}).get_data(as_text=True)
    assert 'data-msg="search_results"' in html
    assert "kari.nordmann@example.com" in html


@pytest.mark.parametrize("query", ["k", "%", "_", "zzz-nobody"])
def test_a_search_that_finds_nobody_says_so(app, client, staff, query):
    make_user(app, with_profile=True, email="kari.nordmann@example.com")
    html = client.get("/support/", query_string={"q": query}).get_data(as_text=True)
    assert 'data-msg="no_results"' in html
    assert "kari.nordmann@example.com" not in html


def test_the_person_page_tells_the_story_up_to_a_failed_invitation_mail(app, client, staff):
    with app.app_context():
        person = UserFactory(with_profile=True)
        QuizAttemptFactory(user=person, failed=True, submitted_at=utcnow() - timedelta(hours=1))
        # The invitation and its mail, as the app sends them when a certificate is issued.
        issue_invitation(person, CertificateFactory(user=person).id)
        db.session.commit()
        email = person.email
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.template == "invitation")
                           .values(status=MailStatus.FAILED, last_error="550 5.1.1 Mailbox unavailable"))
        db.session.commit()
    html = client.get(f"/support/people/{user_row(app, email).id}").get_data(as_text=True)
    title = html.split("<title>")[1].split("</title>")[0]
    assert "<" not in title
    assert html.count('data-msg="timeline"') == 1
    timeline = html.split('data-msg="timeline"')[1]
    for line in ["Signed up", "Email address confirmed", "Profile completed", "Started a course", "Quiz not passed",
                 "Quiz passed", "Certificate issued", "Completed a course", "Invitation sent",
                 "550 5.1.1 Mailbox unavailable"]:
        assert line in timeline, line
    assert timeline.index("Quiz not passed") < timeline.index("Quiz passed")
    assert "event-problem" in timeline


def test_an_unknown_person_is_not_found(client, staff):
    assert client.get("/support/people/999999").status_code == 404


# Staff actions ----------------------------------------------------------------------------------


def act(client, person_id: int, action: str, reason: str = "Asked on the phone", **extra):
    return client.submit(f"/support/people/{person_id}", {"reason": reason, **extra},
                         action=f"/support/people/{person_id}/actions/{action}")


@pytest.fixture
def certified_learner(app):
    """A learner (in Dutch) who passed the course and got an invitation, from the factories;
    returns (email, invitation link)."""
    return make_invited(app, locale="nl")


def audit_rows(app) -> list[AuditRecord]:
    with app.app_context():
        return list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def test_reissuing_an_invitation_kills_the_old_link_mails_a_new_one_and_is_audited(app, client, mail, staff,
                                                                                   certified_learner):
    email, old_link = certified_learner
    person_id = user_row(app, email).id
    response = act(client, person_id, "reissue_invitation", reason="Lost the first mail")
    assert response.headers["Location"] == f"/support/people/{person_id}"
    page = client.get(f"/support/people/{person_id}").get_data(as_text=True)
    new_mails = [m for m in mail().to(email) if "/invitation/" in text_body(m)]
    new_link = link_in(new_mails[-1], "/invitation/")
    assert new_link != old_link
    assert new_link.rsplit("/", 1)[1] not in page  # staff never see the link
    assert new_mails[-1]["Content-Language"] == "nl"
    # The new mail says the first link is dead; the first mail had nothing to replace.
    with app.test_request_context(), force_locale("nl"):
        replaced = gettext("This link replaces the one we sent you before, which no longer works.")
    assert replaced in text_body(new_mails[-1])
    assert all(replaced not in text_body(m) for m in new_mails[:-1])
    (record,) = audit_rows(app)
    assert (record.action, record.reason, record.actor_id, record.subject_id) == (
        "reissue_invitation", "Lost the first mail", user_row(app, staff).id, person_id)
    invitee = PortalClient(app.test_client())
    log_in(invitee, email)
    assert invitee.get(old_link).headers["Location"] == "/invitation/problem"
    assert invitee.get(new_link).headers["Location"] == "/invitation/setup"


def test_every_action_needs_a_reason_and_changes_nothing_without_one(app, client, staff, certified_learner):
    email, _link = certified_learner
    before = count_invitations(app)
    response = act(client, user_row(app, email).id, "reissue_invitation", reason="   ")
    assert response.status_code == 302
    assert count_invitations(app) == before
    assert audit_rows(app) == []


def test_staff_cannot_act_on_their_own_account(app, client, staff):
    response = act(client, user_row(app, staff).id, "resend_confirmation")
    assert response.status_code == 302
    assert audit_rows(app) == []
    assert 'data-msg="own_account"' in client.get(f"/support/people/{user_row(app, staff).id}").get_data(as_text=True)


def test_actions_need_a_recent_password(app, client, staff, certified_learner):
    email, _link = certified_learner
    person_id = user_row(app, email).id
    with client.raw.session_transaction() as session:
        session["authenticated_at"] = utcnow().timestamp() - 16 * 60
    response = act(client, person_id, "revoke_invitation")
    assert response.headers["Location"].startswith("/support/confirm-password")
    assert audit_rows(app) == []
    wrong = client.submit("/support/confirm-password", {"password": "not my password"})
    assert wrong.status_code == 400
    confirmed = client.submit(f"/support/confirm-password?next=/support/people/{person_id}", {"password": PASSWORD})
    assert confirmed.headers["Location"] == f"/support/people/{person_id}"
    act(client, person_id, "revoke_invitation")
    assert [row.action for row in audit_rows(app)] == ["revoke_invitation"]


def test_revoking_an_invitation_and_a_certificate(app, client, staff, certified_learner):
    email, link = certified_learner
    person_id = user_row(app, email).id
    act(client, person_id, "revoke_invitation", reason="Wrong address")
    with app.app_context():
        number = db.session.scalar(select(Certificate.number))
    act(client, person_id, "revoke_certificate", reason="Exam fraud", number=number)
    assert [row.action for row in audit_rows(app)] == ["revoke_invitation", "revoke_certificate"]
    visitor = app.test_client()
    assert 'data-status="revoked"' in visitor.get(f"/verify/{number}").get_data(as_text=True)
    visitor.get(link)
    assert 'data-problem="revoked"' in visitor.get("/invitation/problem").get_data(as_text=True)
    # Nothing left to revoke: refused, not audited twice.
    act(client, person_id, "revoke_invitation")
    assert len(audit_rows(app)) == 2


def test_resending_the_confirmation_email(app, client, mail, staff):
    email = make_user(app, unconfirmed=True)
    act(client, user_row(app, email).id, "resend_confirmation", reason="Mail went to spam")
    assert any("/confirm/" in text_body(m) for m in mail().to(email))
    assert [row.action for row in audit_rows(app)] == ["resend_confirmation"]


def test_an_action_and_its_audit_record_commit_together_or_not_at_all(app, staff, certified_learner):
    email, _link = certified_learner
    with app.app_context():
        staff_user = db.session.scalar(select(User).where(User.email == staff))
        person = db.session.scalar(select(User).where(User.email == email))
        reissue_invitation(staff_user, person, "Test")
        db.session.rollback()
    assert audit_rows(app) == []
    assert count_invitations(app) == 1


def test_audit_records_cannot_be_changed_or_deleted(app, client, staff, certified_learner):
    email, _link = certified_learner
    act(client, user_row(app, email).id, "reissue_invitation")
    with app.app_context():
        record = db.session.scalar(select(AuditRecord))
        record.reason = "something else"
        with pytest.raises(RuntimeError, match="never changed"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditRecord)))
        with pytest.raises(RuntimeError, match="never changed"):
            db.session.flush()
        db.session.rollback()


def test_the_audit_log_filters_by_staff_person_and_action(app, client, staff, certified_learner):
    email, _link = certified_learner
    person_id = user_row(app, email).id
    act(client, person_id, "reissue_invitation")
    act(client, person_id, "revoke_invitation")

    def shown(**args):
        return client.get("/support/audit", query_string=args).get_data(as_text=True).count("<li class=\"event\">")
    assert shown() == 2
    assert shown(action="revoke_invitation") == 1
    assert shown(person=email) == 2
    assert shown(person="someone.else@example.com") == 0
    assert shown(staff=staff) == 2
    assert shown(staff="nobody@example.com") == 0
    assert shown(action="bogus") == 2


def count_invitations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def test_revoking_and_restoring_the_installer_role(app, client, staff, certified_learner):
    email, link = certified_learner
    invitee = PortalClient(app.test_client())
    log_in(invitee, email)
    invitee.get(link)
    invitee.submit("/invitation/setup", {"business_name": "Visser Installaties", "terms": "y"})
    assert invitee.get("/installer/").status_code == 200
    person_id = user_row(app, email).id
    act(client, person_id, "revoke_installer", reason="Licence suspended")
    assert invitee.get("/installer/").status_code == 403
    act(client, person_id, "restore_installer", reason="Licence reinstated")
    assert invitee.get("/installer/").status_code == 200
    assert [row.action for row in audit_rows(app)] == ["revoke_installer", "restore_installer"]


def test_the_role_cannot_be_restored_for_someone_who_never_set_up_an_installer_account(app, client, staff,
                                                                                        certified_learner):
    email, _link = certified_learner
    act(client, user_row(app, email).id, "restore_installer")
    assert audit_rows(app) == []


def test_the_outbox_shows_failing_mail_with_the_servers_reply_and_retries_it(app, client, smtp, mail, staff):
    email = make_user(app, unconfirmed=True)
    smtp.refuse.add(email)
    act(client, user_row(app, email).id, "resend_confirmation")
    mail()
    html = client.get("/support/outbox").get_data(as_text=True)
    failing = html.split('data-group="failing"')[1].split("</section>")[0]
    assert email in failing
    assert "550 5.1.1 Mailbox unavailable" in failing
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.to_address == email))
    smtp.refuse.clear()
    client.submit("/support/outbox", {}, action=f"/support/outbox/{message_id}/retry")
    sink = mail()
    assert any("/confirm/" in text_body(m) for m in sink.to(email))
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == MailStatus.SENT
    # A sent message is not sent again.
    client.submit("/support/outbox", {}, action=f"/support/outbox/{message_id}/retry")
    assert len([m for m in mail().to(email) if "/confirm/" in text_body(m)]) == 1
