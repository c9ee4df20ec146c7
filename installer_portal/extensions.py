"""Extension objects, created unbound here and bound to the app in create_app()."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.compression import Compression
from core.database import db

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compression()
limiter = Limiter(key_func=get_remote_address)


def configured_limit(name: str) -> Callable[[], str]:
    """A rate limit read from the config when a request is checked, so tests and deployments can set it."""
    return lambda: current_app.config[name]


class _Migrations:
    """Flask-Migrate, bound to the app when it is first used (`flask db …`, or `flask_migrate.upgrade()`).

    Importing Flask-Migrate imports Alembic and, through it, every SQL dialect: about 0.3 s that each `flask` command
    and each web worker paid at start-up, though only migrations use it (issue 13). This stands in for Flask-Migrate's
    entry in `app.extensions` until then, and the `db` command group loads the real one when it is listed or run.
    """

    def __init__(self, app: Flask, directory: Path) -> None:
        self.app = app
        self.directory = directory

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        Migrate(self.app, db, directory=str(self.directory), render_as_batch=True)  # replaces this entry
        return getattr(self.app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's command group, imported when `flask db …` runs, not when the app starts."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations.")

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


def init_migrations(app: Flask, directory: Path) -> None:
    """What `Migrate(app, db, directory=…)` does, without importing Alembic until a migration runs."""
    app.extensions["migrate"] = _Migrations(app, directory)
    app.cli.add_command(_MigrationCommands())


__all__ = ["babel", "compress", "csrf", "db", "init_migrations", "limiter", "login_manager"]
