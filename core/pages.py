"""Keyset pagination: a list that can grow is read a page at a time, newest first, from where the last page ended.

OFFSET reads and throws away every row before the page, so page 500 of the station list costs 500 pages; a keyset
page starts where an index range scan on (time, id) left off and costs the same on every page. The cursor is a
row's time and id, carried in the "Next" and "Newer" links' query strings, so the links work without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask import request, url_for
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from .database import db

T = TypeVar("T")

#: Rows on one page of a console list.
PAGE_SIZE = 50
#: A cursor is an ISO timestamp, a tilde and an id; anything longer is not one.
_CURSOR_LENGTH = 60


@dataclass
class Page(Generic[T]):
    """One page of a list, newest first, with the cursors of the pages around it (None at either end)."""

    rows: list[T]
    #: The cursor of the next (older) page.
    older: str | None = None
    #: The cursor of the previous (newer) page.
    newer: str | None = None


def parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) a cursor names, or None for a missing or malformed one (which means: the first page)."""
    if not cursor or len(cursor) > _CURSOR_LENGTH:
        return None
    at, _, key = cursor.rpartition("~")
    try:
        moment = datetime.fromisoformat(at)
        number = int(key)
    except ValueError:
        return None
    if not 0 < number < 2**31:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), number


def keyset_page(query: Select[Any], at: InstrumentedAttribute[Any], key: InstrumentedAttribute[Any], *,
                after: str | None = None, before: str | None = None, size: int = PAGE_SIZE) -> Page[Any]:
    """The page of `query` older than the row `after` names, or newer than the row `before` names, newest first
    by (`at`, `key`); the first page without either, or when the cursor is malformed or names no page.

    One statement, one index range scan when an index on the query's filter columns then (`at`, `key`) exists.
    """
    def cursor_of(row: object) -> str:
        return f"{getattr(row, at.key).isoformat()}~{getattr(row, key.key)}"

    def read(condition: Any, ascending: bool) -> list[Any]:
        order = (at.asc(), key.asc()) if ascending else (at.desc(), key.desc())
        chosen = query if condition is None else query.where(condition)
        return list(db.session.scalars(chosen.order_by(*order).limit(size + 1)))

    older_than, newer_than = parse_cursor(after), parse_cursor(before)
    if newer_than is not None:
        rows = read(tuple_(at, key) > tuple_(*newer_than), ascending=True)
        if rows:
            more = len(rows) > size
            rows = rows[:size][::-1]
            return Page(rows, older=cursor_of(rows[-1]), newer=cursor_of(rows[0]) if more else None)
    elif older_than is not None:
        rows = read(tuple_(at, key) < tuple_(*older_than), ascending=False)
        if rows:
            return Page(rows[:size], older=cursor_of(rows[size - 1]) if len(rows) > size else None,
                        newer=cursor_of(rows[0]))
    rows = read(None, ascending=False)
    return Page(rows[:size], older=cursor_of(rows[size - 1]) if len(rows) > size else None)


def page_url(prefix: str, direction: str, cursor: str, anchor: str | None = None) -> str:
    """This page's address with the filters kept and the cursor of one list (`prefix`) moved: `direction` is
    "after" (older) or "before" (newer). The other lists' cursors on the page stay as they are; `anchor` (the
    list's element id) brings a page with several lists back to the one paged."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    args.pop(f"{prefix}after", None)
    args.pop(f"{prefix}before", None)
    args[f"{prefix}{direction}"] = cursor
    return url_for(str(request.endpoint), _anchor=anchor, **args)
