"""Sign-up: the form, its bad inputs, duplicates, and the confirmation mail."""

from __future__ import annotations

from sqlalchemy import func, select

from core.database import db
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import User
from tests.conftest import html_body, link_in, text_body
from tests.helpers import STRONG, sign_up


def users(app) -> list[User]:
    with app.app_context():
        return db.session.scalars(select(User)).all()


def test_sign_up_sends_a_confirmation_link_in_the_chosen_language(app, client, mail):
    response = sign_up(client, "New.Installer@Example.COM", headers={"Accept-Language": "nb"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-up/check-email")
    page = client.get("/sign-up/check-email", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "new.installer@example.com" in page
    (user,) = users(app)
    assert user.email == "new.installer@example.com"
    assert user.email_confirmed_at is None
    assert user.locale == "nb"
    (message,) = mail().to("new.installer@example.com")
    assert "/confirm/" in text_body(message)
    assert "/confirm/" in html_body(message)
    assert message["Content-Language"] == "nb"
    assert link_in(message, "/confirm/")


def test_duplicate_sign_up_answers_the_same_and_mails_the_owner(app, client, other_client, mail):
    first = sign_up(client, "owner@example.com")
    second = sign_up(other_client, "OWNER@example.com", password="another strong pass phrase")

    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    assert len(users(app)) == 1
    received = mail().to("owner@example.com")
    assert len(received) == 2
    notice = next(message for message in received if "/confirm/" not in text_body(message))
    assert link_in(notice, "/login")
    assert link_in(notice, "/forgot-password")


def test_bad_inputs_are_refused_with_messages_and_change_nothing(app, client):
    cases = [
        ({"email": "not-an-email"}, "valid email address"),
        ({"confirm_password": "something else entirely"}, "do not match"),
        ({"password": "short pass", "confirm_password": "short pass"}, "at least 12"),
        ({"password": "password1234", "confirm_password": "password1234"}, "common"),
        ({"password": "x" * 10_000, "confirm_password": "x" * 10_000}, "at most"),
        ({"terms": ""}, "terms and conditions"),
        ({"region": "mars"}, "region"),
    ]
    for override, expected in cases:
        data = {"region": "eu", "email": "someone@example.com", "password": STRONG, "confirm_password": STRONG,
                "terms": "y", **override}
        response = client.submit("/sign-up", data)
        assert response.status_code == 400, override
        assert expected in response.get_data(as_text=True), override
    assert users(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
