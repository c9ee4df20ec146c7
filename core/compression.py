"""Compressed responses: Flask-Compress, except for range requests."""

from __future__ import annotations

from flask import Response, request
from flask_compress import Compress


class Compression(Compress):
    """Flask-Compress (brotli or gzip, as the browser accepts) for every response but a part of a file: a 206's
    Content-Range counts the bytes of the file as stored, so the part goes as stored."""

    def after_request(self, response: Response | None) -> Response:
        if response is not None and (response.status_code == 206 or "Range" in request.headers):
            return response
        return super().after_request(response)
