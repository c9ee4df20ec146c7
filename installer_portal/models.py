"""Every model, imported in one place so that Alembic and create_app() see the whole schema.

The one place the product imports `lms.models` rather than `lms.api`: the schema is one schema.
"""

from core.mail.models import OutboxMessage
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
from .commissioning.models import Commissioning, CommissioningPhoto, CommissioningReport
from .invitations.models import InstallerAccount, Invitation
from .staff.models import AuditRecord
from .stations.models import Station

__all__ = [
    "AuditRecord", "Certificate", "CertificatePdf", "CertificateRevocation", "Commissioning", "CommissioningPhoto",
    "CommissioningReport", "Course", "CourseModule", "Enrollment", "InstallerAccount", "Invitation", "Lesson",
    "LessonProgress", "LoginSession", "Media", "OneTimeToken", "OutboxMessage", "Question", "QuizAttempt",
    "RoleGrant", "Station", "User",
]
