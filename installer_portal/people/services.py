"""Search for people and build the timeline support staff read to see where someone is stuck."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_date
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms import api as lms

from ..accounts.models import User
from ..database import contains_pattern, db, utcnow
from ..i18n import _l
from ..invitations.models import InstallerAccount, Invitation
from ..mail.models import MailStatus

SEARCH_LIMIT = 50


def search_people(query: str) -> list[User]:
    """People whose email, name or phone number contains the query (case-insensitive), newest first."""
    query = query.strip()[:100]
    if len(query) < 2:
        return []
    pattern = contains_pattern(query)
    full_name = func.coalesce(User.first_name, "") + " " + func.coalesce(User.last_name, "")
    conditions = [func.lower(column).like(pattern, escape="\\")
                  for column in (User.email, User.first_name, User.last_name, full_name)]
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 4:
        conditions.append(User.phone.like(f"%{digits}%"))
    return list(db.session.scalars(select(User).where(or_(*conditions))
                                   .order_by(User.created_at.desc()).limit(SEARCH_LIMIT)))


@dataclass
class Event:
    """One line of a person's timeline: when, what (translated), and details."""

    at: datetime
    what: object
    details: list[str] = field(default_factory=list)
    #: "ok", "waiting" or "problem": how the console colours the line.
    tone: str = "ok"


def timeline(user: User) -> list[Event]:
    """Everything that happened to this person, oldest first."""
    now = utcnow()
    events = [Event(user.created_at, _l("Signed up"), [user.email])]
    if user.email_confirmed_at:
        events.append(Event(user.email_confirmed_at, _l("Email address confirmed")))
    if user.profile_completed_at:
        events.append(Event(user.profile_completed_at, _l("Profile completed")))
    for enrollment, course in lms.enrollments_of(user.id):
        title = lms.course_title(course, user.locale)
        events.append(Event(enrollment.started_at, _l("Started a course"), [title]))
        if enrollment.completed_at:
            events.append(Event(enrollment.completed_at, _l("Completed a course"), [title]))
    for attempt, course in lms.quiz_attempts_of(user.id):
        if attempt.submitted_at:
            events.append(Event(attempt.submitted_at, _l("Quiz passed") if attempt.passed else _l("Quiz not passed"),
                                [lms.course_title(course, user.locale), f"{attempt.score}%"],
                                "ok" if attempt.passed else "problem"))
    for certificate in lms.certificates_of(user.id):
        status = certificate.status(now)
        details = [certificate.number, status.label]
        if certificate.expires_at:
            details.append(_l("valid until %(expires)s", expires=format_date(certificate.expires_at, "long")))
        events.append(Event(certificate.issued_at, _l("Certificate issued"), details,
                            "ok" if status == "valid" else "problem"))
    invitations = db.session.scalars(select(Invitation).options(selectinload(Invitation.message))
                                     .where(Invitation.user_id == user.id))
    for invitation in invitations:
        status = invitation.status(now)
        details = [status.label]
        message = invitation.message
        if message is not None:
            details.append(MailStatus(message.status).label)
            if message.status == MailStatus.FAILED and message.last_error:
                details.append(message.last_error)
        tone = {"used": "ok", "pending": "waiting"}.get(status.value, "problem")
        if message is not None and message.status == MailStatus.FAILED:
            tone = "problem"
        events.append(Event(invitation.created_at, _l("Invitation sent"), details, tone))
    account = db.session.scalar(select(InstallerAccount).where(InstallerAccount.user_id == user.id))
    if account:
        events.append(Event(account.created_at, _l("Installer account set up"), [account.business_name]))
    return sorted(events, key=lambda event: event.at)
