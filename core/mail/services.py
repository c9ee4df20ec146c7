"""Queue mail in the current transaction, and deliver queued mail over SMTP or into files."""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from babel import Locale
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ColumnElement, Select, and_, case, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from ..database import changed_rows, db, utcnow
from ..i18n import force_timezone
from ..jobs import after_commit, crontab, job, periodic
from ..pages import Page, keyset_page
from .models import MailStatus, OutboxMessage

logger = logging.getLogger(__name__)

#: A sender that claimed a message and did not finish within this time is presumed dead.
CLAIM_TIMEOUT = timedelta(minutes=5)
#: After this many failed tries a message is marked failed (about a day of retries with the backoff below).
MAX_ATTEMPTS = 12
_LINK = re.compile(r"https?://\S+")


def queue_mail(to: str, template: str, locale: str, user_id: int | None = None, zone: str | None = None,
               pdf: tuple[str, bytes] | None = None, **context: Any) -> OutboxMessage:
    """Render `emails/<template>.{txt,html}` in `locale` and add it to the outbox (not committed).

    `locale` may carry the reader's formats (`en_GB`); `zone` is the reader's time zone, which dates in the
    mail are shown in (a job has no request to take one from, and a request may be someone else's).

    The first line of the text template is the subject. `pdf` is an optional (file name, content) to attach.
    When the transaction commits, a worker is asked to deliver it (one delivery run however many mails).
    """
    with force_locale(locale), force_timezone(zone) if zone else contextlib.nullcontext():
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    subject, _, body = text.partition("\n")
    domain = (current_app.config["MAIL_FROM"].rpartition("@")[2].strip(" >") or "localhost")
    message = OutboxMessage(
        message_id=make_msgid(domain=domain), user_id=user_id, to_address=to, template=template,
        locale=Locale.parse(locale).language, subject=subject.strip(), body_text=body.lstrip("\n"), body_html=html,
        status=MailStatus.PENDING, next_attempt_at=utcnow(),
        attachment_name=pdf[0] if pdf else None, attachment=pdf[1] if pdf else None,
    )
    db.session.add(message)
    db.session.flush()
    after_commit(deliver_queued_mail)
    return message


class DeliveryError(Exception):
    """A message could not be handed over; `permanent` when retrying cannot help."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Transport(Protocol):
    """Where delivered mail goes: an SMTP server, or files on a newcomer's machine."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """Hands messages to an SMTP server, one connection per delivery run."""

    def __init__(self, host: str, port: int, username: str = "", password: str = "",
                 starttls: bool = True, timeout: float = 20):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password)
            self._connection = connection
        return self._connection

    def send(self, message: EmailMessage) -> None:
        try:
            self._connect().send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, refusal = next(iter(error.recipients.values()))
            raise DeliveryError(f"{code} {refusal.decode(errors='replace')}", permanent=code >= 500) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            answer = error.smtp_error
            reply = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
            raise DeliveryError(f"{error.smtp_code} {reply}", permanent=500 <= error.smtp_code < 600
                                and error.smtp_code not in (530, 535)) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryError(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.quit()
            self._connection = None


class FileTransport:
    """Writes each message to `<directory>/<id>.eml` and prints its links: mail on a newcomer's machine."""

    def __init__(self, directory: str | Path, echo: Callable[[str], object] = print) -> None:
        self.directory = Path(directory)
        self.echo = echo

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]", "", message["Message-ID"]) + ".eml"
        (self.directory / name).write_bytes(bytes(message))
        plain = message.get_body(("plain",))
        body = plain.get_content() if plain is not None else ""
        links = "".join(f"\n    {link}" for link in _LINK.findall(body))
        # A block of its own, set apart from whatever else the terminal shows (make run keeps requests in a file).
        self.echo(f"\n=== Mail to {message['To']}: {message['Subject']}{links}\n")

    def close(self) -> None:
        pass


def transport_from_config() -> SMTPTransport | FileTransport:
    config = current_app.config
    if not config["SMTP_HOST"]:
        return FileTransport(config["MAIL_OUTBOX_DIR"])
    return SMTPTransport(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USERNAME"],
                         config["SMTP_PASSWORD"], config["SMTP_STARTTLS"], config["SMTP_TIMEOUT"])


def build_email(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text or "")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    if row.attachment_name and row.attachment is not None:
        message.add_attachment(row.attachment, maintype="application", subtype="pdf", filename=row.attachment_name)
    # After the body: set_content() drops Content-* headers set before it.
    message["Content-Language"] = row.locale
    return message


