"""How the portal uses the learning platform: who may learn, and the mails its events cause."""

from __future__ import annotations

from flask import Flask, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from lms import signals
from lms.models import Certificate
from lms.views import init_app as init_lms

from ..accounts.models import User
from ..database import db
from ..extensions import login_manager
from ..i18n import _
from ..mail.services import queue_mail
from ..urls import external_url


def learner_access():
    """Training is for people who are logged in, confirmed their email and completed their profile."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_confirmed:
        return redirect(url_for("account.confirm_pending"))
    if not current_user.profile_complete:
        flash(_("Complete your profile before you start a course."), "info")
        return redirect(url_for("account.profile"))
    return None


def remind_expiry(certificate: Certificate, days_left: int) -> None:
    """Queue the reminder mail in the same transaction that marked the reminder as sent."""
    user = db.session.scalar(select(User).where(User.id == certificate.user_id))
    if user is None:
        return
    course = certificate.course
    language = user.locale if user.locale in course.languages else course.languages[0]
    queue_mail(user.email, "certificate_expiring", user.locale, user_id=user.id, name=user.display_name,
               days_left=days_left, certificate=certificate, course_title=course.title[language],
               course_url=external_url("learn.course", slug=course.slug))


def init_app(app: Flask) -> None:
    init_lms(app, access_check=learner_access)


signals.certificate_expiring.connect(remind_expiry)
