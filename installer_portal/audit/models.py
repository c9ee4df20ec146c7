"""Audit records. Rows are only ever added: updating or deleting one raises."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import db, utcnow
from ..i18n import _l


class AuditAction(StrEnum):
    """What a staff member did.

    - ``resend_confirmation``: mailed a new confirmation link.
    - ``reissue_invitation``: replaced the invitation with a new one, mailed to the person.
    - ``revoke_invitation``: withdrew the pending invitation.
    - ``revoke_certificate``: withdrew a certificate.
    - ``revoke_installer``: took the installer role away (the installer account details stay).
    - ``restore_installer``: gave a revoked installer role back.
    - ``decommission_station``: took a commissioned station out of service (subject: its installer).
    - ``transfer_station``: made another installer responsible for a station (subject: the new installer).

    Station actions keep the station's serial number in `detail`.
    """

    RESEND_CONFIRMATION = "resend_confirmation"
    REISSUE_INVITATION = "reissue_invitation"
    REVOKE_INVITATION = "revoke_invitation"
    REVOKE_CERTIFICATE = "revoke_certificate"
    REVOKE_INSTALLER = "revoke_installer"
    RESTORE_INSTALLER = "restore_installer"
    DECOMMISSION_STATION = "decommission_station"
    TRANSFER_STATION = "transfer_station"

    @property
    def label(self) -> str:
        return str(_ACTION_LABELS[self])


_ACTION_LABELS = {
    AuditAction.RESEND_CONFIRMATION: _l("Confirmation email sent again"),
    AuditAction.REISSUE_INVITATION: _l("Invitation reissued"),
    AuditAction.REVOKE_INVITATION: _l("Invitation revoked"),
    AuditAction.REVOKE_CERTIFICATE: _l("Certificate revoked"),
    AuditAction.REVOKE_INSTALLER: _l("Installer role revoked"),
    AuditAction.RESTORE_INSTALLER: _l("Installer role restored"),
    AuditAction.DECOMMISSION_STATION: _l("Station decommissioned"),
    AuditAction.TRANSFER_STATION: _l("Station transferred"),
}


class AuditRecord(db.Model):
    """Who did what to whom, when and why. PII: the reason may name the person."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[AuditAction] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    #: What the action touched, e.g. the certificate number.
    detail: Mapped[str | None] = mapped_column(String(200))

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User] = relationship(foreign_keys=[subject_id])

    @property
    def action_label(self) -> str:
        return AuditAction(self.action).label


@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise RuntimeError("audit records are never changed or deleted")
