"""`flask lms import` and `flask lms remind`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from core.database import db

from .importer import CourseImportError, import_courses
from .jobs import remind_expiring_certificates

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
    """Queue the certificate expiry reminders that are due (job workers do it daily; safe to run any time)."""
    count = remind_expiring_certificates()
    click.echo(f"{count} reminder(s) queued.")
