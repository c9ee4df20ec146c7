"""The console's read model of people: search, and a person's page (timeline, stations, what staff may do)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_babel import format_date
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.database import contains_pattern, db, utcnow
from core.i18n import _l
from core.mail.models import MailStatus
from core.pages import Page, keyset_page
from lms import api as lms

from ..accounts.models import Role, User, full_name_of
from ..accounts.services import find_user
from ..commissioning.models import Commissioning
from ..invitations.models import InstallerAccount, Invitation, InvitationStatus
from ..invitations.services import installer_account_of
from ..stations.models import Station
from .audit import audit_records
from .models import AuditAction, AuditRecord

SEARCH_LIMIT = 50
#: The shortest name or email fragment searched for: a trigram index cannot narrow down a shorter one.
FRAGMENT_LENGTH = 3
#: The fewest digits searched for in phone numbers.
PHONE_DIGITS = 4


def search_people(query: str) -> list[User]:
    """The person with exactly this email address; failing that, people whose email, name or phone number
    contains the query (case-insensitive), newest first.

    The exact lookup runs alone, on the unique index of `lower(email)`. Each fragment condition matches a
    trigram index's expression exactly (PostgreSQL), so the `OR` is a bitmap of index scans, not a table scan.
    """
    query = query.strip()[:100]
    if "@" in query:
        exact = find_user(query)
        if exact is not None:
            return [exact]
    conditions = []
    if len(query) >= FRAGMENT_LENGTH:
        pattern = contains_pattern(query)
        conditions = [func.lower(User.email).like(pattern, escape="\\"),
                      func.lower(full_name_of(User)).like(pattern, escape="\\")]
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= PHONE_DIGITS:
        conditions.append(User.phone.like(f"%{digits}%"))
    if not conditions:
        return []
    return list(db.session.scalars(select(User).where(or_(*conditions))
                                   .order_by(User.created_at.desc(), User.id.desc()).limit(SEARCH_LIMIT)))


class Tone(StrEnum):
    """How the console colours a line of the timeline: done, waiting for the person, or something wrong."""

    OK = "ok"
    WAITING = "waiting"
    PROBLEM = "problem"


@dataclass
class Event:
    """One line of a person's timeline: when, what (translated), and details."""

    at: datetime
    what: object
    details: list[str] = field(default_factory=list)
    tone: Tone = Tone.OK


def timeline(user: User, certificates: list[lms.Certificate], account: InstallerAccount | None,
             now: datetime) -> list[Event]:
    """Everything that happened to this person, oldest first."""
    events = [Event(user.created_at, _l("Signed up"), [user.email])]
    if user.email_confirmed_at:
        events.append(Event(user.email_confirmed_at, _l("Email address confirmed")))
    if user.profile_completed_at:
        events.append(Event(user.profile_completed_at, _l("Profile completed")))
    if user.deactivated_at:
        events.append(Event(user.deactivated_at, _l("Account deactivated"), tone=Tone.PROBLEM))
    for enrollment, course in lms.enrollments_of(user.id):
        title = lms.course_title(course, user.locale)
        events.append(Event(enrollment.started_at, _l("Started a course"), [title]))
        if enrollment.completed_at:
            events.append(Event(enrollment.completed_at, _l("Completed a course"), [title]))
    for attempt, course in lms.quiz_attempts_of(user.id):
        if attempt.submitted_at:
            events.append(Event(attempt.submitted_at, _l("Quiz passed") if attempt.passed else _l("Quiz not passed"),
                                [lms.course_title(course, user.locale), f"{attempt.score}%"],
                                Tone.OK if attempt.passed else Tone.PROBLEM))
    for certificate in certificates:
        certificate_status = certificate.status(now)
        details = [certificate.number, certificate_status.label]
        if certificate.expires_at:
            details.append(_l("valid until %(expires)s", expires=format_date(certificate.expires_at, "long")))
        events.append(Event(certificate.issued_at, _l("Certificate issued"), details,
                            Tone.OK if certificate_status == lms.CertificateStatus.VALID else Tone.PROBLEM))
    invitations = db.session.scalars(select(Invitation).options(selectinload(Invitation.message))
                                     .where(Invitation.user_id == user.id))
    for invitation in invitations:
        status = invitation.status(now)
        details = [status.label]
        message = invitation.message
        if message is not None:
            details.append(message.status.label)
            if message.status == MailStatus.FAILED and message.last_error:
                details.append(message.last_error)
        tone = {InvitationStatus.USED: Tone.OK, InvitationStatus.PENDING: Tone.WAITING}.get(status, Tone.PROBLEM)
        if message is not None and message.status == MailStatus.FAILED:
            tone = Tone.PROBLEM
        events.append(Event(invitation.created_at, _l("Invitation sent"), details, tone))
    if account:
        events.append(Event(account.created_at, _l("Installer account set up"), [account.business_name]))
    return sorted(events, key=lambda event: event.at)


