"""Operator commands: creating staff, seeding demo accounts, sending the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.database import db
from core.mail.models import MailStatus, OutboxMessage
from installer_portal.accounts.models import Role, User
from installer_portal.accounts.passwords import verify_password
from installer_portal.cli.demo import DEMO_LEARNER, DEMO_SUPPORT
from tests.factories import UserFactory
from tests.helpers import sign_up

STAFF_PASSWORD = "a strong staff pass phrase"


def users(app) -> list[User]:
    with app.app_context():
        found = db.session.scalars(select(User).order_by(User.email)).all()
        for user in found:
            _ = user.roles  # load the grants before the session goes
        db.session.expunge_all()
        db.session.remove()
    return found


def refused_cleanly(result) -> bool:
    """A refusal shown to the operator (click's error exit), not a crash with a traceback."""
    return result.exit_code != 0 and isinstance(result.exception, SystemExit)


@pytest.mark.req("AUTH-07")
def test_create_staff_makes_a_confirmed_support_account_and_never_prints_the_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create-staff", "Staff@Example.com", "--role", "support"],
                                          input=STAFF_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert STAFF_PASSWORD not in result.output
    (staff,) = users(app)
    assert staff.email == "staff@example.com"
    assert staff.email_confirmed_at is not None
    assert Role.SUPPORT in staff.roles
    assert staff.is_staff
    assert STAFF_PASSWORD not in staff.password_hash
    with app.app_context():
        assert verify_password(staff.password_hash, STAFF_PASSWORD)


def test_create_staff_refuses_a_weak_password_and_creates_nobody(app):
    result = app.test_cli_runner().invoke(args=["users", "create-staff", "staff@example.com"],
                                          input="password1234\n")

    assert refused_cleanly(result), result.exception
    assert "password1234" not in result.output
    assert users(app) == []


def test_create_staff_refuses_an_address_that_already_has_an_account(app):
    with app.app_context():
        UserFactory(email="taken@example.com")
        db.session.remove()

    result = app.test_cli_runner().invoke(args=["users", "create-staff", "TAKEN@example.com"],
                                          input=STAFF_PASSWORD + "\n")

    assert refused_cleanly(result), result.exception
    (only,) = users(app)
    assert not only.is_staff


def test_create_staff_only_grants_staff_roles(app):
    result = app.test_cli_runner().invoke(args=["users", "create-staff", "staff@example.com", "--role", "learner"],
                                          input=STAFF_PASSWORD + "\n")

    assert result.exit_code != 0
    assert users(app) == []


def test_demo_prepare_migrates_imports_the_courses_and_seeds_in_one_process_and_can_run_again(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "prepare"])
    second = runner.invoke(args=["demo", "prepare"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "ac-installation-eu: imported" in first.output
    assert "Demo stations: 6 imported" in first.output
    assert "ac-installation-eu: unchanged" in second.output
    assert "level2-nec-na: unchanged" in second.output
    assert "Demo stations: 0 imported, 6 already registered" in second.output
    assert {user.email for user in users(app)} == {DEMO_SUPPORT[0], DEMO_LEARNER[0]}


def test_demo_seed_creates_the_demo_accounts_and_can_run_again(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Demo stations: 6 imported, 0 already registered" in first.output
    assert "Demo stations: 0 imported, 6 already registered" in second.output
    support, learner = sorted(users(app), key=lambda user: user.email != DEMO_SUPPORT[0])
    assert len(users(app)) == 2
    assert support.email == DEMO_SUPPORT[0]
    assert Role.SUPPORT in support.roles
    assert learner.email == DEMO_LEARNER[0]
    assert not learner.is_staff
    assert learner.email_confirmed_at is not None
    assert learner.profile_completed_at is not None
    with app.app_context():
        assert verify_password(support.password_hash, DEMO_SUPPORT[1])
        assert verify_password(learner.password_hash, DEMO_LEARNER[1])


def test_mail_send_delivers_the_pending_outbox(app, client, other_client, smtp):
    sign_up(client, "from.cli@example.com")
    sign_up(other_client, "also.cli@example.com")

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert len(smtp.to("from.cli@example.com")) == 1
    assert len(smtp.to("also.cli@example.com")) == 1
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.status)).all() == [MailStatus.SENT] * 2
        db.session.remove()

    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert again.exit_code == 0
    assert len(smtp.messages) == 2
