"""Logging in and out: answers that reveal nothing, sessions that end for real, throttling, and password handling."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
import time_machine
from sqlalchemy import func, select

from core.database import db, utcnow
from core.mail.models import OutboxMessage
from installer_portal.accounts.throttle import FREE_FAILURES
from tests.conftest import PortalClient, csrf_token
from tests.factories import PASSWORD
from tests.helpers import HOME, OTHER_STRONG, STRONG, fresh_client, log_in, make_user, sign_up, statements_for, user_row


def log_out(client):
    return client.submit(HOME, {}, action="/logout")


def change_password(client, current: str, new: str):
    return client.submit("/account/password", {"current_password": current, "password": new,
                                               "confirm_password": new})


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/login")


def set_cookies(response) -> dict[str, dict[str, str]]:
    """The cookies a response sets: name -> {attribute (lower-case): value}."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name_value, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = name_value.partition("=")
        cookies[name] = {"": value}
        for attribute in attributes:
            key, _, attribute_value = attribute.partition("=")
            cookies[name][key.lower()] = attribute_value
    return cookies


def first_limit(config_value: str) -> int:
    return int(re.search(r"\d+", config_value).group())


# Logging in ------------------------------------------------------------------------------------


def test_login_with_the_right_password_opens_the_account_home(app, client):
    email = make_user(app)

    response = log_in(client, email)

    assert (response.status_code, response.headers["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200


_FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.mark.req("AUTH-01")
def test_unknown_email_and_wrong_password_get_the_same_answer(app, client, other_client):
    known = make_user(app)
    unknown = "not-registered@example.com"

    def answer(client, email, password):
        response = log_in(client, email, password)
        html = response.get_data(as_text=True)
        return (response.status_code, _FLASH.findall(html), sorted(set_cookies(response)),
                _CSRF_VALUE.sub(r'\1"', html).replace(email, "EMAIL"))

    wrong_password = answer(client, known, "not the right password at all")
    unknown_email = answer(other_client, unknown, "not the right password at all")

    assert wrong_password[0] == 400
    assert [category for category, _text in wrong_password[1]] == ["error"]
    assert wrong_password == unknown_email
    for client_used in (client, other_client):
        assert_sent_to_login(client_used.get(HOME))


@pytest.mark.req("SES-02")
def test_login_starts_a_fresh_session(app, client):
    email = make_user(app)
    page = client.get("/login")
    cookie_before = client.raw.get_cookie("session").value
    token_before = csrf_token(page.get_data(as_text=True))
    with client.raw.session_transaction() as session:
        secret_before = session["csrf_token"]

    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token_before})
    assert response.status_code == 302

    cookie_after = client.raw.get_cookie("session").value
    token_after = csrf_token(client.get(HOME).get_data(as_text=True))
    with client.raw.session_transaction() as session:
        secret_after = session["csrf_token"]
    assert cookie_after != cookie_before
    assert token_after != token_before
    assert secret_after != secret_before
    # A form token from before the login is no longer accepted; the new one is.
    assert client.post("/logout", data={"csrf_token": token_before}).status_code == 400
    assert client.get(HOME).status_code == 200
    assert client.post("/logout", data={"csrf_token": token_after}).status_code == 302


# Logging out -----------------------------------------------------------------------------------


@pytest.mark.req("SES-04")
def test_logout_needs_a_post(app, client):
    email = make_user(app)
    log_in(client, email)

    assert client.get("/logout").status_code == 405

    assert client.get(HOME).status_code == 200


@pytest.mark.req("SES-03")
def test_a_copied_session_cookie_dies_at_logout(app, client):
    email = make_user(app)
    log_in(client, email)
    copied = client.raw.get_cookie("session").value
    thief = fresh_client(app)
    thief.raw.set_cookie("session", copied)
    assert thief.get(HOME).status_code == 200

    assert log_out(client).status_code == 302

    client.raw.set_cookie("session", copied)
    assert_sent_to_login(client.get(HOME))
    assert_sent_to_login(thief.get(HOME))


@pytest.mark.req("SES-01")
def test_remember_me_sets_a_protected_cookie_for_fourteen_days(app, client):
    email = make_user(app)

    response = log_in(client, email, remember=True)

    assert response.status_code == 302
    remember = set_cookies(response)["remember"]
    assert "httponly" in remember
    assert remember["samesite"].lower() == "lax"
    if "max-age" in remember:
        lifetime = timedelta(seconds=int(remember["max-age"]))
    else:
        lifetime = parsedate_to_datetime(remember["expires"]) - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)


@pytest.mark.req("SES-03")
def test_a_copied_remember_cookie_dies_at_logout(app, client):
    email = make_user(app)
    log_in(client, email, remember=True)
    copied = client.raw.get_cookie("remember").value
    before = fresh_client(app)
    before.raw.set_cookie("remember", copied)
    assert before.get(HOME).status_code == 200

    assert log_out(client).status_code == 302

    after = fresh_client(app)
    after.raw.set_cookie("remember", copied)
    assert_sent_to_login(after.get(HOME))
    assert_sent_to_login(before.get(HOME))


@pytest.mark.req("SES-03")
def test_logout_removes_the_remember_cookie_from_the_browser(app, client):
    email = make_user(app)
    log_in(client, email, remember=True)
    assert client.raw.get_cookie("remember") is not None

    assert log_out(client).status_code == 302

    assert client.raw.get_cookie("remember") is None
    assert_sent_to_login(client.get(HOME))


# Changing the password -------------------------------------------------------------------------


