"""The schema the migrations build matches the models, and the engines are set up as production needs."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from core.database import db
from installer_portal.config import load


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(email)); Alembic warns and skips that one.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(app, tmp_path):
    from tests.conftest import make_app

    sqlite_app = make_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}", tmp_path)
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_connections_are_checked_and_the_pool_is_sized(tmp_path):
    config = load(tmp_path, {"DATABASE_URL": "postgresql://portal@db/portal", "SECRET_KEY": "k" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db/portal"
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["pool_size"] + options["max_overflow"] <= 5


def test_without_database_url_the_app_uses_a_sqlite_file_in_instance(tmp_path):
    config = load(tmp_path, {"SECRET_KEY": "k" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_without_secret_key_one_is_generated_once_into_instance(tmp_path):
    first = load(tmp_path, {})["SECRET_KEY"]
    assert load(tmp_path, {})["SECRET_KEY"] == first
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
