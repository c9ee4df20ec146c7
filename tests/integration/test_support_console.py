"""The support console: staff only, search, and the person page's timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from installer_portal.database import db
from installer_portal.mail.models import MailStatus, OutboxMessage
from tests.helpers import log_in, make_user, user_row
from tests.learning import answers, finish_lessons, import_test_course, start_attempt, submit


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


def test_every_console_page_is_refused_to_learners_and_installers(app, client):
    log_in(client, make_user(app, with_profile=True))
    for url in support_get_urls(app):
        assert client.get(url).status_code == 403, url


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
    import_test_course(app)
    email = make_user(app, with_profile=True)
    learner = client.raw.application.test_client()
    from tests.conftest import PortalClient

    learner = PortalClient(learner)
    log_in(learner, email)
    finish_lessons(learner)
    submit(learner, start_attempt(learner), answers(app, wrong_keys=("lock-off", "rcd-trip")))
    submit(learner, start_attempt(learner), answers(app))
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.template == "invitation")
                           .values(status=MailStatus.FAILED, last_error="550 5.1.1 Mailbox unavailable"))
        db.session.commit()
    html = client.get(f"/support/people/{user_row(app, email).id}").get_data(as_text=True)
    timeline = html.split('data-msg="timeline"')[1]
    for line in ["Signed up", "Email address confirmed", "Profile completed", "Started a course", "Quiz not passed",
                 "Quiz passed", "Certificate issued", "Completed a course", "Invitation sent",
                 "550 5.1.1 Mailbox unavailable"]:
        assert line in timeline, line
    assert timeline.index("Quiz not passed") < timeline.index("Quiz passed")
    assert "event-problem" in timeline


def test_an_unknown_person_is_not_found(client, staff):
    assert client.get("/support/people/999999").status_code == 404
