"""What every request must be before a view reads it: text without control characters, ids that fit a column.

PostgreSQL refuses NUL in text (SQLite stores it), and an id of 2**31 or more is an error there, not a miss:
both reach the database from paths, query strings and forms unless they are stopped here, at the edge.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter, Map

from .numbers import DB_INT_MAX

#: C0 controls and DEL, except tab, line feed and carriage return (which a text area may hold).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ControlCharacters(BadRequest):
    """A query string or a form field holds characters that are not text (NUL and other control characters)."""


class ControlCharactersInPath(NotFound):
    """A path holds characters that are not text: no page has such an address."""


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a whole number that fits an INTEGER column; anything larger is a 404."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = 0,
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_control_characters() -> None:
    """Stop a request whose path, query string or form holds control characters, before any view or query.

    A path with them names no page (404); a query or form with them is refused with its own page (400).
    Uploaded files are not text here: each reader checks its own (the station CSV import does).
    """
    if _CONTROL.search(request.path):
        raise ControlCharactersInPath()
    for data in (request.args, request.form):
        for name, value in data.items(multi=True):
            if _CONTROL.search(name) or _CONTROL.search(value):
                raise ControlCharacters()


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def init_app(app: Flask) -> None:
    """Bound every `<int:…>` route argument (call before any route is added) and check every request first."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
