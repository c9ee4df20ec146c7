"""Forgotten passwords: the request, the link and its limits, and what a reset does to sessions."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from core.database import db
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import OneTimeToken, TokenPurpose, User
from tests.conftest import BASE_URL, csrf_token, link_in, text_body
from tests.factories import PASSWORD
from tests.helpers import (
    HOME,
    OTHER_STRONG,
    STRONG,
    fresh_client,
    log_in,
    make_user,
    newest_token,
    outbox_count,
    user_row,
)

WEAK = "password1234"


def request_reset(client, email: str):
    return client.submit("/forgot-password", {"email": email})


def reset_link(client, mail, email: str) -> str:
    """Ask for a reset link and return it from the newest mail (a site-relative URL)."""
    assert request_reset(client, email).status_code == 302
    return link_in(mail().to(email)[-1], "/reset/")


def open_link(client, link: str):
    """Follow the link from the mail the way a browser does: the token URL, then the page it redirects to."""
    response = client.get(link)
    assert (response.status_code, response.headers["Location"]) == (302, "/reset")
    return client.get("/reset")


def choose_password(client, password: str, confirm: str | None = None):
    return client.submit("/reset", {"password": password,
                                    "confirm_password": password if confirm is None else confirm})


def assert_link_refused(page) -> None:
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'data-msg="link_problem"' in html
    assert 'action="/forgot-password"' in html
    assert 'name="password"' not in html


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302, f"not sent to the login page: {response.status_code}"
    assert response.headers["Location"].startswith("/login")


def assert_password_is(app, email: str, works: str, fails: str) -> None:
    assert log_in(fresh_client(app), email, fails).status_code == 400
    assert log_in(fresh_client(app), email, works).status_code == 302



_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


# Asking for a link -----------------------------------------------------------------------------


@pytest.mark.req("AUTH-04")
def test_forgot_password_answers_the_same_for_unknown_and_known_addresses(app, client, other_client, mail):
    known = make_user(app)
    unknown = "stranger@example.com"

    answers = []
    for person, email in ((client, unknown), (other_client, known)):
        response = request_reset(person, email)
        page = person.get(response.headers.get("Location", "/nowhere"))
        html = _CSRF_VALUE.sub(r'\1"', page.get_data(as_text=True)).replace(email, "EMAIL")
        answers.append((response.status_code, response.headers.get("Location"), page.status_code, html))

    assert answers[0][:3] == (302, "/sign-up/check-email", 200)
    assert answers[0] == answers[1]
    received = mail().messages
    assert [message["To"] for message in received] == [known]
    assert link_in(received[0], "/reset/")


@pytest.mark.req("TOK-09")
def test_reset_link_moves_the_token_out_of_the_url(app, client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    token = link.removeprefix("/reset/")

    response = client.get(link)

    assert response.status_code == 302
    assert token not in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)
    assert token not in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}


@pytest.mark.req("TOK-09")
def test_reset_page_without_a_link_offers_a_new_one(app, client):
    assert_link_refused(client.get("/reset"))


# Using the link --------------------------------------------------------------------------------


@pytest.mark.req("TOK-07")
def test_weak_password_is_refused_and_the_link_keeps_working(app, client, mail):
    email = make_user(app)
    before = user_row(app, email).password_hash
    link = reset_link(client, mail, email)
    open_link(client, link)

    for password, confirm in ((WEAK, None), ("short", None), (STRONG, OTHER_STRONG)):
        response = choose_password(client, password, confirm)
        assert response.status_code == 400, password
        assert 'class="error"' in response.get_data(as_text=True)
    assert user_row(app, email).password_hash == before
    assert_password_is(app, email, works=PASSWORD, fails=STRONG)

    # Still usable, even after leaving and opening the link again.
    assert open_link(client, link).status_code == 200
    assert choose_password(client, STRONG).status_code == 302
    assert_password_is(app, email, works=STRONG, fails=PASSWORD)


def test_reset_sets_the_new_password_and_retires_the_old_one(app, client, mail):
    email = make_user(app)
    before = user_row(app, email)
    link = reset_link(client, mail, email)
    assert open_link(client, link).status_code == 200

    response = choose_password(client, STRONG)

    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    after = user_row(app, email)
    assert after.password_hash != before.password_hash
    assert after.password_changed_at > before.password_changed_at
    assert_password_is(app, email, works=STRONG, fails=PASSWORD)
    assert log_in(client, email, STRONG).status_code == 302
    assert client.get(HOME).status_code == 200


@pytest.mark.req("TOK-03")
def test_reset_link_works_only_once(app, client, other_client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    open_link(client, link)
    assert choose_password(client, STRONG).status_code == 302

    assert_link_refused(open_link(client, link))
    assert_link_refused(open_link(other_client, link))
    # Posting a password straight to the page, with a valid form token, does not use the link again either.
    response = other_client.post("/reset", data={"password": OTHER_STRONG, "confirm_password": OTHER_STRONG,
                                                 "csrf_token": csrf_token(other_client.get("/reset")
                                                                          .get_data(as_text=True))})
    assert response.status_code == 400
    assert_password_is(app, email, works=STRONG, fails=OTHER_STRONG)


@pytest.mark.req("TOK-02")
def test_reset_link_expires_after_an_hour(app, client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    token = newest_token(app, email, TokenPurpose.RESET_PASSWORD)
    assert token.expires_at - token.created_at == timedelta(hours=1)

    with time_machine.travel(token.created_at + timedelta(hours=1, seconds=1), tick=False):
        assert_link_refused(open_link(client, link))

    assert_password_is(app, email, works=PASSWORD, fails=STRONG)


@pytest.mark.req("TOK-02")
def test_reset_link_works_until_just_before_the_hour(app, client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    token = newest_token(app, email, TokenPurpose.RESET_PASSWORD)

    with time_machine.travel(token.created_at + timedelta(minutes=59), tick=False):
        assert open_link(client, link).status_code == 200
        assert choose_password(client, STRONG).status_code == 302

    assert_password_is(app, email, works=STRONG, fails=PASSWORD)


@pytest.mark.req("TOK-05")
def test_password_change_kills_an_outstanding_reset_link(app, client, other_client, mail):
    email = make_user(app)
    link = reset_link(other_client, mail, email)
    log_in(client, email)

    response = client.submit("/account/password", {"current_password": PASSWORD, "password": STRONG,
                                                    "confirm_password": STRONG})
    assert response.status_code == 302

    assert_link_refused(open_link(other_client, link))
    assert_password_is(app, email, works=STRONG, fails=PASSWORD)


@pytest.mark.req("TOK-05")
def test_reset_link_dies_when_the_email_address_changes(app, client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.email = "moved@example.com"
        db.session.commit()

    assert_link_refused(open_link(client, link))
    assert_password_is(app, "moved@example.com", works=PASSWORD, fails=STRONG)


@pytest.mark.req("TOK-06")
def test_newer_reset_link_supersedes_the_older(app, client, mail):
    email = make_user(app)
    older = reset_link(client, mail, email)
    newer = reset_link(client, mail, email)
    assert newer != older

    assert_link_refused(open_link(client, older))
    assert open_link(client, newer).status_code == 200
    assert choose_password(client, STRONG).status_code == 302
    assert_password_is(app, email, works=STRONG, fails=PASSWORD)


@pytest.mark.req("SES-05")
def test_reset_logs_out_other_sessions(app, client, other_client, mail):
    email = make_user(app)
    log_in(other_client, email, remember=True)
    remembered = other_client.raw.get_cookie("remember").value
    assert other_client.get(HOME).status_code == 200

    open_link(client, reset_link(client, mail, email))
    assert choose_password(client, STRONG).status_code == 302

    assert_sent_to_login(other_client.get(HOME))
    copied = fresh_client(app)
    copied.raw.set_cookie("remember", remembered)
    assert_sent_to_login(copied.get(HOME))


@pytest.mark.req("SES-03")
@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me"])
def test_reset_in_a_browser_where_someone_else_is_logged_in_logs_them_out(app, client, mail, remember):
    someone_else = make_user(app)
    email = make_user(app)
    log_in(client, someone_else, remember=remember)
    copied = client.raw.get_cookie("session").value

    open_link(client, reset_link(client, mail, email))
    assert choose_password(client, STRONG).status_code == 302

    assert_sent_to_login(client.get(HOME))
    thief = fresh_client(app)
    thief.raw.set_cookie("session", copied)
    assert_sent_to_login(thief.get(HOME))


def test_reset_confirms_an_unconfirmed_account(app, client, mail):
    email = make_user(app, unconfirmed=True)

    open_link(client, reset_link(client, mail, email))
    assert choose_password(client, STRONG).status_code == 302

    assert user_row(app, email).email_confirmed_at is not None
    log_in(client, email, STRONG)
    assert client.get(HOME).status_code == 200


@pytest.mark.req("TOK-01")
def test_reset_token_is_not_stored_raw(app, client, mail):
    email = make_user(app)
    token = reset_link(client, mail, email).removeprefix("/reset/")

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OneTimeToken).where(
            OneTimeToken.token_hash == hashlib.sha256(token.encode()).hexdigest())) == 1
        for model in (OneTimeToken, OutboxMessage):
            for row in db.session.execute(select(model.__table__)).all():
                assert all(token not in str(value) for value in row), model.__tablename__


# Hostile input ---------------------------------------------------------------------------------


@pytest.mark.req("AUTH-05")
@pytest.mark.parametrize("how", [{"headers": {"Host": "evil.example"}}, {"base_url": "http://evil.example"},
                                 {"headers": {"X-Forwarded-Host": "evil.example"}}],
                         ids=["host-header", "base-url", "forwarded-host"])
def test_reset_link_ignores_a_poisoned_host_header(app, mail, how):
    email = make_user(app)
    browser = app.test_client()
    page = browser.get("/forgot-password", **how)
    if page.status_code == 400:
        assert outbox_count(app) == 0
        return
    response = browser.post("/forgot-password", data={"email": email,
                                                      "csrf_token": csrf_token(page.get_data(as_text=True))}, **how)

    if response.status_code == 400:
        assert outbox_count(app) == 0
        return
    assert response.status_code == 302
    (message,) = mail().to(email)
    assert link_in(message, "/reset/")
    assert all(url.startswith(BASE_URL + "/") for url in re.findall(r"https?://\S+", text_body(message)))
    assert "evil.example" not in message.as_string()


@pytest.mark.req("TOK-08")
@pytest.mark.parametrize("token", [
    "garbage",
    "x" * 10_240,
    "%FF%FE",
    "%E2%80%AE%F0%9F%94%A5%C3%A9",
    "<script>alert(1)</script>",
    "a/b/../../c",
], ids=["garbage", "10k", "bytes", "unicode", "html", "slashes"])
def test_bad_reset_tokens_get_the_problem_page_not_a_server_error(app, client, token):
    assert_link_refused(open_link(client, f"/reset/{token}"))


@pytest.mark.req("TOK-08")
def test_tampered_reset_token_is_refused(app, client, mail):
    email = make_user(app)
    link = reset_link(client, mail, email)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")

    assert_link_refused(open_link(client, tampered))
    assert_link_refused(open_link(client, link[:-3]))
    assert open_link(client, link).status_code == 200