@dataclass
class OfferedAction:
    """A staff action a console page offers."""

    action: AuditAction
    #: What the button says.
    label: str
    #: Makes the form's element ids unique on the page (several certificates may be revocable).
    key: str
    #: Fields the form sends along with the reason, e.g. the certificate's number.
    hidden: dict[str, str] = field(default_factory=dict)


#: Staff actions listed on a person's page.
RECENT_RECORDS = 20


@dataclass
class PersonOverview:
    """Everything the person page shows, decided here rather than in the template."""

    person: User
    events: list[Event]
    certificates: list[lms.Certificate]
    installer_account: InstallerAccount | None
    #: A page of the stations they are responsible for, newest commissioned first (a fleet installer has thousands).
    stations: Page[Station]
    #: A page of the commissionings they started, newest first.
    commissionings: Page[Commissioning]
    #: The newest staff actions concerning them; the audit log has the rest.
    records: list[AuditRecord]
    actions: list[OfferedAction]
    #: Why no action is offered (the staff member's own account), or None.
    no_actions_because: str | None


def person_overview(person: User, staff: User, cursors: Mapping[str, str] | None = None) -> PersonOverview:
    """The person page: timeline, stations, commissionings, recent staff actions, and which actions apply.

    `cursors` are the page's list cursors (``stations_after``, ``commissionings_before``, …; see core.pages).

    Actions that depend on something support cannot see at a glance (an invitation waiting, a valid
    certificate) are offered anyway; the action itself refuses and says why.
    """
    now = utcnow()
    given = cursors or {}
    certificates = lms.certificates_of(person.id)
    account = installer_account_of(person)
    actions: list[OfferedAction] = []
    blocked = None
    if person.id == staff.id:
        blocked = str(_l("You cannot act on your own account. Ask a colleague."))
    else:
        offered = [] if person.is_confirmed else [
            (AuditAction.RESEND_CONFIRMATION, _l("Send the confirmation email again"))]
        offered += [(AuditAction.REISSUE_INVITATION, _l("Reissue the invitation")),
                    (AuditAction.REVOKE_INVITATION, _l("Revoke the invitation"))]
        if person.has_role(Role.INSTALLER):
            offered.append((AuditAction.REVOKE_INSTALLER, _l("Revoke the installer role")))
        elif account is not None:
            offered.append((AuditAction.RESTORE_INSTALLER, _l("Restore the installer role")))
        if person.is_deactivated:
            offered.append((AuditAction.REACTIVATE_ACCOUNT, _l("Reactivate the account")))
        else:
            offered.append((AuditAction.DEACTIVATE_ACCOUNT, _l("Deactivate the account")))
        actions = [OfferedAction(action, str(label), action.value) for action, label in offered]
        actions += [OfferedAction(AuditAction.REVOKE_CERTIFICATE,
                                  str(_l("Revoke certificate %(number)s", number=certificate.number)),
                                  f"certificate-{certificate.id}", {"number": certificate.number})
                    for certificate in certificates if certificate.status(now) == lms.CertificateStatus.VALID]
    return PersonOverview(person=person, events=timeline(person, certificates, account, now),
                          certificates=certificates, installer_account=account,
                          stations=keyset_page(select(Station).where(Station.installer_id == person.id),
                                               Station.commissioned_at, Station.id,
                                               after=given.get("stations_after"), before=given.get("stations_before")),
                          commissionings=keyset_page(
                              select(Commissioning).options(selectinload(Commissioning.station))
                              .where(Commissioning.installer_id == person.id),
                              Commissioning.started_at, Commissioning.id, after=given.get("commissionings_after"),
                              before=given.get("commissionings_before")),
                          records=audit_records(person_id=person.id, size=RECENT_RECORDS).rows, actions=actions,
                          no_actions_because=blocked)
