"""Audit records of what staff did. Rows are only ever added: updating or deleting one raises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Model, enum_type, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

from ..accounts.models import User


class AuditAction(LabelledEnum):
    """What a staff member did.

    - ``resend_confirmation``: mailed a new confirmation link.
    - ``reissue_invitation``: replaced the invitation with a new one, mailed to the person.
    - ``revoke_invitation``: withdrew the pending invitation.
    - ``revoke_certificate``: withdrew a certificate.
    - ``revoke_installer``: took the installer role away (the installer account details stay).
    - ``restore_installer``: gave a revoked installer role back.
    - ``decommission_station``: took a commissioned station out of service (person: its installer).
    - ``transfer_station``: made another installer responsible for a station (person: the new installer).
    - ``deactivate_account``: the person can no longer log in; every login they had was ended.
    - ``reactivate_account``: a deactivated person can log in again.
    """

    RESEND_CONFIRMATION = "resend_confirmation", _l("Confirmation email sent again")
    REISSUE_INVITATION = "reissue_invitation", _l("Invitation reissued")
    REVOKE_INVITATION = "revoke_invitation", _l("Invitation revoked")
    REVOKE_CERTIFICATE = "revoke_certificate", _l("Certificate revoked")
    REVOKE_INSTALLER = "revoke_installer", _l("Installer role revoked")
    RESTORE_INSTALLER = "restore_installer", _l("Installer role restored")
    DECOMMISSION_STATION = "decommission_station", _l("Station decommissioned")
    TRANSFER_STATION = "transfer_station", _l("Station transferred")
    DEACTIVATE_ACCOUNT = "deactivate_account", _l("Account deactivated")
    REACTIVATE_ACCOUNT = "reactivate_account", _l("Account reactivated")


class SubjectType(LabelledEnum):
    """What kind of thing an action was done to; `subject_key` says which one.

    - ``person``: a person (the key is their id).
    - ``station``: a charging station (the key is its serial number).

    Owner accounts, charge cards and invoices join as the back office arrives.
    """

    # Translators: the kind of thing a staff action was done to (a filter in the audit log).
    PERSON = "person", _l("Person")
    STATION = "station", _l("Station")


class AuditRecord(Model):
    """Who did what to which subject, when and why. PII: the reason may name the person."""

    __tablename__ = "audit_records"
    # Each filter of the log, followed by (at, id): every page of it, newest first, is one index range scan.
    __table_args__ = (Index("ix_audit_records_subject", "subject_type", "subject_key", "at", "id"),
                      Index("ix_audit_records_at", "at", "id"),
                      Index("ix_audit_records_actor_id", "actor_id", "at", "id"),
                      Index("ix_audit_records_subject_id", "subject_id", "at", "id"),
                      Index("ix_audit_records_action", "action", "at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject_type: Mapped[SubjectType] = mapped_column(enum_type(SubjectType, name="subject_type", length=20))
    #: Which subject: a person's id, a station's serial number.
    subject_key: Mapped[str] = mapped_column(String(64))
    #: The person the action concerns, listed on their console page: the person acted on, or the
    #: installer of a station acted on. None for subjects that concern nobody in particular.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, name="action", length=40))
    reason: Mapped[str] = mapped_column(Text)
    #: What the action touched, e.g. the certificate number or the station's serial number.
    detail: Mapped[str | None] = mapped_column(String(254))
    #: The staff member's IP address (behind PROXY_HOPS trusted proxies).
    ip: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
    person: Mapped[User | None] = relationship(foreign_keys=[subject_id])


@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _append_only(mapper: object, connection: object, target: AuditRecord) -> None:
    raise RuntimeError("audit records are never changed or deleted")
