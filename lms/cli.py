"""`flask lms import` and `flask lms remind`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from core.database import db, utcnow

from .certificates import send_expiry_reminders
from .importer import CourseImportError, import_courses

lms_cli = AppGroup("lms", help="Courses and certificates.")


@lms_cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import the course folders under PATH (or PATH itself). Nothing is imported if any has a problem."""
    try:
        results = import_courses(path)
    except CourseImportError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s) found; nothing was imported.") from error
    db.session.commit()
    for result in results:
        click.echo(f"{result.slug}: {'imported' if result.changed else 'unchanged'}")


@lms_cli.command("remind")
def remind_command() -> None:
    """Send the certificate expiry reminders that are due (run daily; safe to run more often)."""
    count = send_expiry_reminders(utcnow())
    db.session.commit()
    click.echo(f"{count} reminder(s) queued.")
