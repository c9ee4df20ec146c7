"""Staff actions: check who acts and why, call the feature that owns the change, and write the audit record,
all in the caller's transaction, so the change and its record commit together or not at all.

Whether the staff member typed their password recently is checked before any of these run (the console's
routes are marked with `accounts.freshness.fresh_login_required`).
"""

from __future__ import annotations

from core.database import utcnow
from core.errors import Refusal
from core.i18n import _l
from lms import api as lms

from ..accounts import services as accounts
from ..accounts.models import Role, User
from ..invitations import services as invitations
from ..invitations.models import InvitationStatus
from ..stations import services as stations
from ..stations.models import Station
from .audit import record
from .models import AuditAction, AuditRecord


class StaffActionError(Refusal):
    """A staff action was refused."""


def check_staff_action(staff: User, reason: str, *, concerning: User | None) -> str:
    """The reason, trimmed, if `staff` may act: staff only, never on their own account, always with a reason."""
    if not staff.is_staff:
        raise StaffActionError(_l("Only support staff can do this."))
    if concerning is not None and staff.id == concerning.id:
        raise StaffActionError(_l("You cannot act on your own account. Ask a colleague."))
    reason = reason.strip()
    if not reason:
        raise StaffActionError(_l("Give a reason."), "reason")
    return reason


def resend_confirmation(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    reason = check_staff_action(staff, reason, concerning=person)
    if person.is_confirmed:
        raise StaffActionError(_l("This person has already confirmed their email address."))
    accounts.send_confirmation(person)
    return record(staff, AuditAction.RESEND_CONFIRMATION, reason, person, person=person, detail=person.email, ip=ip)


def reissue_invitation(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    """A new invitation for the person; the previous link stops working at once. Staff never see the link."""
    reason = check_staff_action(staff, reason, concerning=person)
    if person.has_role(Role.INSTALLER):
        raise StaffActionError(_l("This person already has an installer account."))
    certificate = lms.valid_certificate(person.id)
    if certificate is None:
        raise StaffActionError(_l("This person has no valid certificate, so they cannot be invited."))
    invitations.issue_invitation(person, certificate.id, created_by_id=staff.id)
    return record(staff, AuditAction.REISSUE_INVITATION, reason, person, person=person, detail=certificate.number,
                  ip=ip)


def revoke_invitation(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    reason = check_staff_action(staff, reason, concerning=person)
    invitation = invitations.latest_invitation(person.id)
    if invitation is None or invitation.status(utcnow()) != InvitationStatus.PENDING:
        raise StaffActionError(_l("This person has no invitation waiting to be used."))
    invitations.revoke_invitation(invitation, by=staff, reason=reason)
    return record(staff, AuditAction.REVOKE_INVITATION, reason, person, person=person, ip=ip)


def revoke_certificate(staff: User, person: User, reason: str, number: str, *, ip: str | None = None) -> AuditRecord:
    reason = check_staff_action(staff, reason, concerning=person)
    certificate = lms.certificate_by_number(number)
    if certificate is None or certificate.user_id != person.id:
        raise StaffActionError(_l("This person has no certificate with that number."))
    lms.revoke_certificate(certificate, revoked_by_id=staff.id, reason=reason)
    return record(staff, AuditAction.REVOKE_CERTIFICATE, reason, person, person=person, detail=certificate.number,
                  ip=ip)


def revoke_installer(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    """Take the installer role away; the installer account details and stations stay."""
    reason = check_staff_action(staff, reason, concerning=person)
    if not person.has_role(Role.INSTALLER):
        raise StaffActionError(_l("This person is not an installer."))
    accounts.revoke_role(person, Role.INSTALLER)
    return record(staff, AuditAction.REVOKE_INSTALLER, reason, person, person=person, ip=ip)


def restore_installer(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    reason = check_staff_action(staff, reason, concerning=person)
    if person.has_role(Role.INSTALLER):
        raise StaffActionError(_l("This person already has an installer account."))
    if invitations.installer_account_of(person) is None:
        raise StaffActionError(_l("This person never set up an installer account: reissue the invitation instead."))
    accounts.grant_role(person, Role.INSTALLER, by=staff)
    return record(staff, AuditAction.RESTORE_INSTALLER, reason, person, person=person, ip=ip)


def decommission_station(staff: User, station: Station, reason: str, *, ip: str | None = None) -> AuditRecord:
    """Take a commissioned station out of service; it can be commissioned again later."""
    installer = station.installer
    reason = check_staff_action(staff, reason, concerning=installer)
    stations.decommission_station(station)
    return record(staff, AuditAction.DECOMMISSION_STATION, reason, station, person=installer, detail=station.serial,
                  ip=ip)


def transfer_station(staff: User, station: Station, reason: str, email: str, *, ip: str | None = None) -> AuditRecord:
    """Make another installer responsible for a commissioned station (e.g. they took over the site)."""
    to = accounts.find_user(email) if email.strip() else None
    reason = check_staff_action(staff, reason, concerning=to)
    stations.transfer_station(station, to)
    return record(staff, AuditAction.TRANSFER_STATION, reason, station, person=to, detail=station.serial, ip=ip)


def deactivate_account(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    """The person can no longer log in, and every login they have ends now. Reversible."""
    reason = check_staff_action(staff, reason, concerning=person)
    accounts.deactivate_account(person)
    return record(staff, AuditAction.DEACTIVATE_ACCOUNT, reason, person, person=person, ip=ip)


def reactivate_account(staff: User, person: User, reason: str, *, ip: str | None = None) -> AuditRecord:
    reason = check_staff_action(staff, reason, concerning=person)
    accounts.reactivate_account(person)
    return record(staff, AuditAction.REACTIVATE_ACCOUNT, reason, person, person=person, ip=ip)
