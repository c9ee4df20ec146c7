"""Invitations to set up an installer account, and the installer account details."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Model, utcnow
from core.enums import LabelledEnum
from core.i18n import _l
from core.mail.models import OutboxMessage

from ..accounts.models import User


class InvitationStatus(LabelledEnum):
    """Where an invitation stands.

    - ``pending``: sent (or queued) and usable until it expires.
    - ``used``: the installer account was set up with it.
    - ``expired``: 14 days passed without it being used.
    - ``superseded``: a newer invitation replaced it (a reissue or a new request).
    - ``revoked``: staff withdrew it.
    """

    # Translators: status of an invitation link: sent, the installer has not used it yet.
    PENDING = "pending", _l("Waiting to be used")
    # Translators: status of an invitation link: the installer account was set up with it.
    USED = "used", _l("Used")
    EXPIRED = "expired", _l("Expired")
    SUPERSEDED = "superseded", _l("Replaced by a newer invitation")
    REVOKED = "revoked", _l("Revoked")


class Invitation(Model):
    """A single-use link to set up an installer account, sent when a certificate is issued.

    The link's token is stored only as its SHA-256. PII: none beyond the person's id.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The certificate that made the person eligible (lms_certificates.id).
    certificate_id: Mapped[int] = mapped_column(ForeignKey("lms_certificates.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: Staff member who reissued it; None when sent automatically or requested by the person.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The mail that carries the link, for its delivery status.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    message: Mapped[OutboxMessage | None] = relationship()

    def status(self, now: datetime) -> InvitationStatus:
        if self.used_at is not None:
            return InvitationStatus.USED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.superseded_at is not None:
            return InvitationStatus.SUPERSEDED
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class InstallerAccount(Model):
    """What a certified person told us when setting up their installer account.

    PII: trading name or employer, and (North America) the electrical licence number.
    """

    __tablename__ = "installer_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), unique=True)
    #: Trading name, or the employer's name.
    business_name: Mapped[str] = mapped_column(String(200))
    licence_number: Mapped[str | None] = mapped_column(String(50))
    #: State or province code that issued the licence, e.g. "US-CA", "CA-ON".
    licence_region: Mapped[str | None] = mapped_column(String(6))
    terms_version: Mapped[str] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
