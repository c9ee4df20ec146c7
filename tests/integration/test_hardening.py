"""What the reliability audit found beyond bad input: forged form recovery, logging, lockouts, deactivation,
photo memory and the smaller items. Each test fails on the code the audit ran."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.database import db, utcnow
from installer_portal.accounts.throttle import FREE_FAILURES
from installer_portal.commissioning.models import CommissioningPhoto
from installer_portal.staff.models import AuditAction, AuditRecord
from installer_portal.web.security_log import logger
from tests.commissioning import commission, make_installer, register_stations
from tests.conftest import BASE_URL, PortalClient, csrf_token, link_in
from tests.factories import PASSWORD
from tests.helpers import OTHER_STRONG, STRONG, log_in, make_user, user_row


def test_a_cross_site_post_without_cookies_creates_no_session_and_parks_nothing(app, client):
    response = app.test_client().post("/account/profile", data={"first_name": "Attacker", "company_name": "Evil"},
                                      headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers


def test_a_post_from_another_site_is_not_parked_even_with_a_session(app, client):
    email = make_user(app, with_profile=True)
    log_in(client, email)
    response = client.post("/account/profile", data={"first_name": "Attacker", "last_name": "X", "csrf_token": "x"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Attacker" not in client.get("/account/profile").get_data(as_text=True)
    same_site = client.post("/account/profile", data={"first_name": "Typed", "last_name": "X", "csrf_token": "x"},
                            headers={"Origin": BASE_URL})
    assert same_site.status_code == 303
    assert 'value="Typed"' in client.get("/account/profile").get_data(as_text=True)
    assert user_row(app, email).first_name == "Kari"


def test_site_photos_are_not_kept_by_the_browser(app, client):
    register_stations(app)
    email = make_installer(app, client)
    commissioning_id = commission(app, email, with_photo=True)
    with app.app_context():
        photo_id = db.session.scalar(select(CommissioningPhoto.id))
    response = client.get(f"/installer/commissionings/{commissioning_id}/photos/{photo_id}.jpg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# The security log --------------------------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        assert "\n" not in line
        self.events.append(json.loads(line))


@pytest.fixture
def security_log():
    lines = Lines()
    logger.addHandler(lines)
    yield lines
    logger.removeHandler(lines)


def test_the_security_log_records_authentication_and_authorization_events(app, client, security_log, mail):
    email = make_user(app, with_profile=True)
    ip = {"REMOTE_ADDR": "192.0.2.44"}
    client.submit("/login", {"email": email, "password": "not the password"}, environ_base=ip)
    log_in(client, email)
    client.get("/support/")                                   # a learner in the console: 403
    client.submit("/account/password", {"current_password": PASSWORD, "password": STRONG,
                                        "confirm_password": STRONG})
    client.submit("/", {}, action="/logout")
    client.submit("/forgot-password", {"email": email})
    client.get(link_in(mail().to(email)[-1], "/reset/"))
    client.submit("/reset", {"password": OTHER_STRONG, "confirm_password": OTHER_STRONG})
    with time_machine.travel(utcnow(), tick=False):
        for attempt in range(FREE_FAILURES + 1):
            client.submit("/login", {"email": email, "password": f"guess {attempt}"}, environ_base=ip)
    events = [line["event"] for line in security_log.events]
    for event in ("login_failed", "login_succeeded", "access_denied", "password_changed", "logout",
                  "password_reset_requested", "password_reset_completed", "login_throttled"):
        assert event in events, event
    user_id = user_row(app, email).id
    assert {line["user_id"] for line in security_log.events if line["event"] == "access_denied"} == {user_id}
    assert {line["ip"] for line in security_log.events if line["event"] == "login_failed"} == {"192.0.2.44"}
    written = json.dumps(security_log.events)
    assert PASSWORD not in written
    assert STRONG not in written
    assert OTHER_STRONG not in written
    assert email not in written


def test_a_line_break_in_a_path_cannot_forge_a_log_line(app, client, security_log):
    log_in(client, make_user(app, with_profile=True))
    # CR and LF never get past the edge (a path with control characters is a 404 before any view) …
    assert client.get("/support/x%0D%0A2026-01-01%20FORGED%20ENTRY").status_code == 404
    # … and what does (here a Unicode line separator) stays data inside one JSON line (the handler checks).
    client.get("/support/stations/x%E2%80%A82026-01-01%20FORGED%20ENTRY/")
    (denied,) = [line for line in security_log.events if line["event"] == "access_denied"]
    assert "\u2028" in denied["path"]


def test_a_staff_action_is_logged_and_its_audit_record_keeps_the_ip(app, client, security_log):
    person = make_user(app, with_profile=True)
    log_in(client, make_user(app, support=True))
    person_id = user_row(app, person).id
    client.submit(f"/support/people/{person_id}", {"reason": "Asked on the phone"},
                  action=f"/support/people/{person_id}/actions/deactivate_account",
                  environ_base={"REMOTE_ADDR": "192.0.2.9"})
    (logged,) = [line for line in security_log.events if line["event"] == "staff_action"]
    assert logged["action"] == "deactivate_account"
    assert logged["subject"] == f"person:{person_id}"
    with app.app_context():
        assert db.session.scalar(select(AuditRecord.ip)) == "192.0.2.9"


# Deactivation ------------------------------------------------------------------------------------


def test_a_deactivated_account_is_logged_out_everywhere_and_cannot_log_in_until_reactivated(app, client, mail):
    email = make_user(app, with_profile=True)
    log_in(client, email)
    assert client.get("/account/").status_code == 200
    desk = PortalClient(app.test_client())
    log_in(desk, make_user(app, support=True))
    person_id = user_row(app, email).id
    act = f"/support/people/{person_id}/actions/"
    assert desk.submit(f"/support/people/{person_id}", {"reason": "Left the company"},
                       action=act + "deactivate_account").status_code == 302
    assert client.get("/account/").headers["Location"].startswith("/login")
    refused = log_in(client, email)
    assert refused.status_code == 403
    assert "deactivated" in refused.get_data(as_text=True)
    client.submit("/forgot-password", {"email": email})
    assert mail().to(email) == []
    assert "Reactivate the account" in desk.get(f"/support/people/{person_id}").get_data(as_text=True)
    desk.submit(f"/support/people/{person_id}", {"reason": "Back"}, action=act + "reactivate_account")
    assert log_in(client, email).status_code == 302
    with app.app_context():
        assert [record.action for record in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))] == [
            AuditAction.DEACTIVATE_ACCOUNT, AuditAction.REACTIVATE_ACCOUNT]


# Lockout ------------------------------------------------------------------------------------------


def test_concurrent_guesses_are_counted_one_by_one(app):
    email = make_user(app)
    attempts = 12
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def guess(number: int) -> None:
        browser = PortalClient(app.test_client())
        page = browser.get("/login").get_data(as_text=True)
        barrier.wait()
        response = browser.post("/login", data={"email": email, "password": f"guess {number}",
                                                "csrf_token": csrf_token(page)},
                                environ_base={"REMOTE_ADDR": "198.51.100.99"})
        statuses.append(response.status_code)

    with time_machine.travel(utcnow(), tick=False):
        threads = [threading.Thread(target=guess, args=(number,)) for number in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [400] * FREE_FAILURES + [429] * (attempts - FREE_FAILURES)


def test_a_completed_reset_lifts_every_wait_on_the_account(app, client, mail):
    email = make_user(app)
    stranger = {"REMOTE_ADDR": "198.51.100.8"}
    with time_machine.travel(utcnow(), tick=False):
        for attempt in range(FREE_FAILURES + 1):
            client.submit("/login", {"email": email, "password": f"guess {attempt}"}, environ_base=stranger)
        assert client.submit("/login", {"email": email, "password": PASSWORD},
                             environ_base=stranger).status_code == 429
        owner = PortalClient(app.test_client())
        owner.submit("/forgot-password", {"email": email})
        owner.get(link_in(mail().to(email)[-1], "/reset/"))
        assert owner.submit("/reset", {"password": STRONG, "confirm_password": STRONG}).status_code == 302
        assert client.submit("/login", {"email": email, "password": STRONG},
                             environ_base=stranger).status_code == 302


# Audit records in PostgreSQL -------------------------------------------------------------------------


def test_audit_records_cannot_be_changed_or_removed_even_with_sql(app, client, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's (SQLite relies on the ORM's guard)")
    person = make_user(app, with_profile=True)
    log_in(client, make_user(app, support=True))
    person_id = user_row(app, person).id
    client.submit(f"/support/people/{person_id}", {"reason": "Test"},
                  action=f"/support/people/{person_id}/actions/deactivate_account")
    with app.app_context():
        for statement in ("UPDATE audit_records SET reason = 'rewritten'", "DELETE FROM audit_records",
                          "TRUNCATE audit_records CASCADE"):
            with pytest.raises(DBAPIError, match="never changed or deleted"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(AuditRecord.reason)) == "Test"
