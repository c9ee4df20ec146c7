"""Static files under content-hashed names, which browsers keep for a year without asking again.

`url_for('static', filename='css/portal.css')` gives `/static/css/portal.<digest>.css`, the digest being the
start of the file's SHA-256. The digest is computed once per process and file content: a file is read again
only when its size or modification time changes, so an edited stylesheet gets a new name at once on a
developer's machine, and nothing needs building before a release. That name is served with
`Cache-Control: public, max-age=31536000, immutable`. The plain name, or a name whose digest is not the file's
(a page rendered before a release, or a host still on the previous one), still gets the file, with `no-cache`:
the browser asks again each time, so it never keeps stale content under a name for long.

Stylesheets must not name other static files in `url()` (the names would not be hashed): they use none.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory
from werkzeug.security import safe_join

#: A year, the longest lifetime caches honour.
YEAR = 365 * 24 * 3600
#: Hex digits of the digest in a name: 40 bits tell apart every version a file will ever have.
DIGEST_LENGTH = 10
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[^./]+)?$")


class Digests:
    """The digest of each static file, remembered with the size and time it was read at. Two threads may both
    read a file the first time; they reach the same digest."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def of(self, folder: str, filename: str) -> str | None:
        """The digest of `folder/filename`, or None when that is not a file in the folder."""
        path = safe_join(folder, filename)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        version = (info.st_size, info.st_mtime_ns)
        known = self._known.get(path)
        if known and known[0] == version:
            return known[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:DIGEST_LENGTH]
        self._known[path] = (version, digest)
        return digest


def hashed_name(filename: str, digest: str) -> str:
    """`css/portal.css` -> `css/portal.<digest>.css` (`LICENSE` -> `LICENSE.<digest>`)."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or "/" in suffix:
        return f"{filename}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def init_app(app: Flask) -> None:
    """Hash the names `url_for('static', …)` builds and serve both hashed and plain names."""
    digests = Digests()

    @app.url_defaults
    def hash_static_names(endpoint: str, values: dict) -> None:
        filename = values.get("filename")
        if endpoint == "static" and filename and app.static_folder:
            digest = digests.of(app.static_folder, filename)
            if digest:
                values["filename"] = hashed_name(filename, digest)

    def static(filename: str) -> Response:
        folder = current_app.static_folder or ""
        named = _HASHED.match(filename)
        if named:
            plain = named["stem"] + (named["suffix"] or "")
            digest = digests.of(folder, plain)
            if digest == named["digest"]:
                response = send_from_directory(folder, plain, max_age=YEAR)
                response.cache_control.immutable = True
                return response
            if digest is not None:
                return send_from_directory(folder, plain)
        return send_from_directory(folder, filename)

    app.view_functions["static"] = static
