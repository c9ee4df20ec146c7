"""`flask mail send`: deliver the due part of the outbox now (the job workers do it all the time)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.database import utcnow
from core.mail.services import deliver_pending

mail = AppGroup("mail", help="Deliver the mail outbox.")


@mail.command("send")
def send_command() -> None:
    """Send due mail once, e.g. after fixing the SMTP settings. Safe to run next to the job workers."""
    report = deliver_pending()
    if report.sent or report.retrying or report.failed:
        click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S} sent {report.sent}, retrying {report.retrying}, "
                   f"failed {report.failed}")
        for error in report.errors:
            click.echo(f"  {error}", err=True)
