"""The learning platform's periodic work, run by the job workers (core.jobs)."""

from __future__ import annotations

from core.database import db, utcnow
from core.jobs import crontab, periodic

from .certificates import send_expiry_reminders


@periodic(crontab(minute="0", hour="6"))
def remind_expiring_certificates() -> int:
    """Daily at 06:00 UTC: queue the certificate expiry reminders that are due; returns how many.

    A day without a run (no worker at 06:00) is caught up by the next one: a reminder is due from the day
    its window opens, and each is claimed once, however many hosts or runs ask.
    """
    count = send_expiry_reminders(utcnow())
    db.session.commit()
    return count