def backoff(attempts: int) -> timedelta:
    """Wait 30 s after the first failure, doubling up to an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _due() -> ColumnElement[bool]:
    now = utcnow()
    return or_(
        and_(OutboxMessage.status == MailStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )


def _claim(message_id: int) -> bool:
    """Take one message for this sender. The conditional UPDATE lets only one sender win it."""
    claimed = changed_rows(
        update(OutboxMessage).where(OutboxMessage.id == message_id, _due())
        .values(status=MailStatus.SENDING, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed == 1


def deliver_pending(transport: Transport | None = None, limit: int = 100) -> DeliveryReport:
    """Send what is due, once each, even with several senders on several hosts at the same time."""
    transport = transport or transport_from_config()
    report = DeliveryReport()
    due = db.session.scalars(select(OutboxMessage.id).where(_due()).order_by(OutboxMessage.id).limit(limit)).all()
    db.session.commit()
    try:
        for message_id in due:
            if not _claim(message_id):
                continue
            row = db.session.get_one(OutboxMessage, message_id)
            try:
                transport.send(build_email(row))
            except DeliveryError as error:
                _record_failure(row, str(error), error.permanent, report)
            else:
                row.status, row.sent_at, row.last_error = MailStatus.SENT, utcnow(), None
                row.attempts += 1
                # The body may carry a one-time link: once delivered, it is not kept at rest.
                row.body_text = row.body_html = row.attachment = None
                report.sent += 1
            db.session.commit()
    finally:
        transport.close()
    return report


@job
def deliver_queued_mail() -> None:
    """Deliver what is due, at once: queued by `queue_mail` when the transaction that added mail commits."""
    _log(deliver_pending())


@periodic(crontab())
def sweep_mail() -> None:
    """Every minute: retries whose backoff has passed, claims left by a crashed sender, and mail whose
    delivery run was never queued (the queue was unreachable when its transaction committed)."""
    _log(deliver_pending())


def _log(report: DeliveryReport) -> None:
    if report.sent or report.retrying or report.failed:
        logger.info("Mail sent %d, retrying %d, failed %d.", report.sent, report.retrying, report.failed)
    for error in report.errors:
        logger.warning("Mail not delivered: %s", error)


def _record_failure(row: OutboxMessage, reason: str, permanent: bool, report: DeliveryReport) -> None:
    row.attempts += 1
    row.last_error = reason[:2000]
    report.errors.append(f"{row.to_address}: {reason}")
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = MailStatus.FAILED
        report.failed += 1
    else:
        row.status = MailStatus.PENDING
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retrying += 1


def outbox_files(directory: str | Path) -> list[Path]:
    """The .eml files the file transport wrote, newest first (for the development outbox page)."""
    path = Path(directory)
    if not path.is_dir():
        return []
    return sorted(path.glob("*.eml"), key=lambda item: item.stat().st_mtime, reverse=True)


def retry_now(message_id: int) -> bool:
    """Put a waiting or failed message first in line for the sender; False if it was already sent.

    A failed message gets one more attempt (or the retries it had left); a worker tries it once this commits.
    """
    retried = changed_rows(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_([MailStatus.PENDING, MailStatus.FAILED]))
        .values(status=MailStatus.PENDING, next_attempt_at=utcnow(),
                attempts=case((OutboxMessage.attempts >= MAX_ATTEMPTS, MAX_ATTEMPTS - 1),
                               else_=OutboxMessage.attempts))
        .execution_options(synchronize_session=False)) == 1
    if retried:
        after_commit(deliver_queued_mail)
    return retried


def outbox_overview(cursors: Mapping[str, str] | None = None) -> dict[str, Page[OutboxMessage]]:
    """A page each of the messages failing (failed, or retrying after an error), waiting and sent, newest first,
    for staff. `cursors` are the lists' cursors (``failing_after``, ``sent_before``, …; see core.pages); each
    list is a range scan of an index on (status, time, id)."""
    given = cursors or {}

    def page(name: str, query: Select[Any], at: InstrumentedAttribute[Any]) -> Page[OutboxMessage]:
        return keyset_page(query, at, OutboxMessage.id, after=given.get(f"{name}_after"),
                           before=given.get(f"{name}_before"))

    messages = select(OutboxMessage)
    return {
        "failing": page("failing", messages.where(
            (OutboxMessage.status == MailStatus.FAILED)
            | ((OutboxMessage.status == MailStatus.PENDING) & (OutboxMessage.attempts > 0))),
            OutboxMessage.created_at),
        "waiting": page("waiting", messages.where(
            OutboxMessage.status.in_([MailStatus.PENDING, MailStatus.SENDING]), OutboxMessage.attempts == 0),
            OutboxMessage.created_at),
        "sent": page("sent", messages.where(OutboxMessage.status == MailStatus.SENT), OutboxMessage.sent_at),
    }
