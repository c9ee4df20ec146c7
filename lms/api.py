"""What the rest of the application may use of the learning platform (Open edX's api.py rule).

Learners are the application's users, passed in as objects with `id`, `display_name`, `region`
and `locale` (see `Learner`); the platform stores only their ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Row, select

from installer_portal.database import db, utcnow

from .certificates import certificate_by_number, certificate_pdf, revoke_certificate, send_expiry_reminders
from .errors import LearningError
from .importer import CourseImportError, import_courses
from .models import Certificate, CertificateStatus, Course, Enrollment, QuizAttempt

__all__ = [
    "Certificate", "CertificateStatus", "Course", "CourseImportError", "Learner", "LearningError",
    "certificate_by_number", "certificate_pdf", "certificates_of", "course_title", "enrollments_of",
    "import_courses", "quiz_attempts_of", "revoke_certificate", "send_expiry_reminders", "valid_certificate",
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
    return course.title.get(language) or course.title[course.languages[0]]


def enrollments_of(user_id: int) -> list[Row[tuple[Enrollment, Course]]]:
    """The courses the learner started, with where they are."""
    return list(db.session.execute(select(Enrollment, Course).join(Course, Enrollment.course_id == Course.id)
                                   .where(Enrollment.user_id == user_id).order_by(Enrollment.started_at)).all())


def quiz_attempts_of(user_id: int) -> list[Row[tuple[QuizAttempt, Course]]]:
    """Every quiz attempt of the learner, in any course."""
    return list(db.session.execute(select(QuizAttempt, Course).join(Course, QuizAttempt.course_id == Course.id)
                                   .where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.started_at)).all())
