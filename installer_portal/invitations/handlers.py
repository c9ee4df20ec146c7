"""What invitations do when the learning platform announces something, connected by the app factory."""

from __future__ import annotations

from core.database import db
from core.mail.services import queue_mail
from lms import api as lms
from lms.signals import certificate_issued

from ..accounts.models import Role, User
from .services import issue_invitation


def on_certificate_issued(certificate: lms.Certificate, previous: lms.Certificate | None) -> None:
    """A new certificate: an invitation, or for someone who already is an installer, a "renewed" mail.

    Runs inside the transaction that issued the certificate, so the invitation and its mail commit with it.
    """
    user = db.session.get(User, certificate.user_id)
    if user is None:
        return
    if user.has_role(Role.INSTALLER):
        course = certificate.course
        queue_mail(user.email, "certificate_renewed", user.format_locale, user_id=user.id, zone=user.zone,
                   name=user.display_name, certificate=certificate, course_title=lms.course_title(course, user.locale))
    else:
        issue_invitation(user, certificate.id)


def connect() -> None:
    """Listen to the learning platform's signals (called once by the app factory; connecting twice is harmless)."""
    certificate_issued.connect(on_certificate_issued)
