"""`flask mail send`: deliver the outbox once, or forever."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from core.database import db, utcnow
from core.mail.services import deliver_pending

mail = AppGroup("mail", help="Deliver the mail outbox.")


@mail.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due mail every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
def send_command(loop: bool, interval: float) -> None:
    """Send due mail once (or forever with --loop). Safe to run on several hosts at once."""
    while True:
        report = deliver_pending()
        if report.sent or report.retrying or report.failed:
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S} sent {report.sent}, retrying {report.retrying}, "
                       f"failed {report.failed}")
            for error in report.errors:
                click.echo(f"  {error}", err=True)
        if not loop:
            return
        db.session.remove()
        time.sleep(interval)
