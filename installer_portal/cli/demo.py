"""`flask demo seed`: demo accounts and stations for a development machine (never in production); `flask demo
prepare`: everything `make run` needs before serving, in one process."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.database import db
from lms.api import cli as lms_cli

from ..accounts.models import Role
from ..accounts.services import create_confirmed_user, create_staff, find_user, update_profile
from ..markets import Region
from ..stations.registry import import_stations

demo = AppGroup("demo", help="Demo data for a development machine.")

#: The demo accounts `flask demo seed` creates; the README states these credentials.
DEMO_SUPPORT = ("support@example.com", "demo support desk password")
DEMO_LEARNER = ("learner@example.com", "demo learner account password")
DEMO_STATIONS = Path(__file__).resolve().parent.parent / "stations" / "demo_stations.csv"
#: The courses `make run` imports.
COURSES = Path(__file__).resolve().parents[2] / "courses"


@demo.command("seed")
def seed_command() -> None:
    """Create the demo support and learner accounts (not in production). Safe to run again."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    if find_user(DEMO_SUPPORT[0]) is None:
        create_staff(DEMO_SUPPORT[0], DEMO_SUPPORT[1], Role.SUPPORT)
    if find_user(DEMO_LEARNER[0]) is None:
        learner = create_confirmed_user(DEMO_LEARNER[0], DEMO_LEARNER[1], Region.EUROPE)
        update_profile(learner, first_name="Kari", last_name="Nordmann", phone="+47 406 12 345", country="NO",
                       locale="en", company_name=None)
    stations_report = import_stations(DEMO_STATIONS.read_text())
    db.session.commit()
    click.echo(f"Demo support account: {DEMO_SUPPORT[0]} / {DEMO_SUPPORT[1]}")
    click.echo(f"Demo stations: {stations_report.imported} imported, {stations_report.unchanged} already registered")
    click.echo(f"Demo learner account: {DEMO_LEARNER[0]} / {DEMO_LEARNER[1]}")


@demo.command("prepare")
@click.pass_context
def prepare_command(context: click.Context) -> None:
    """Migrate the database, import the courses in courses/ and seed the demo data (not in production).

    What `make run` does before serving, in one process: each `flask` command spends seconds loading the app,
    and the work itself is a fraction of a second when nothing changed. Safe to run again.
    """
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    from flask_migrate import upgrade  # Alembic only for this command: not when every command starts

    upgrade()
    context.invoke(lms_cli.commands["import"], path=COURSES)
    context.invoke(seed_command)
