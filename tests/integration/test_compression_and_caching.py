"""Light pages: compressed responses, and static files under content-hashed names cached for a year."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import brotli
from flask import url_for

from tests.commissioning import SERIAL, register_stations
from tests.helpers import log_in, make_user

STATIC_URL = re.compile(r'(?:href|src|data-vendor-src)="(/static/[^"]+)"')
HASHED = re.compile(r"^/static/(?P<stem>.+)\.[0-9a-f]{10}(?P<suffix>\.\w+)$")
YEAR = "max-age=31536000"


def static_file(app, path: str) -> bytes:
    return (Path(app.static_folder) / path).read_bytes()


def test_a_page_is_compressed_when_the_browser_accepts_it_and_tiny_or_compressed_media_are_not(app, client):
    page = client.get("/sign-up", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    html = gzip.decompress(page.get_data()).decode()
    assert "<html" in html
    assert 'name="csrf_token"' in html
    assert len(page.get_data()) < len(html) / 2

    with_brotli = client.get("/sign-up", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert with_brotli.headers["Content-Encoding"] == "br"
    assert "<html" in brotli.decompress(with_brotli.get_data()).decode()
    assert "Content-Encoding" not in client.get("/sign-up").headers  # a client that asks for none gets none

    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers  # tiny
    register_stations(app)
    log_in(client, make_user(app, support=True))
    label = client.get(f"/support/stations/{SERIAL}/label.png", headers={"Accept-Encoding": "gzip, br"})
    assert label.mimetype == "image/png"  # compressed already: sent as it is
    assert "Content-Encoding" not in label.headers


def test_a_part_of_a_static_file_is_sent_as_stored(app, client):
    with app.test_request_context():
        url = url_for("static", filename="css/portal.css")
    part = client.get(url, headers={"Accept-Encoding": "gzip, br", "Range": "bytes=0-4999"})
    assert part.status_code == 206
    assert "Content-Encoding" not in part.headers
    assert part.get_data() == static_file(app, "css/portal.css")[:5000]


def test_static_urls_in_pages_are_hashed_and_kept_by_browsers_for_a_year(app, client):
    html = client.get("/sign-up").get_data(as_text=True)
    urls = STATIC_URL.findall(html)
    assert any("/css/" in url for url in urls)
    assert any("/js/" in url for url in urls)
    for url in urls:
        named = HASHED.match(url)
        assert named, url
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert {"public", YEAR, "immutable"} <= {part.strip() for part in cache.split(",")}, (url, cache)
        body = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == static_file(app, named["stem"] + named["suffix"])


def test_the_plain_name_and_an_old_hashed_name_still_get_the_file_but_are_asked_for_again(app, client):
    stylesheet = static_file(app, "css/portal.css")
    for url in ("/static/css/portal.css", "/static/css/portal.0123456789.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data() == stylesheet
        assert "immutable" not in response.headers["Cache-Control"]
        assert "no-cache" in response.headers["Cache-Control"]
    assert client.get("/static/css/missing.0123456789.css").status_code == 404


def test_a_changed_file_gets_a_new_url_and_its_old_url_no_longer_claims_to_be_forever(app, client, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    stylesheet = tmp_path / "css" / "site.css"
    stylesheet.parent.mkdir()
    stylesheet.write_text("body { color: black; }")
    with app.test_request_context():
        first = url_for("static", filename="css/site.css")
    stylesheet.write_text("body { color: darkblue; }")
    os.utime(stylesheet, ns=(stylesheet.stat().st_atime_ns, stylesheet.stat().st_mtime_ns + 10**9))
    with app.test_request_context():
        second = url_for("static", filename="css/site.css")

    assert first != second
    assert HASHED.match(first)
    assert HASHED.match(second)
    fresh = client.get(second)
    assert fresh.get_data() == b"body { color: darkblue; }"
    assert "immutable" in fresh.headers["Cache-Control"]
    old = client.get(first)
    assert old.get_data() == b"body { color: darkblue; }"
    assert "immutable" not in old.headers["Cache-Control"]
