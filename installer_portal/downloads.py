"""Files the portal hands out (certificates, reports, labels) as downloads."""

from __future__ import annotations

from flask import Response


def attachment(body: bytes, mimetype: str, filename: str) -> Response:
    """A download saved under `filename`, reduced to ASCII letters, digits, '-', '_' and '.' so that no
    serial number or certificate number can break the header or name a path."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in filename)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{safe}"'})
