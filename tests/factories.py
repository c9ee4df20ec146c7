"""Test data factories. Rows are committed, as the app would commit them."""

from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from core.database import db, utcnow
from installer_portal.accounts.models import Role, RoleGrant, User
from installer_portal.accounts.passwords import hash_password
from installer_portal.markets import Region

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


class UserFactory(SQLAlchemyModelFactory):
    """A confirmed learner in Europe with the password PASSWORD; traits for the other states."""

    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password_hash = factory.LazyFunction(_password_hash)
    region = Region.EUROPE
    locale = "en"
    email_confirmed_at = factory.LazyFunction(utcnow)

    class Params:
        unconfirmed = factory.Trait(email_confirmed_at=None)
        with_profile = factory.Trait(
            first_name="Kari", last_name="Nordmann", phone="+4740612345", country="NO",
            profile_completed_at=factory.LazyFunction(utcnow),
        )
        support = factory.Trait(role_grants=factory.LazyFunction(lambda: [RoleGrant(role=Role.SUPPORT)]))
