"""`flask users …`: staff accounts."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from core.database import db
from core.errors import Refusal

from ..accounts.models import Role
from ..accounts.services import create_staff
from ..markets import Region

users = AppGroup("users", help="Manage accounts.")


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
    except Refusal as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")
