"""What the rest of the application may use of the learning platform (Open edX's api.py rule).

Learners are the application's users, passed in as objects with `id`, `display_name`, `region`
and `locale` (see `Learner`); the platform stores only their ids. Besides this module, the
application listens to `lms.signals`, and imports `lms.models` in one place only: where Alembic
collects the schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Row, select

from core.database import db, utcnow

from .certificates import certificate_by_number, revoke_certificate, send_expiry_reminders
from .cli import lms_cli as cli
from .errors import LearningError
from .models import Certificate, CertificateStatus, Course, Enrollment, QuizAttempt
from .views import init_app

__all__ = [
    "Certificate", "CertificateStatus", "Course", "Learner", "LearningError", "certificate_by_number",
    "certificates_of", "cli", "course_title", "enrollments_of", "init_app", "quiz_attempts_of",
    "revoke_certificate", "send_expiry_reminders", "valid_certificate",
]


class Learner(Protocol):
    id: int
    region: str
    locale: str

    @property
    def display_name(self) -> str: ...


def certificates_of(user_id: int) -> list[Certificate]:
    """Every certificate the learner was issued, newest first."""
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def valid_certificate(user_id: int, now: datetime | None = None) -> Certificate | None:
    """The learner's valid certificate that lasts longest, or None (not certified, expired or revoked)."""
    now = now or utcnow()
    valid = [c for c in certificates_of(user_id) if c.status(now) == CertificateStatus.VALID]
    return max(valid, key=lambda c: c.expires_at or datetime.max.replace(tzinfo=now.tzinfo), default=None)


def course_title(course: Course, language: str) -> str:
    """The course's title in `language`, or in its first language."""
    return str(course.title.get(language) or course.title[course.languages[0]])


def enrollments_of(user_id: int) -> list[Row[Enrollment, Course]]:
    """The courses the learner started, with where they are."""
    return list(db.session.execute(select(Enrollment, Course).join(Course, Enrollment.course_id == Course.id)
                                   .where(Enrollment.user_id == user_id).order_by(Enrollment.started_at)).all())


def quiz_attempts_of(user_id: int) -> list[Row[QuizAttempt, Course]]:
    """Every quiz attempt of the learner, in any course."""
    return list(db.session.execute(select(QuizAttempt, Course).join(Course, QuizAttempt.course_id == Course.id)
                                   .where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.started_at)).all())
