"""Every model, imported in one place so that Alembic and create_app() see the whole schema."""

from lms.models import (
    Certificate,
    CertificatePdf,
    CertificateRevocation,
    Course,
    CourseModule,
    Enrollment,
    Lesson,
    LessonProgress,
    Media,
    Question,
    QuizAttempt,
)

from .accounts.models import LoginSession, OneTimeToken, RoleGrant, User
from .audit.models import AuditRecord
from .commissioning.models import Station
from .invitations.models import InstallerAccount, Invitation
from .mail.models import OutboxMessage

__all__ = [
    "AuditRecord", "Certificate", "CertificatePdf", "CertificateRevocation", "Course", "CourseModule", "Enrollment",
    "InstallerAccount", "Invitation", "Lesson", "LessonProgress", "LoginSession", "Media", "OneTimeToken",
    "OutboxMessage", "Question", "QuizAttempt", "RoleGrant", "Station", "User",
]
