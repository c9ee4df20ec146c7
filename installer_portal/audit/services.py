"""Staff actions on a person. Each checks its rules, does the change and writes its audit record,
all in the caller's transaction, so the change and the record commit together or not at all."""

from __future__ import annotations

from sqlalchemy import select

from lms import api as lms

from ..accounts.models import Role, RoleGrant, User
from ..accounts.services import send_confirmation
from ..database import db, utcnow
from ..i18n import _l
from ..invitations.models import InstallerAccount, InvitationStatus
from ..invitations.services import issue_invitation, latest_invitation
from .models import AuditAction, AuditRecord


class StaffActionError(Exception):
    """A staff action was refused; `message` says why."""

    def __init__(self, message: object):
        super().__init__(str(message))
        self.message = str(message)


def check_staff_action(staff: User, person: User, reason: str) -> str:
    """The reason, trimmed, if `staff` may act on `person`: staff only, never on themselves, always with a reason."""
    if not staff.is_staff:
        raise StaffActionError(_l("Only support staff can do this."))
    if staff.id == person.id:
        raise StaffActionError(_l("You cannot act on your own account. Ask a colleague."))
    reason = reason.strip()
    if not reason:
        raise StaffActionError(_l("Give a reason."))
    return reason


def record_staff_action(staff: User, person: User, action: AuditAction, reason: str,
                        detail: str | None = None) -> AuditRecord:
    record = AuditRecord(actor_id=staff.id, subject_id=person.id, action=action, reason=reason, detail=detail)
    db.session.add(record)
    db.session.flush()
    return record


def resend_confirmation_for(staff: User, person: User, reason: str, **_details: str) -> AuditRecord:
    reason = check_staff_action(staff, person, reason)
    if person.is_confirmed:
        raise StaffActionError(_l("This person has already confirmed their email address."))
    send_confirmation(person)
    return record_staff_action(staff, person, AuditAction.RESEND_CONFIRMATION, reason, person.email)


def reissue_invitation(staff: User, person: User, reason: str, **_details: str) -> AuditRecord:
    """A new invitation for the person; the previous link stops working at once. Staff never see the link."""
    reason = check_staff_action(staff, person, reason)
    if person.has_role(Role.INSTALLER):
        raise StaffActionError(_l("This person already has an installer account."))
    certificate = lms.valid_certificate(person.id)
    if certificate is None:
        raise StaffActionError(_l("This person has no valid certificate, so they cannot be invited."))
    issue_invitation(person, certificate.id, created_by_id=staff.id)
    return record_staff_action(staff, person, AuditAction.REISSUE_INVITATION, reason, certificate.number)


def revoke_invitation(staff: User, person: User, reason: str, **_details: str) -> AuditRecord:
    reason = check_staff_action(staff, person, reason)
    invitation = latest_invitation(person.id)
    if invitation is None or invitation.status(utcnow()) != InvitationStatus.PENDING:
        raise StaffActionError(_l("This person has no invitation waiting to be used."))
    invitation.revoked_at = utcnow()
    invitation.revoked_by_id = staff.id
    invitation.revoke_reason = reason
    return record_staff_action(staff, person, AuditAction.REVOKE_INVITATION, reason)


def revoke_certificate_of(staff: User, person: User, reason: str, *, number: str = "", **_details: str) -> AuditRecord:
    reason = check_staff_action(staff, person, reason)
    certificate = lms.certificate_by_number(number)
    if certificate is None or certificate.user_id != person.id:
        raise StaffActionError(_l("This person has no certificate with that number."))
    try:
        lms.revoke_certificate(certificate, revoked_by_id=staff.id, reason=reason)
    except lms.LearningError as error:
        raise StaffActionError(error.message) from error
    return record_staff_action(staff, person, AuditAction.REVOKE_CERTIFICATE, reason, certificate.number)


def revoke_installer(staff: User, person: User, reason: str, **_details: str) -> AuditRecord:
    reason = check_staff_action(staff, person, reason)
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == person.id,
                                                      RoleGrant.role == Role.INSTALLER))
    if grant is None:
        raise StaffActionError(_l("This person is not an installer."))
    db.session.delete(grant)
    db.session.flush()
    db.session.expire(person, ["role_grants"])
    return record_staff_action(staff, person, AuditAction.REVOKE_INSTALLER, reason)


def restore_installer(staff: User, person: User, reason: str, **_details: str) -> AuditRecord:
    reason = check_staff_action(staff, person, reason)
    if person.has_role(Role.INSTALLER):
        raise StaffActionError(_l("This person already has an installer account."))
    if db.session.scalar(select(InstallerAccount.id).where(InstallerAccount.user_id == person.id)) is None:
        raise StaffActionError(_l("This person never set up an installer account: reissue the invitation instead."))
    db.session.add(RoleGrant(user_id=person.id, role=Role.INSTALLER, granted_by_id=staff.id))
    db.session.flush()
    db.session.expire(person, ["role_grants"])
    return record_staff_action(staff, person, AuditAction.RESTORE_INSTALLER, reason)


def audit_records(*, actor_id: int | None = None, subject_id: int | None = None,
                  action: AuditAction | None = None, detail: str | None = None, limit: int = 200) -> list[AuditRecord]:
    query = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit)
    if detail:
        query = query.where(AuditRecord.detail == detail)
    if actor_id:
        query = query.where(AuditRecord.actor_id == actor_id)
    if subject_id:
        query = query.where(AuditRecord.subject_id == subject_id)
    if action:
        query = query.where(AuditRecord.action == action)
    return list(db.session.scalars(query))


