"""Enum columns read back as members, and the database itself refuses a value no member has."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.database import db
from core.mail.models import MailStatus, OutboxMessage
from installer_portal.accounts.models import Role, RoleGrant, User
from installer_portal.markets import Region
from tests.helpers import make_user


def test_enum_columns_read_back_as_members(app):
    email = make_user(app, support=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert type(user.region) is Region
        assert {type(grant.role) for grant in user.role_grants} == {Role}


@pytest.mark.parametrize(("table", "column"), [("users", "region"), ("role_grants", "role"),
                                                ("mail_outbox", "status")])
def test_the_database_refuses_a_value_no_member_has(app, table, column):
    email = make_user(app, support=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if table == "mail_outbox":
            db.session.add(OutboxMessage(message_id="<x@portal.test>", to_address=email, template="t", locale="en",
                                         subject="s", status=MailStatus.PENDING))
            db.session.commit()
        key = "user_id" if table == "role_grants" else "id" if table == "users" else "to_address"
        value = email if table == "mail_outbox" else user.id
        with pytest.raises(IntegrityError):
            db.session.execute(text(f"UPDATE {table} SET {column} = 'bogus' WHERE {key} = :value"),  # noqa: S608
                               {"value": value})
        db.session.rollback()
        assert db.session.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user.id)) == Role.SUPPORT
