"""People, their roles, their login sessions and the one-time tokens mailed to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import ColumnElement, ForeignKey, Index, String, UniqueConstraint, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Model, enum_type, trigram_index, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

from ..markets import Region, locale_for, zone_of


class Role(LabelledEnum):
    """What a person may do. Everyone is a learner; the others are granted.

    - ``learner``: signs up, completes the profile, takes courses.
    - ``installer``: holds an installer account and commissions stations.
    - ``support``: support staff; looks people up and reissues invitations.
    - ``admin``: support plus administration of the portal.
    """

    LEARNER = "learner", _l("Learner")
    INSTALLER = "installer", _l("Installer")
    SUPPORT = "support", _l("Support staff member")
    ADMIN = "admin", _l("Administrator")

#: Roles that open the support console.
STAFF_ROLES = frozenset({Role.SUPPORT, Role.ADMIN})


class User(Model):
    """A person with a login: learner, installer or staff.

    PII: email, names, phone number, company name. The password is kept only as an argon2id hash.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalized by email-validator and lower-cased; unique case-insensitively.
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    region: Mapped[Region] = mapped_column(enum_type(Region, name="region", length=8))
    #: Preferred language for pages and emails: one of i18n.LANGUAGES.
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_confirmed_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    #: E.164, e.g. +4791234567.
    phone: Mapped[str | None] = mapped_column(String(20))
    #: ISO 3166-1 alpha-2 code, one of the region's countries.
    country: Mapped[str | None] = mapped_column(String(2))
    company_name: Mapped[str | None] = mapped_column(String(200))
    #: IANA zone the person reads times in, one of the region's; None means their country's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    profile_completed_at: Mapped[datetime | None]
    #: Set by staff: the person cannot log in, and every login they had was ended. Cleared to reactivate.
    deactivated_at: Mapped[datetime | None]

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    #: Set by the login machinery: the key of the login session this request runs in.
    session_key = cast("str | None", None)

    # Flask-Login's protocol.
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str | None:
        """Flask-Login stores the login session's key, not the user id, so a logout can revoke it."""
        return self.session_key

    @property
    def roles(self) -> set[Role]:
        return {Role.LEARNER} | {grant.role for grant in self.role_grants}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_deactivated(self) -> bool:
        return self.deactivated_at is not None

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def profile_complete(self) -> bool:
        return self.profile_completed_at is not None

    @property
    def zone(self) -> str:
        """The zone pages and mail show this person's times in."""
        return self.time_zone or zone_of(self.region, self.country)

    @property
    def format_locale(self) -> str:
        """The locale pages and mail format this person's dates in (en_GB for English in Europe)."""
        return locale_for(self.locale, self.region)

    @property
    def display_name(self) -> str:
        if self.first_name and self.last_name:
            return f"{self.first_name} {self.last_name}"
        return self.email

    def __repr__(self) -> str:
        return f"<User {self.id}>"


def full_name_of(users: type[User]) -> ColumnElement[str]:
    """First and last name as one text, so "Kari Nord" finds Kari Nordmann. Literals, not bound parameters:
    the support search's trigram index is on exactly this expression, and the planner matches it literally."""
    empty: ColumnElement[str] = literal_column("''")
    return func.coalesce(users.first_name, empty).op("||")(literal_column("' '")).op("||")(
        func.coalesce(users.last_name, empty))


# Emails are stored lower-cased; this index also holds when a row is written by other means.
Index("uq_users_email_lower", func.lower(User.email), unique=True)
# The support search: fragments of an email address, a name, a phone number.
trigram_index(User, "ix_users_email_trgm", func.lower(User.email))
trigram_index(User, "ix_users_full_name_trgm", func.lower(full_name_of(User)))
trigram_index(User, "ix_users_phone_trgm", User.phone)


class RoleGrant(Model):
    """A role held by a person, with when and by whom it was granted."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_role_grants_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_type(Role, name="role", length=20))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Staff member who granted it; None for the CLI and automatic grants.
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class LoginSession(Model):
    """One login on one device. The cookie holds a random key; this row holds its hash.

    Revoking the row ends the login everywhere the cookie was copied to, which a signed
    client-side cookie alone cannot do.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class TokenPurpose(StrEnum):
    """What a one-time token mailed to a person is for.

    - ``confirm_email``: confirms the address at sign-up (48 hours).
    - ``reset_password``: sets a new password (1 hour).
    """

    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose name, not a password)


class OneTimeToken(Model):
    """A random token mailed as a link. Only its SHA-256 is stored; it works once.

    It is bound to the address it was mailed to: if the account's email changes, it dies.
    """

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, name="purpose", length=32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The address the link was mailed to.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: Set when a newer token of the same purpose replaced this one, or a password change killed it.
    superseded_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginThrottle(Model):
    """Failed logins for one account from one address: each failure beyond a few makes the next attempt wait
    longer (accounts.throttle). Keyed by a hash of the typed address and the client's IP, so an unknown
    address is counted like a known one and no address is stored.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The account the address belongs to, if any: a completed password reset lifts all of its throttles.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    #: No attempt is taken before this time.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
