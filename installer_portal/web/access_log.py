"""Access logs without the secrets some URLs carry.

A mailed link (confirm an address, reset a password, accept an invitation) carries its one-time token in the
path of the first request; the app moves it into the session at once, but the request line is what access logs
record, and a reset token read from a log still worked (the reliability audit, S1). Pages that post the token
(the link's fragment read by script) would keep it out of every log but would not work without JavaScript, which
every page here does. So the token stays in the link, and the logs the app controls drop it: gunicorn's access
log through `AccessLogger` (configured in gunicorn.conf.py) and the app's own error log through `redacted`. A
proxy in front must log without paths, or with them cut the same way (README, "Running in production").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from gunicorn.glogging import Logger

#: The paths whose last segment is a one-time token: the mailed links' routes (a test checks that every route
#: with a `token` argument is covered).
SECRET_PATH = re.compile(r"(/(?:confirm|reset|invitation)/)[^/\s?#\"]+")
REDACTED = r"\1[redacted]"


def redacted(text: str) -> str:
    """`text` with the token of every mailed link's path replaced by "[redacted]"."""
    return SECRET_PATH.sub(REDACTED, text)


class AccessLogger(Logger):
    """gunicorn's logger, with every atom of an access-log line (request line, path, referrer, headers,
    environment) passed through `redacted`."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta) -> dict[str, Any]:
        return {name: redacted(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}
