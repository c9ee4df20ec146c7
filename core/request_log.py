"""The development server's request lines in a file, so that the terminal keeps what a person must read there:
the mail links, reloads and errors."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

#: How werkzeug's development server begins a request line: `127.0.0.1 - - [02/Dec/2026 05:00:00] "GET / …`.
_REQUEST_LINE = re.compile(r'^\S+ - - \[[^\]]*\] "')
#: werkzeug colours the lines for a terminal; a file gets them plain.
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class _RequestLines(logging.Filter):
    """Passes werkzeug's request lines (`wanted=True`) or everything else (`wanted=False`)."""

    def __init__(self, wanted: bool) -> None:
        super().__init__()
        self.wanted = wanted

    def filter(self, record: logging.LogRecord) -> bool:
        return bool(_REQUEST_LINE.match(record.getMessage())) == self.wanted


class _Plain(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _COLOUR.sub("", super().format(record))


def to_file(path: str, logger: logging.Logger | None = None) -> None:
    """Append the request lines of werkzeug's logger (or `logger`) to `path`; its other lines (start-up, reloads,
    errors) stay on standard error. Once per logger: a second call (another app in the process) changes nothing."""
    logger = logger or logging.getLogger("werkzeug")
    if any(isinstance(each, _RequestLines) for handler in logger.handlers for each in handler.filters):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(path, encoding="utf-8")
    file.addFilter(_RequestLines(wanted=True))
    file.setFormatter(_Plain())
    terminal = logging.StreamHandler(sys.stderr)
    terminal.addFilter(_RequestLines(wanted=False))
    logger.addHandler(file)
    logger.addHandler(terminal)
    logger.setLevel(logging.INFO)
    logger.propagate = False
