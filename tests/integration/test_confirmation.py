"""Email confirmation: the link, its expiry and misuse, resending it, and what an unconfirmed person may see."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from core.database import db
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import LoginSession, OneTimeToken, TokenPurpose, User
from tests.conftest import PortalClient, csrf_token, link_in
from tests.helpers import STRONG, log_in, make_user, newest_token, sign_up, user_row

CONFIRMED_PAGE = "/confirm/done"
PROBLEM_PAGE = "/confirm/problem"
PENDING_PAGE = "/account/confirm-email"


def confirmation_mails(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_address == email, OutboxMessage.template == "confirm_email"))



def signed_up(client, mail, email: str) -> str:
    """Sign up through the page and return the confirmation link from the mail (a site-relative URL)."""
    assert sign_up(client, email).status_code == 302
    (message,) = mail().to(email)
    return link_in(message, "/confirm/")


def newest_link(mail, email: str) -> str:
    return link_in(mail().to(email)[-1], "/confirm/")


def first_limit(config_value: str) -> int:
    """The count in a Flask-Limiter limit string such as "6 per hour"."""
    return int(re.search(r"\d+", config_value).group())


def assert_problem_page(client, response, headers: dict | None = None) -> str:
    """The link was turned down: a redirect to the problem page, which answers 400 with a way to get a new link."""
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == PROBLEM_PAGE
    page = client.get(PROBLEM_PAGE, headers=headers or {})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'data-msg="link_problem"' in html
    assert 'action="/confirm/resend"' in html
    return html


def assert_confirmed_page(client, response) -> None:
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == CONFIRMED_PAGE
    page = client.get(CONFIRMED_PAGE)
    assert page.status_code == 200
    assert 'data-msg="email_confirmed"' in page.get_data(as_text=True)


# The link ----------------------------------------------------------------------------------------


@pytest.mark.req("REG-03")
def test_link_confirms_the_address_and_says_so(app, client, mail):
    link = signed_up(client, mail, "fresh@example.com")
    assert user_row(app, "fresh@example.com").email_confirmed_at is None

    assert_confirmed_page(client, client.get(link))

    assert user_row(app, "fresh@example.com").email_confirmed_at is not None


@pytest.mark.req("REG-03")
def test_second_use_of_the_link_changes_nothing_and_is_not_an_error(app, client, other_client, mail):
    link = signed_up(client, mail, "twice@example.com")
    assert_confirmed_page(client, client.get(link))
    confirmed_at = user_row(app, "twice@example.com").email_confirmed_at

    assert_confirmed_page(client, client.get(link))
    assert_confirmed_page(other_client, other_client.get(link))

    assert user_row(app, "twice@example.com").email_confirmed_at == confirmed_at


@pytest.mark.req("REG-04")
@pytest.mark.req("TOK-02")
def test_expired_link_offers_a_new_one(app, client, mail):
    link = signed_up(client, mail, "late@example.com")
    token = newest_token(app, "late@example.com", TokenPurpose.CONFIRM_EMAIL)
    assert token.expires_at - token.created_at == timedelta(hours=48)

    with time_machine.travel(token.created_at + timedelta(hours=48, seconds=1), tick=False):
        html = assert_problem_page(client, client.get(link))
        assert 'value="late@example.com"' in html
        assert user_row(app, "late@example.com").email_confirmed_at is None

        # The form on the problem page sends a fresh link, and that one works.
        response = client.submit(PROBLEM_PAGE, {"email": "late@example.com"}, action="/confirm/resend")
        assert response.status_code == 302
        new_link = newest_link(mail, "late@example.com")
        assert new_link != link
        assert_confirmed_page(client, client.get(new_link))

    assert user_row(app, "late@example.com").email_confirmed_at is not None


@pytest.mark.req("TOK-02")
def test_link_still_works_just_before_it_expires(app, client, mail):
    link = signed_up(client, mail, "almost@example.com")
    token = newest_token(app, "almost@example.com", TokenPurpose.CONFIRM_EMAIL)

    with time_machine.travel(token.created_at + timedelta(hours=47, minutes=59), tick=False):
        assert_confirmed_page(client, client.get(link))

    assert user_row(app, "almost@example.com").email_confirmed_at is not None


@pytest.mark.req("TOK-08")
@pytest.mark.parametrize("token", [
    "garbage",
    "x" * 10_000,
    "%FF%FE",
    "%E2%80%AE%F0%9F%94%A5%C3%A9",
    "<script>alert(1)</script>",
    "';drop table users;--",
    "a/b/../../c",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
], ids=["garbage", "10k", "bytes", "unicode", "html", "sql", "slashes", "dots"])
def test_bad_tokens_get_the_problem_page_not_a_server_error(app, client, token):
    assert_problem_page(client, client.get(f"/confirm/{token}"))


@pytest.mark.req("TOK-08")
def test_tampered_or_truncated_real_token_confirms_nobody(app, client, mail):
    link = signed_up(client, mail, "tamper@example.com")
    last = link[-1]
    tampered = link[:-1] + ("A" if last != "A" else "B")

    for bad in (tampered, link[:-5], link + "x"):
        assert_problem_page(client, client.get(bad))

    assert user_row(app, "tamper@example.com").email_confirmed_at is None
    assert_confirmed_page(client, client.get(link))


@pytest.mark.req("TOK-06")
def test_resent_link_supersedes_the_previous_one(app, client, mail):
    old_link = signed_up(client, mail, "again@example.com")

    response = client.submit("/confirm/resend", {"email": "again@example.com"})
    assert response.status_code == 302
    new_link = newest_link(mail, "again@example.com")
    assert new_link != old_link

    assert_problem_page(client, client.get(old_link))
    assert user_row(app, "again@example.com").email_confirmed_at is None
    assert_confirmed_page(client, client.get(new_link))
    assert user_row(app, "again@example.com").email_confirmed_at is not None


@pytest.mark.req("REG-05")
def test_link_dies_when_the_email_address_changes(app, client, mail):
    link = signed_up(client, mail, "before@example.com")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "before@example.com"))
        user.email = "after@example.com"
        db.session.commit()

    assert_problem_page(client, client.get(link))

    assert user_row(app, "after@example.com").email_confirmed_at is None


# Resending -------------------------------------------------------------------------------------

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def _neutral(html: str, email: str) -> str:
    return _CSRF_VALUE.sub(r'\1"', html).replace(email, "EMAIL")


@pytest.mark.req("REG-07")
def test_resend_answers_the_same_for_every_address_and_mails_only_the_unconfirmed(app, mail):
    unconfirmed = make_user(app, unconfirmed=True)
    confirmed = make_user(app)
    unknown = "nobody-here@example.com"

    answers = []
    for email in (unknown, unconfirmed, confirmed):
        client = PortalClient(app.test_client())
        response = client.submit("/confirm/resend", {"email": email})
        page = client.get(response.headers.get("Location", "/nowhere"))
        answers.append((response.status_code, response.headers.get("Location"), page.status_code,
                        _neutral(page.get_data(as_text=True), email)))

    assert answers[0][:3] == (302, "/sign-up/check-email", 200)
    assert answers[0] == answers[1] == answers[2]
    received = mail().messages
    assert [message["To"] for message in received] == [unconfirmed]
    assert link_in(received[0], "/confirm/")


@pytest.mark.req("REG-07")
@pytest.mark.config(MAIL_PER_ADDRESS_PER_HOUR=3)
def test_resend_sends_at_most_the_hourly_cap_per_address(app, client, mail):
    email = make_user(app, unconfirmed=True)

    for expected in (1, 2, 3, 3):
        response = client.submit("/confirm/resend", {"email": email})
        assert (response.status_code, response.headers["Location"]) == (302, "/sign-up/check-email")
        assert confirmation_mails(app, email) == expected

    # The cap is per hour: an hour later the address can be mailed again.
    with app.app_context():
        first = db.session.scalar(select(func.min(OutboxMessage.created_at)))
    with time_machine.travel(first + timedelta(hours=1, minutes=1), tick=False):
        client.submit("/confirm/resend", {"email": email})
    assert confirmation_mails(app, email) == 4


@pytest.mark.req("REG-07")
@pytest.mark.req("TOK-10")
def test_resend_flood_from_one_address_gets_a_translated_429(app, client):
    allowed = first_limit(app.config["LIMIT_RESEND"])
    dutch = {"Accept-Language": "nl"}

    for number in range(allowed):
        response = client.submit("/confirm/resend", {"email": f"flood{number}@example.com"}, headers=dutch)
        assert response.status_code == 302, number

    response = client.submit("/confirm/resend", {"email": "one-more@example.com"}, headers=dutch)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert 'data-status="429"' in html

    # The limit is per source address, not for everyone.
    elsewhere = client.submit("/confirm/resend", {"email": "one-more@example.com"},
                              environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert elsewhere.status_code == 302


@pytest.mark.req("TOK-01")
def test_raw_tokens_are_not_stored_after_delivery(app, client, mail):
    link = signed_up(client, mail, "atrest@example.com")
    raw = link.removeprefix("/confirm/")
    assert len(raw) >= 32

    with app.app_context():
        hashes = db.session.scalars(select(OneTimeToken.token_hash)).all()
        assert hashlib.sha256(raw.encode()).hexdigest() in hashes
        for model in (OneTimeToken, OutboxMessage):
            rows = db.session.execute(select(model.__table__)).all()
            assert rows, model.__tablename__
            for row in rows:
                for column, value in row._mapping.items():
                    assert raw not in str(value), f"{model.__tablename__}.{column} holds the raw token"


# Unconfirmed people -------------------------------------------------------------------------


def _account_requests(app):
    """(method, url) for every route under /account/ that an unconfirmed person may not use."""
    open_to_unconfirmed = {PENDING_PAGE, PENDING_PAGE + "/resend"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/account/") or rule.rule in open_to_unconfirmed:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield method, url


@pytest.mark.req("REG-02")
def test_unconfirmed_login_lands_only_on_the_confirm_page(app, client, mail):
    signed_up(client, mail, "waiting@example.com")

    response = log_in(client, "waiting@example.com", STRONG)
    assert response.status_code == 302
    pending = client.get(PENDING_PAGE)
    assert pending.status_code == 200
    assert 'data-msg="confirmation_required"' in pending.get_data(as_text=True)
    token = csrf_token(pending.get_data(as_text=True))

    requests = list(_account_requests(app))
    assert ("GET", "/account/") in requests
    assert ("POST", "/account/profile") in requests
    for method, url in requests:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "first_name": "Eve", "last_name": "Early",
                                              "phone": "+4740612345", "country": "NO", "locale": "nb",
                                              "current_password": STRONG, "password": "x" * 20,
                                              "confirm_password": "x" * 20})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"] == PENDING_PAGE, (method, url)

    user = user_row(app, "waiting@example.com")
    assert (user.first_name, user.profile_completed_at, user.locale) == (None, None, "en")


@pytest.mark.req("REG-07")
def test_confirm_page_resend_button_sends_a_new_link(app, client, mail):
    old_link = signed_up(client, mail, "button@example.com")
    log_in(client, "button@example.com", STRONG)

    response = client.submit(PENDING_PAGE, {}, action=PENDING_PAGE + "/resend")

    assert (response.status_code, response.headers["Location"]) == (302, PENDING_PAGE)
    received = mail().to("button@example.com")
    assert len(received) == 2
    new_link = link_in(received[-1], "/confirm/")
    assert new_link != old_link
    assert_confirmed_page(client, client.get(new_link))
    assert client.get("/account/").status_code == 200


@pytest.mark.req("REG-06")
def test_opening_someone_elses_link_confirms_them_and_logs_you_out(app, client, other_client, mail):
    someone = make_user(app)
    link_for_b = signed_up(other_client, mail, "b@example.com")
    assert log_in(client, someone).status_code == 302
    assert client.get("/account/").status_code == 200

    assert_confirmed_page(client, client.get(link_for_b))

    assert user_row(app, "b@example.com").email_confirmed_at is not None
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        sessions = db.session.scalars(select(LoginSession).join(User).where(User.email == someone)).all()
        assert sessions
        assert all(row.revoked_at is not None for row in sessions)