@pytest.mark.req("SES-05")
@pytest.mark.req("PWD-06")
def test_password_change_logs_out_other_devices_but_not_this_one(app, client, other_client):
    email = make_user(app)
    log_in(client, email)
    this_device_before = client.raw.get_cookie("session").value
    log_in(other_client, email, remember=True)
    other_remember = other_client.raw.get_cookie("remember").value
    assert other_client.get(HOME).status_code == 200

    response = change_password(client, PASSWORD, STRONG)

    assert (response.status_code, response.headers["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    assert_sent_to_login(other_client.get(HOME))
    # This device goes on in a new login: a copy of its cookie from before the change is dead too.
    old_copy = fresh_client(app)
    old_copy.raw.set_cookie("session", this_device_before)
    assert_sent_to_login(old_copy.get(HOME))
    copied = fresh_client(app)
    copied.raw.set_cookie("remember", other_remember)
    assert_sent_to_login(copied.get(HOME))
    assert log_in(fresh_client(app), email, PASSWORD).status_code == 400
    assert log_in(fresh_client(app), email, STRONG).status_code == 302


@pytest.mark.req("PWD-06")
def test_wrong_current_password_changes_nothing(app, client, other_client):
    email = make_user(app)
    log_in(client, email)
    log_in(other_client, email)
    before = user_row(app, email)

    response = change_password(client, "this is not my password", STRONG)

    assert response.status_code == 400
    assert 'id="current_password-error"' in response.get_data(as_text=True)
    after = user_row(app, email)
    assert (after.password_hash, after.password_changed_at) == (before.password_hash, before.password_changed_at)
    assert other_client.get(HOME).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert log_in(fresh_client(app), email, PASSWORD).status_code == 302


# Where a login leads -----------------------------------------------------------------------------


@pytest.mark.req("AUTH-06")
@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http:evil.example",
    " //evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
])
def test_login_ignores_next_urls_to_other_sites(app, client, target):
    email = make_user(app)

    response = client.submit(f"/login?next={quote(target, safe='')}", {"email": email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.req("AUTH-06")
def test_login_follows_next_within_the_site(app, client):
    email = make_user(app)
    assert_sent_to_login(client.get("/account/profile"))

    response = client.submit("/login?next=%2Faccount%2Fprofile", {"email": email, "password": PASSWORD})

    assert (response.status_code, response.headers["Location"]) == (302, "/account/profile")


# Throttling ------------------------------------------------------------------------------------


@pytest.mark.req("AUTH-02")
def test_failures_from_one_address_slow_that_address_down_but_not_the_owner(app, client):
    """A growing wait per account and address (accounts.throttle), not a lock a stranger can put on anyone."""
    email = make_user(app)
    stranger = {"REMOTE_ADDR": "198.51.100.7"}
    with time_machine.travel(utcnow(), tick=False) as clock:
        for attempt in range(FREE_FAILURES):
            spelled = email.upper() if attempt % 2 else email
            response = client.submit("/login", {"email": spelled, "password": f"wrong guess {attempt}"},
                                     environ_base=stranger)
            assert response.status_code == 400, attempt
        blocked = client.submit("/login", {"email": email, "password": "wrong guess again"}, environ_base=stranger)
        assert blocked.status_code == 429
        # The owner, on their own phone, is not slowed down by the stranger's guesses.
        owner = PortalClient(app.test_client())
        right = owner.submit("/login", {"email": email, "password": PASSWORD},
                             environ_base={"REMOTE_ADDR": "203.0.113.2"})
        assert right.status_code == 302
        # The stranger waits a second, then two, then four …
        clock.shift(timedelta(seconds=1))
        assert client.submit("/login", {"email": email, "password": "wrong"},
                             environ_base=stranger).status_code == 400
        assert client.submit("/login", {"email": email, "password": "wrong"},
                             environ_base=stranger).status_code == 429


# Passwords -------------------------------------------------------------------------------------

LONG_PASSWORD = ("copper meadow lanterns quietly fold seventeen paper cranes beside "
                 "the humming northern railway yards")


@pytest.mark.req("PWD-02")
def test_long_passwords_are_not_truncated(app, client):
    assert len(LONG_PASSWORD) == 100
    email = make_user(app)
    log_in(client, email)
    assert change_password(client, PASSWORD, LONG_PASSWORD).status_code == 302
    log_out(client)

    assert log_in(client, email, LONG_PASSWORD[:-1]).status_code == 400
    assert log_in(client, email, LONG_PASSWORD[:72]).status_code == 400
    assert_sent_to_login(client.get(HOME))
    assert log_in(client, email, LONG_PASSWORD).status_code == 302


@pytest.mark.req("PWD-04")
def test_password_is_unicode_normalized(app, client):
    composed = unicodedata.normalize("NFC", "Höhe über dem Fjord, grün und weit")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    email = make_user(app)
    log_in(client, email)
    assert change_password(client, PASSWORD, composed).status_code == 302
    log_out(client)

    assert log_in(client, email, decomposed).status_code == 302


@pytest.mark.req("PWD-05")
def test_passwords_are_stored_as_argon2id_with_their_own_salt(app, client, other_client):
    sign_up(client, "first@example.com", OTHER_STRONG)
    sign_up(other_client, "second@example.com", OTHER_STRONG)

    first, second = user_row(app, "first@example.com"), user_row(app, "second@example.com")
    assert first.password_hash.startswith("$argon2id$")
    assert second.password_hash.startswith("$argon2id$")
    assert first.password_hash != second.password_hash
    assert OTHER_STRONG not in first.password_hash


def test_a_logged_in_page_reads_the_login_and_its_roles_in_one_statement(app, client):
    """The login loader runs on every request, and the navigation asks for the roles on every page: both come in one
    SELECT, so the account home makes one statement in all (issue 13: it made two, the roles a lazy load)."""
    log_in(client, make_user(app))
    client.get(HOME)
    statements = [statement.split()[0] for statement in statements_for(app, client, HOME)]
    assert [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")] == ["SELECT"]
