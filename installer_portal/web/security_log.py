"""The security log: one JSON line per authentication and authorization event (OWASP ASVS V7).

Who (user id), from where (client IP, behind PROXY_HOPS trusted proxies), what and on which path, never a
password, a token or a typed address. JSON encoding escapes CR, LF and every other control character, so a
crafted path cannot forge a line; mailed links' tokens are cut from paths as in the access log.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from flask import Flask, request

from core.database import utcnow

from .access_log import redacted

logger = logging.getLogger("installer_portal.security")


def security_event(event: str, *, user_id: int | None = None, **details: Any) -> None:
    """Write one event of the current request."""
    line = {"at": utcnow().isoformat(timespec="milliseconds"), "event": event, "user_id": user_id,
            "ip": request.remote_addr, "method": request.method, "path": redacted(request.path)[:300], **details}
    logger.info(json.dumps(line, ensure_ascii=True, default=str))


def init_app(app: Flask) -> None:
    """Send the security log to standard error (gunicorn's error log, a service's journal) unless the host
    configured a handler for it already."""
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
