"""Every model, imported in one place so that Alembic and create_app() see the whole schema."""

from .accounts.models import LoginSession, OneTimeToken, RoleGrant, User
from .mail.models import OutboxMessage

__all__ = ["LoginSession", "OneTimeToken", "OutboxMessage", "RoleGrant", "User"]
