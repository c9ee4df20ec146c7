"""Browser fixtures: the app served on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Flags that keep Chromium from calling home (this machine has no network but loopback).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    yield url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def translated(app, text: str, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(text)


def fits_phone(page: Page) -> None:
    """Nothing sticks out sideways at 360 px, and the page is in the language we expect.

    Measured once the page has loaded: the text can be there before the stylesheet is, and without it a
    photo takes the width its attributes give (seen on a loaded machine: 1648 px).
    """
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def tap_targets_are_large(page: Page) -> None:
    for element in page.locator("main button, main input[type=submit], main .button").all():
        box = element.bounding_box()
        assert box is not None
        assert box["height"] >= 44, element.inner_text()


