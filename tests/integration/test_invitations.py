"""Certification → invitation mail → single-use link → installer account."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.database import db, utcnow
from installer_portal.accounts.models import Role, RoleGrant, User
from installer_portal.accounts.tokens import hash_token
from installer_portal.invitations.models import InstallerAccount, Invitation
from installer_portal.invitations.services import (
    TERMS_VERSION,
    InvitationError,
    accept_invitation,
)
from lms.api import revoke_certificate
from lms.models import Certificate
from tests.conftest import BASE_URL, PortalClient, link_in, text_body
from tests.factories import PASSWORD
from tests.helpers import log_in, make_invited, make_user, user_row
from tests.learning import answers, finish_lessons, import_test_course, start_attempt, submit

SETUP = "/invitation/setup"
DETAILS = {"business_name": "Nordmann Elektro AS", "terms": "y"}


def pass_course(app, client) -> None:
    finish_lessons(client)
    submit(client, start_attempt(client), answers(app))


def invitation_mails(sink, email):
    return [m for m in sink.to(email) if "/invitation/" in text_body(m)]


@pytest.fixture
def invited(app, client):
    """A learner who passed the certifying course, logged in on `client`, from the factories;
    returns (email, the invitation link). The tests of the whole chain below walk it through the pages."""
    email, link = make_invited(app)
    log_in(client, email)
    return email, link


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def invitation_row(app) -> Invitation:
    with app.app_context():
        return db.session.scalars(select(Invitation).order_by(Invitation.id.desc())).first()


def is_installer(app, email) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RoleGrant).join(User, RoleGrant.user_id == User.id)
                                 .where(User.email == email, RoleGrant.role == Role.INSTALLER)) == 1


@pytest.mark.parametrize(("language", "subject"), [("en", "Set up your installer account"),
                                                  ("nl", "Uw installateursaccount aanmaken"),
                                                  ("nb", "Opprett montørkontoen din")])
def test_passing_the_course_mails_an_invitation_in_the_learners_language(app, client, mail, language, subject):
    import_test_course(app)
    email = make_user(app, with_profile=True, locale=language)
    log_in(client, email)
    pass_course(app, client)
    (message,) = invitation_mails(mail(), email)
    assert message["Content-Language"] == language
    assert message["Subject"] == subject
    link = link_in(message, "/invitation/")
    token = link.rsplit("/", 1)[1]
    row = invitation_row(app)
    assert row.token_hash == hash_token(token)
    assert token not in row.token_hash
    assert row.expires_at - row.created_at == timedelta(days=14)
    assert row.message_id is not None
    assert f"{BASE_URL}/invitation/" in text_body(message)


def test_the_link_moves_the_token_out_of_the_url_and_sets_up_the_installer_account(app, client, invited):
    email, link = invited
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == SETUP
    page = client.get(SETUP).get_data(as_text=True)
    assert 'data-msg="setup_certificate"' in page
    assert link.rsplit("/", 1)[1] not in page

    # A failed form does not use the invitation up.
    failed = client.submit(SETUP, {"business_name": "", "terms": ""})
    assert failed.status_code == 400
    assert "Accept the installer terms to continue." in failed.get_data(as_text=True)
    assert invitation_row(app).used_at is None
    assert not is_installer(app, email)

    done = client.submit(SETUP, DETAILS)
    assert done.headers["Location"] == "/installer/"
    assert 'data-msg="installer_home"' in client.get("/installer/").get_data(as_text=True)
    assert is_installer(app, email)
    with app.app_context():
        account = db.session.scalar(select(InstallerAccount))
        assert (account.business_name, account.terms_version) == ("Nordmann Elektro AS", TERMS_VERSION)
        assert account.terms_accepted_at is not None
    assert invitation_row(app).used_at is not None

    # The link works once.
    again = client.get(link)
    assert again.headers["Location"] == "/invitation/problem"
    assert 'data-problem="used"' in client.get("/invitation/problem").get_data(as_text=True)


def test_north_american_installers_give_their_licence(app, client):
    email, link = make_invited(app, region="na", country="US", phone="+12025550123")
    log_in(client, email)
    client.get(link)
    form = client.get(SETUP).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="licence_number"[^>]*required', form)
    assert re.search(r'<select[^>]*id="licence_region"[^>]*required', form)
    missing = client.submit(SETUP, DETAILS)
    assert missing.status_code == 400
    bogus = client.submit(SETUP, {**DETAILS, "licence_number": "E-12345", "licence_region": "US-XX"})
    assert bogus.status_code == 400
    done = client.submit(SETUP, {**DETAILS, "licence_number": "E-12345", "licence_region": "US-CA"})
    assert done.status_code == 302
    with app.app_context():
        account = db.session.scalar(select(InstallerAccount))
        assert (account.licence_number, account.licence_region) == ("E-12345", "US-CA")


def test_european_installers_are_not_asked_for_a_licence(client, invited):
    _email, link = invited
    client.get(link)
    assert "licence_number" not in client.get(SETUP).get_data(as_text=True)


def test_someone_else_logged_in_gets_a_clear_message_and_nothing_changes(app, invited):
    email, link = invited
    other = PortalClient(app.test_client())
    log_in(other, make_user(app, with_profile=True))
    other.get(link)
    response = other.get(SETUP)
    assert response.status_code == 403
    assert 'data-problem="wrong_person"' in response.get_data(as_text=True)
    assert other.submit(SETUP, DETAILS).status_code == 403
    assert invitation_row(app).used_at is None
    assert count(app, InstallerAccount) == 0
    assert not is_installer(app, email)


def test_someone_not_logged_in_logs_in_first_and_then_continues(app, invited):
    email, link = invited
    browser = PortalClient(app.test_client())
    assert browser.get(link).headers["Location"] == SETUP
    to_login = browser.get(SETUP)
    assert to_login.headers["Location"].startswith("/login?next=%2Finvitation%2Fsetup")
    logged_in = browser.submit("/login?next=%2Finvitation%2Fsetup", {"email": email, "password": PASSWORD})
    assert logged_in.headers["Location"] == SETUP
    assert browser.submit(SETUP, DETAILS).headers["Location"] == "/installer/"
    assert is_installer(app, email)


@pytest.mark.parametrize("problem", ["expired", "revoked", "superseded"])
def test_a_dead_link_explains_why_and_offers_support_and_a_new_link(app, client, mail, invited, problem):
    email, link = invited
    values = {"expired": {"expires_at": utcnow() - timedelta(seconds=1)},
              "revoked": {"revoked_at": utcnow()}, "superseded": {"superseded_at": utcnow()}}[problem]
    with app.app_context():
        db.session.execute(update(Invitation).values(**values))
        db.session.commit()
    client.get(link)
    page = client.get("/invitation/problem")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert f'data-problem="{problem}"' in html
    assert "support-eu@installer-portal.example" in html
    assert 'data-msg="invitation_renew"' in html

    renewed = client.submit("/invitation/problem", {}, action="/invitation/renew")
    assert renewed.headers["Location"] == "/account/"
    new_mail = invitation_mails(mail(), email)[-1]
    new_link = link_in(new_mail, "/invitation/")
    assert new_link != link
    assert client.get(new_link).headers["Location"] == SETUP
    assert client.submit(SETUP, DETAILS).headers["Location"] == "/installer/"


def test_asking_for_new_links_is_rate_limited(app, client, invited):
    for _round in range(3):
        assert client.submit("/account/", {}, action="/invitation/renew").status_code == 302
    assert client.submit("/account/", {}, action="/invitation/renew").status_code == 429
    assert count(app, Invitation) == 4


def test_a_newer_invitation_kills_the_old_link(app, client, invited):
    _email, link = invited
    client.submit("/account/", {}, action="/invitation/renew")
    client.get(link)
    assert 'data-problem="superseded"' in client.get("/invitation/problem").get_data(as_text=True)


def test_no_new_link_without_a_valid_certificate(app, client, invited):
    email, link = invited
    with app.app_context():
        revoke_certificate(db.session.scalar(select(Certificate)), revoked_by_id=None, reason="Fraud")
        db.session.commit()
    client.get(link)
    page = client.get(SETUP).get_data(as_text=True)
    assert 'data-problem="not_certified"' in page
    assert 'data-msg="invitation_renew"' not in page
    client.submit("/account/", {}, action="/invitation/renew")
    assert count(app, Invitation) == 1
    assert not is_installer(app, email)


def test_an_installer_who_recertifies_gets_a_renewed_mail_not_an_invitation(app, client, mail):
    import_test_course(app)
    email = make_user(app, with_profile=True)
    with app.app_context():
        db.session.add(RoleGrant(user_id=user_row(app, email).id, role=Role.INSTALLER))
        db.session.commit()
    log_in(client, email)
    pass_course(app, client)
    assert count(app, Invitation) == 0
    (renewed,) = mail().to(email)
    assert renewed["Subject"] == "Your certificate has been renewed"


@pytest.mark.parametrize("token", ["nonsense", "x" * 129, "%FF", "<script>"])
def test_a_garbled_link_is_not_found(app, token):
    browser = app.test_client()
    assert browser.get(f"/invitation/{token}").headers.get("Location") == "/invitation/problem"
    response = browser.get("/invitation/problem")
    assert response.status_code == 404
    assert 'data-problem="invalid"' in response.get_data(as_text=True)


def test_installer_pages_are_for_installers(app, client):
    assert app.test_client().get("/installer/").status_code == 302
    log_in(client, make_user(app, with_profile=True))
    assert client.get("/installer/").status_code == 403


def test_two_browsers_redeeming_the_same_link_at_once_exactly_one_succeeds(app, invited):
    email, link = invited
    token = link.rsplit("/", 1)[1]
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def redeem():
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            db.session.commit()  # no transaction open while waiting (SQLite would hold its write lock)
            barrier.wait()
            try:
                accept_invitation(user, token, business_name="Race AS", licence_number=None, licence_region=None)
                db.session.commit()
                outcomes.append("ok")
            except InvitationError as error:
                db.session.rollback()
                outcomes.append(error.problem.value)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=redeem) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["ok", "used"], ["already_installer", "ok"])
    assert count(app, InstallerAccount) == 1
    assert count(app, RoleGrant, RoleGrant.role == Role.INSTALLER) == 1


@pytest.mark.parametrize(("language", "page_lang", "title", "done"), [
    ("en", "en-GB", "Set up your installer account", "Your installer account is ready."),
    ("nl", "nl", "Uw installateursaccount aanmaken", "Uw installateursaccount is klaar."),
    ("nb", "nb", "Opprett montørkontoen din", "Montørkontoen din er klar."),
])
def test_the_whole_chain_in_each_language(app, client, mail, language, page_lang, title, done):
    import_test_course(app)
    email = make_user(app, with_profile=True, locale=language)
    log_in(client, email)
    pass_course(app, client)
    client.get(link_in(invitation_mails(mail(), email)[0], "/invitation/"))
    page = client.get(SETUP).get_data(as_text=True)
    assert f'<html lang="{page_lang}">' in page  # English in Europe is British English
    assert f"<h1>{title}</h1>" in page
    client.submit(SETUP, DETAILS)
    assert done in client.get("/installer/").get_data(as_text=True)


def test_an_installer_opening_a_pending_invitation_is_sent_to_the_installer_pages(app, client, invited):
    email, link = invited
    with app.app_context():
        db.session.add(RoleGrant(user_id=user_row(app, email).id, role=Role.INSTALLER))
        db.session.commit()
    client.get(link)
    assert client.get(SETUP).headers["Location"] == "/installer/"
    assert invitation_row(app).used_at is None
