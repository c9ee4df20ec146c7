"""The learning platform, wired in: who may learn, on what paper certificates print, and the reminder mails."""

from __future__ import annotations

from flask import Flask, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.i18n import _
from core.mail.services import queue_mail
from core.urls import external_url
from lms import api as lms
from lms import signals

from ..accounts.models import User
from ..extensions import login_manager
from ..markets import Region, locale_for


def learner_access() -> ResponseReturnValue | None:
    """Training is for people who are logged in, confirmed their email and completed their profile."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_confirmed:
        return redirect(url_for("account.confirm_pending"))
    if not current_user.profile_complete:
        flash(_("Complete your profile before you start a course."), "info")
        return redirect(url_for("account.profile"))
    return None


def paper_size(region: str) -> str:
    """Certificates print on the paper of the region they were issued in."""
    return Region(region).paper_size


def holder_formats(user_id: int, language: str) -> tuple[str, str]:
    """A certificate's dates in its holder's region's formats and in their zone (their day, near midnight)."""
    user = db.session.get(User, user_id)
    if user is None:
        return language, "UTC"
    return locale_for(language, user.region), user.zone


def remind_expiry(certificate: lms.Certificate, days_left: int) -> None:
    """Queue the reminder mail in the same transaction that marked the reminder as sent."""
    user = db.session.get(User, certificate.user_id)
    if user is None:
        return
    course = certificate.course
    queue_mail(user.email, "certificate_expiring", user.format_locale, user_id=user.id, zone=user.zone,
               name=user.display_name, days_left=days_left, certificate=certificate,
               course_title=lms.course_title(course, user.locale),
               course_url=external_url("learn.course", slug=course.slug))


def init_app(app: Flask) -> None:
    lms.init_app(app, access_check=learner_access, paper_size=paper_size, holder_formats=holder_formats)
    app.cli.add_command(lms.cli)


def connect() -> None:
    """Listen to the learning platform's signals (called once by the app factory; connecting twice is harmless)."""
    signals.certificate_expiring.connect(remind_expiry)
