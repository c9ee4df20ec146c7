"""Steps that many tests take, done the way a person does them: through the pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from core.database import db
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import OneTimeToken, TokenPurpose, User
from tests.conftest import PortalClient
from tests.factories import PASSWORD, InvitationFactory, UserFactory

STRONG = "violet kettle marches north"
OTHER_STRONG = "seven lanterns over fjord"


def log_in(client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.submit("/login", data)


def sign_up(client, email: str, password: str = STRONG, region: str = "eu", confirm: str | None = None,
            headers: dict | None = None):
    data = {"region": region, "email": email, "password": password,
            "confirm_password": password if confirm is None else confirm, "terms": "y"}
    return client.submit("/sign-up", data, headers=headers or {})


HOME = "/account/"


def make_user(app, **traits) -> str:
    """A user from the factory (committed); returns the email address."""
    with app.app_context():
        return UserFactory(**traits).email


def make_invited(app, **traits) -> tuple[str, str]:
    """A certified learner with a profile and a pending invitation, from the factories; returns (email, link).

    `traits` go to UserFactory. Passing the course and getting the mail is walked in test_invitations.py.
    """
    with app.app_context():
        invitation = InvitationFactory(certificate__user=UserFactory(with_profile=True, **traits))
        return invitation.user.email, invitation.link


def user_row(app, email: str) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def newest_token(app, email: str, purpose: TokenPurpose) -> OneTimeToken:
    """The latest one-time token of this purpose issued to this address."""
    with app.app_context():
        return db.session.scalars(
            select(OneTimeToken).join(User).where(User.email == email, OneTimeToken.purpose == purpose)
            .order_by(OneTimeToken.id.desc())).first()


def fresh_client(app) -> PortalClient:
    """Another browser."""
    return PortalClient(app.test_client())


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) run on `engine` inside the block: SQLAlchemy's
    before_cursor_execute, so tests can count a page's queries or read their plans."""
    statements: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(app, client, url: str) -> list[str]:
    """The statements a GET of `url` runs (it must answer 200)."""
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        assert client.get(url).status_code == 200
    return [statement for statement, _parameters in statements]
