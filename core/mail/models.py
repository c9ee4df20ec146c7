"""The mail outbox: every email is a row first, written with the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, enum_type, utcnow
from ..enums import LabelledEnum
from ..i18n import _l


class MailStatus(LabelledEnum):
    """Where a message is on its way out.

    - ``pending``: waiting to be sent (first try, or a retry after `next_attempt_at`).
    - ``sending``: claimed by a sender; reclaimed if that sender dies.
    - ``sent``: the mail server accepted it; the body has been erased.
    - ``failed``: the server refused it for good, or every retry failed; staff see why.
    """

    # Translators: status of an outgoing email: not sent yet (first try or waiting for a retry).
    PENDING = "pending", _l("Waiting")
    # Translators: status of an outgoing email: being handed to the mail server now.
    SENDING = "sending", _l("Sending")
    # Translators: status of an outgoing email: the mail server accepted it.
    SENT = "sent", _l("Sent")
    # Translators: status of an outgoing email: refused for good, or every retry failed.
    FAILED = "failed", _l("Failed")


class OutboxMessage(Model):
    """One email, rendered in the recipient's language when it was queued.

    PII: recipient address. The body may hold a one-time link, so it is erased once sent.
    """

    __tablename__ = "mail_outbox"
    # The sender's queue; the console's lists by status, newest first (keyset pages).
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),
                      Index("ix_mail_outbox_status_created_at", "status", "created_at", "id"),
                      Index("ix_mail_outbox_status_sent_at", "status", "sent_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RFC 5322 Message-ID; the same message is never queued twice under two ids.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    #: The template name, e.g. ``confirm_email``: what kind of mail this is.
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: One PDF attached (e.g. a report); erased with the body once sent.
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[MailStatus] = mapped_column(enum_type(MailStatus, name="status", length=16),
                                               default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a sender claimed it; a claim older than the timeout is taken over.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: The last SMTP reply or connection error, for staff.
    last_error: Mapped[str | None] = mapped_column(Text)
