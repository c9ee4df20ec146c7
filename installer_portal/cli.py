"""Operator commands: `flask users …`, `flask mail …`, `flask demo …`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.cli import lms_cli

from .accounts.models import Role, User
from .accounts.passwords import hash_password
from .accounts.regions import Region
from .accounts.services import AccountError, create_staff, find_user, update_profile
from .commissioning.finding import FindError, station_in_photo
from .commissioning.photos import PhotoError
from .commissioning.registry import import_stations
from .database import db, utcnow
from .mail.services import deliver_pending

users = AppGroup("users", help="Manage accounts.")
mail = AppGroup("mail", help="Deliver the mail outbox.")
demo = AppGroup("demo", help="Demo data for a development machine.")
stations = AppGroup("stations", help="The station registry.")

#: The demo accounts `flask demo seed` creates; the README states these credentials.
DEMO_SUPPORT = ("support@example.com", "demo support desk password")
DEMO_LEARNER = ("learner@example.com", "demo learner account password")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@users.command("create-staff")
@click.argument("email")
@click.option("--role", type=click.Choice([Role.SUPPORT.value, Role.ADMIN.value]), default=Role.SUPPORT.value,
              show_default=True)
@click.option("--region", type=click.Choice([region.value for region in Region]), default=Region.EUROPE.value,
              show_default=True)
def create_staff_command(email: str, role: str, region: str) -> None:
    """Create a staff account. The password is asked for, or read from standard input."""
    password = _read_password()
    try:
        user = create_staff(email, password, Role(role), Region(region))
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")


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


@demo.command("seed")
def seed_command() -> None:
    """Create the demo support and learner accounts (not in production). Safe to run again."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    if find_user(DEMO_SUPPORT[0]) is None:
        create_staff(DEMO_SUPPORT[0], DEMO_SUPPORT[1], Role.SUPPORT)
    if find_user(DEMO_LEARNER[0]) is None:
        learner = User(email=DEMO_LEARNER[0], password_hash=hash_password(DEMO_LEARNER[1]), region=Region.EUROPE,
                       locale="en", email_confirmed_at=utcnow())
        db.session.add(learner)
        update_profile(learner, first_name="Kari", last_name="Nordmann", phone="+47 406 12 345", country="NO",
                       locale="en", company_name=None)
    stations_report = import_stations((Path(__file__).parent / "commissioning" / "demo_stations.csv").read_text())
    db.session.commit()
    click.echo(f"Demo support account: {DEMO_SUPPORT[0]} / {DEMO_SUPPORT[1]}")
    click.echo(f"Demo stations: {stations_report.imported} imported, {stations_report.unchanged} already registered")
    click.echo(f"Demo learner account: {DEMO_LEARNER[0]} / {DEMO_LEARNER[1]}")


@stations.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_stations_command(path: Path) -> None:
    """Import stations from a CSV file (serial,mac,model,rated_power_kw,connectors,manufactured_on).

    Valid rows are imported; each bad row is reported; the exit status is 1 if any row was refused.
    """
    report = import_stations(path.read_text("utf-8", errors="replace"))
    if report.missing_columns:
        raise click.ClickException(f"{path}: the header lacks {', '.join(report.missing_columns)}; nothing imported.")
    db.session.commit()
    for problem in report.problems:
        click.echo(f"{path}:{problem.line}: {problem.reason}", err=True)
    click.echo(f"{report.imported} imported, {report.unchanged} already registered, {len(report.problems)} refused.")
    if report.problems:
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(mail)
    app.cli.add_command(demo)
    app.cli.add_command(lms_cli)
    app.cli.add_command(stations)


@stations.command("decode-qr")
@click.argument("photos", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def decode_qr_command(photos: tuple[Path, ...]) -> None:
    """Which station each photo's QR code leads to: one line per photo; exit status 1 if any did not resolve."""
    failed = 0
    for path in photos:
        try:
            station = station_in_photo(path.read_bytes())
        except (OSError, PhotoError, FindError) as error:
            failed += 1
            reason = error.message if isinstance(error, PhotoError | FindError) else (error.strerror or str(error))
            click.echo(f"{path}: {reason}")
        else:
            click.echo(f"{path}: {station.serial} {station.mac}")
    if failed:
        sys.exit(1)
