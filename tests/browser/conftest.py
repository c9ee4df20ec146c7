"""Browser fixtures: the app served on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
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
def playwright():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install chromium).")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def translated(app, text: str, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(text)


#: Measures every page a journey opens (see the script): width, where the content starts, tap targets,
#: codes and table words broken over lines, and `hidden` elements that still show.
LAYOUT_PROBE = (Path(__file__).with_name("layout_probe.js")).read_text()


@pytest.fixture
def phone_context(browser):
    """Opens 360 by 740 px touch-screen contexts in a language; every page they load is measured.

    The test fails at the end with the list of what a person on a phone would notice, page by page,
    so a new page in a journey is checked without anyone remembering to.
    """
    reports: list[dict] = []
    pages: list[Page] = []

    def open_phone(language: str, *, on: Browser | None = None, **options) -> BrowserContext:
        context = (on or browser).new_context(viewport={"width": 360, "height": 740}, locale=language, is_mobile=True,
                                      has_touch=True, extra_http_headers={"Accept-Language": language}, **options)
        context.add_init_script(LAYOUT_PROBE)
        context.expose_binding("reportLayout", lambda source, report: reports.append(report))
        context.on("page", lambda page: pages.append(page))
        return context

    yield open_phone
    for page in pages:  # lets the last page's report arrive
        if not page.is_closed():
            page.evaluate("1")
    assert reports, "no page was measured"
    problems = [f"{report['page']}: {problem}" for report in reports for problem in report["problems"]]
    assert not problems, "\n".join(dict.fromkeys(problems))
