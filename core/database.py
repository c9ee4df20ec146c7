"""The declarative base, the shared `db` object, column types and the SQLite connection settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import current_app, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ColumnElement, DateTime, Enum, Index, MetaData, Table, event, select
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, registry
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

#: Constraint names are deterministic so that migrations can refer to them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC; every timestamp column defaults to it."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always returned timezone-aware in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(members: type[StrEnum], *, name: str, length: int) -> Enum:
    """A text column that holds one of `members`' values and reads back as the member, not a `str`.

    The database refuses any other value through a CHECK constraint named ``ck_<table>_<name>``, so a
    new member needs a migration that replaces the constraint (as Indico's ``PyIntEnum`` does).
    """
    return Enum(members, name=name, native_enum=False, create_constraint=True, length=length,
                validate_strings=True, values_callable=lambda enum: [member.value for member in enum])


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime})


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    #: Every model's base. For the type checker it is `Base`; at run time Flask-SQLAlchemy's `db.Model`
    #: (`Base` with Flask-SQLAlchemy's mixins), which it builds dynamically and mypy cannot see.
    Model = Base
else:
    Model = db.Model

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
V = TypeVar("V", bound=Callable[..., Any])
M = TypeVar("M", bound=Base)


def _writes() -> bool:
    """Whether the current unit of work will write: then SQLite takes the write lock up front.

    A request with a safe method reads only, unless its view is marked with `writes_on_get`.
    Everything outside a request (CLI, mail sender) is treated as a writer.
    """
    if not has_request_context():
        return True
    if request.environ.get("core.writing") or request.method not in _SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))


def writes_on_get(view: V) -> V:
    """Mark a GET view that changes data (a link followed from an email)."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def begin_writing() -> None:
    """End a GET view's read transaction; the next one takes SQLite's write lock at BEGIN.

    For pages that read a lot and then record a little (the course player): the reading does not
    hold the database's single write lock, so several workers serve such pages at once.
    """
    db.session.commit()
    request.environ["core.writing"] = True  # per request (g lives as long as the app context)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin); pysqlite's own transaction
    # handling breaks SAVEPOINT and defers the write lock until the first write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes can fail at once with SQLITE_BUSY in
    # WAL mode; writers therefore take the lock at BEGIN and wait for it via busy_timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes() else "BEGIN")


def changed_rows(statement: Executable, params: dict[str, Any] | None = None) -> int:
    """Run a conditional UPDATE or DELETE and return how many rows it changed: the number that decides which
    of two concurrent requests won (1: this one; 0: someone else got there first)."""
    return cast(CursorResult[Any], db.session.execute(statement, params)).rowcount


def get_or_create(model: type[M], lookup: dict[str, Any], **defaults: Any) -> tuple[M, bool]:
    """Insert-or-return-existing: a concurrent insert of the same row loses on the unique constraint."""
    row = db.session.scalar(select(model).filter_by(**lookup))
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = model(**lookup, **defaults)
            db.session.add(row)
    except IntegrityError:
        return db.session.scalars(select(model).filter_by(**lookup)).one(), False
    return row, True


def trigram_index(model: type[Model], name: str,
                  expression: ColumnElement[Any] | InstrumentedAttribute[Any]) -> Index:
    """A trigram index (PostgreSQL's pg_trgm extension) of `model`'s table that answers `LIKE '%fragment%'` on
    `expression`; the query must use the very same expression. SQLite has no such index and scans its (small)
    tables. The table is named because SQLAlchemy does not find it inside an expression built with `op("||")`."""
    return Index(name, expression.label(name), postgresql_using="gin", postgresql_ops={name: "gin_trgm_ops"},
                 _table=cast(Table, model.__table__)).ddl_if(dialect="postgresql")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching values that contain `text` literally,
    so that % and _ typed by staff are searched for, not used as wildcards."""
    literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"
