"""Certificates: issue, revoke, verify, render the PDF once, and remind before expiry."""

from __future__ import annotations

import secrets
from calendar import monthrange
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core.database import changed_rows, db
from core.i18n import LANGUAGES, _, force_timezone
from core.jobs import after_commit, job
from core.pdf import data_uri, render_pdf
from core.qr import qr_png
from core.urls import external_url

from . import signals
from .errors import INVALID, LearningError
from .models import Certificate, CertificatePdf, CertificateRevocation, CertificateStatus, Course, QuizAttempt

#: Reminder mails go out this many days before expiry, each once.
REMINDER_DAYS = (60, 14)
#: No 0/O, 1/I/L or U: easy to read aloud and to type from paper. 12 characters hold 60 bits.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_NUMBER_LENGTH = 12


def new_certificate_number() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _i in range(_NUMBER_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _NUMBER_LENGTH, 4))


def normalize_number(number: str) -> str:
    """Accept a number typed in lower case, without dashes or with spaces."""
    raw = "".join(ch for ch in number.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def issue_certificate(user_id: int, holder_name: str, region: str, course: Course, attempt: QuizAttempt, *,
                      previous: Certificate | None, now: datetime) -> Certificate:
    """Issue the certificate for a passing attempt and announce it.

    A renewal before expiry continues from the old expiry date, so renewing early loses nothing.
    One certificate per attempt (unique attempt_id), whatever the number of submits.
    """
    start = now
    if previous is not None and previous.status(now) == CertificateStatus.VALID and previous.expires_at is not None:
        start = max(now, previous.expires_at)
    certificate = Certificate(
        number=new_certificate_number(), user_id=user_id, course_id=course.id, attempt_id=attempt.id,
        holder_name=holder_name.strip(), region=region, issued_at=now,
        expires_at=add_months(start, course.validity_months) if course.validity_months else None)
    db.session.add(certificate)
    db.session.flush()
    after_commit(render_certificate_pdfs, certificate.id)
    signals.certificate_issued.send(certificate, previous=previous)
    return certificate


def certificate_by_number(number: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.number == normalize_number(number)))


def revoke_certificate(certificate: Certificate, *, revoked_by_id: int | None, reason: str) -> CertificateRevocation:
    """Withdraw a certificate, recording who and why. The verification page shows it as revoked at once.

    :raises LearningError: no reason given, or already revoked.
    """
    reason = reason.strip()
    if not reason:
        raise LearningError(_("Give a reason for revoking the certificate."), code=INVALID)
    if certificate.revocation is not None:
        raise LearningError(_("This certificate has already been revoked."))
    try:
        with db.session.begin_nested():
            revocation = CertificateRevocation(certificate_id=certificate.id, revoked_by_id=revoked_by_id,
                                               reason=reason)
            db.session.add(revocation)
    except IntegrityError:
        raise LearningError(_("This certificate has already been revoked.")) from None
    db.session.refresh(certificate)
    signals.certificate_revoked.send(certificate, revocation=revocation)
    return revocation


def send_expiry_reminders(now: datetime) -> int:
    """Announce certificates that expire within 60 and 14 days, once each; returns how many were announced.

    Only a learner's latest certificate for a course is reminded about: an earlier one that a renewal
    replaced is not. Each reminder is claimed with a conditional UPDATE, so two runs never send it twice.
    """
    sent = 0
    newer = aliased(Certificate)
    for days in sorted(REMINDER_DAYS):  # 14 first: a certificate inside both windows gets only the nearer one
        column = getattr(Certificate, f"reminded_{days}_at")
        due = db.session.scalars(
            select(Certificate)
            .outerjoin(newer, and_(newer.user_id == Certificate.user_id, newer.course_id == Certificate.course_id,
                                   newer.issued_at > Certificate.issued_at))
            .where(newer.id.is_(None), ~Certificate.revocation.has(),
                   Certificate.expires_at > now, Certificate.expires_at <= now + timedelta(days=days),
                   column.is_(None))).all()
        for certificate in due:
            values = {f"reminded_{d}_at": now for d in REMINDER_DAYS if d >= days}
            claimed = changed_rows(
                update(Certificate).where(Certificate.id == certificate.id, column.is_(None)).values(**values)
                .execution_options(synchronize_session=False))
            if claimed:
                db.session.refresh(certificate)
                signals.certificate_expiring.send(certificate, days_left=days)
                sent += 1
    return sent


def render_certificate_pdf(certificate: Certificate, locale: str) -> bytes:
    """Render the certificate with WeasyPrint in `locale` (slow: downloads serve the stored copy)."""
    course = certificate.course
    language = locale if locale in course.languages else course.languages[0]
    verify_url = external_url("verify.certificate", number=certificate.number)
    qr = data_uri(qr_png(verify_url, box_size=8, border=2), "image/png")
    # The dates as the holder reads them, also when a job renders it: their formats, their day.
    formats, zone = current_app.extensions["lms"]["holder_formats"](certificate.user_id, locale)
    with force_locale(formats), force_timezone(zone):
        html = render_template("pdf/certificate.html", certificate=certificate, locale=locale,
                               course_title=course.title[language], course_language=language,
                               verify_url=verify_url, qr=qr,
                               page_size=current_app.extensions["lms"]["paper_size"](certificate.region))
    return render_pdf(html)


def stored_certificate_pdf(certificate_id: int, locale: str) -> bytes | None:
    return db.session.scalar(select(CertificatePdf.data).where(
        CertificatePdf.certificate_id == certificate_id, CertificatePdf.locale == locale))


def store_certificate_pdf(certificate_id: int, locale: str, data: bytes) -> None:
    """Keep a rendered PDF; one rendered at the same moment elsewhere wins (both are the same certificate)."""
    try:
        with db.session.begin_nested():
            db.session.add(CertificatePdf(certificate_id=certificate_id, locale=locale, data=data))
    except IntegrityError:
        pass


@job
def render_certificate_pdfs(certificate_id: int) -> None:
    """After a certificate is issued: render it in every language, so that its downloads only read."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        return
    for locale in LANGUAGES:
        if stored_certificate_pdf(certificate_id, locale) is None:
            data = render_certificate_pdf(certificate, locale)
            store_certificate_pdf(certificate_id, locale, data)
            db.session.commit()
