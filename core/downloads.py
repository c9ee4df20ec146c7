"""Files handed out as downloads (certificates, reports, labels)."""

from __future__ import annotations

from flask import Response


def attachment(body: bytes, mimetype: str, filename: str) -> Response:
    """A download saved under `filename`, reduced to ASCII letters, digits, '-', '_' and '.' so that no
    serial number or certificate number can break the header or name a path."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in filename)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{safe}"'})


def cache_forever(response: Response) -> Response:
    """For content-addressed or never-changing bytes (lesson media, photos by id): browsers keep them a year
    without asking again. Private, so shared caches never keep what one person may see."""
    response.cache_control.private = True
    response.cache_control.max_age = 31536000
    response.cache_control.immutable = True
    return response
