"""Page weight over the journey's pages: HTML and asset bytes on a first view, asset round trips on a repeat view.

Builds a scratch SQLite instance (migrations, the real courses, `flask demo seed`), serves the app with
werkzeug on loopback and walks, through real HTTP with cookies and CSRF tokens, in English: the start page,
sign-up, the confirmation link from the outbox, the profile, the course, every lesson and the quiz (as the
new learner), an installer (from the test factories) who finds a station and walks the wizard to the done page,
and the support console as the demo support account. The client accepts what Chromium accepts over https
(`gzip, deflate, br`).

For each page it prints: the HTML's size decoded ("raw") and as sent ("sent"), the bytes sent for the page and
its assets on a first view with an empty cache (stylesheets, scripts, icons, images; a lesson's video and the
QR decoder the camera loads on demand are not counted), and how many asset requests a repeat view still makes:
every asset whose response lacks a fresh `max-age` (a `no-cache` asset is revalidated, one round trip each).
Target: every page <= 15 KB sent on a first view (HTML and assets), <= 1 asset round trip on a repeat view.

Run: .venv/bin/python bench/page_weight.py
Another checkout's code (e.g. main before a change): PYTHONPATH=/path/to/checkout .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import http.cookiejar
import io
import logging
import re
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import brotli
import isolation  # noqa: F401  (first: the project on the path, development settings)

ACCEPT_ENCODING = "gzip, deflate, br"
TARGET_BYTES = 15_000
TARGET_ROUND_TRIPS = 1
PASSWORD = "violet kettle marches north"
SERIAL = "EVP-22-000101"


@dataclass
class Fetched:
    url: str
    status: int
    headers: dict[str, str]
    sent: int
    body: bytes


@dataclass
class PageWeight:
    name: str
    path: str
    raw: int
    sent: int
    assets: dict[str, Fetched] = field(default_factory=dict)

    @property
    def first_view(self) -> int:
        return self.sent + sum(asset.sent for asset in self.assets.values())

    @property
    def repeat_round_trips(self) -> int:
        return sum(1 for asset in self.assets.values() if not fresh(asset.headers.get("Cache-Control", "")))


def fresh(cache_control: str) -> bool:
    """Whether a browser reuses the response without asking the server again."""
    directives = {part.strip().split("=")[0].lower(): part.strip() for part in cache_control.split(",")}
    if "no-cache" in directives or "no-store" in directives:
        return False
    max_age = re.search(r"max-age=(\d+)", cache_control)
    return bool(max_age and int(max_age[1]) > 0)


def decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


class Assets(HTMLParser):
    """The same-origin assets a browser fetches while it renders a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and set(values.get("rel", "").split()) & {"stylesheet", "icon"}:
            self.urls.append(values.get("href", ""))
        elif tag in ("script", "img") and values.get("src"):
            self.urls.append(values["src"])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF tokens and redirects, as a browser with an empty cache handles them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def fetch(self, path: str, data: bytes | None = None, content_type: str | None = None) -> Fetched:
        url = urllib.parse.urljoin(self.base, path)
        for _ in range(10):
            headers = {"Accept-Encoding": ACCEPT_ENCODING, "Accept-Language": "en"}
            if content_type:
                headers["Content-Type"] = content_type
            request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (http on loopback)
            try:
                response = self.opener.open(request)
            except urllib.error.HTTPError as error:
                response = error
            sent = response.read()
            fetched = Fetched(url, response.status, dict(response.headers.items()), len(sent),
                              decode(sent, response.headers.get("Content-Encoding", "")))
            if fetched.status not in (301, 302, 303, 307, 308):
                return fetched
            url, data, content_type = urllib.parse.urljoin(url, fetched.headers["Location"]), None, None
        raise RuntimeError(f"too many redirects from {path}")

    def get(self, path: str) -> Fetched:
        fetched = self.fetch(path)
        if fetched.status != 200 or ("/login" in fetched.url and "/login" not in path):
            raise RuntimeError(f"GET {path}: {fetched.status} {fetched.url}")
        return fetched

    def submit(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None,
               action: str | None = None) -> Fetched:
        """Open the page, then send its form (to `action`, else to the page) with the page's CSRF token."""
        page = self.get(path).body.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
        fields = {**fields, "csrf_token": token[1] or token[2]} if token else fields
        if files:
            body, content_type = multipart(fields, files)
            return self.fetch(action or path, body, content_type)
        return self.fetch(action or path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
              f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n"
              for name, (filename, data) in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Walk:
    """The pages of the journey, each weighed as a first view."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.pages: list[PageWeight] = []
        self.asset_cache: dict[str, Fetched] = {}

    def weigh(self, name: str, page: Fetched, browser: Browser) -> Fetched:
        parser = Assets()
        parser.feed(page.body.decode())
        weight = PageWeight(name, urllib.parse.urlsplit(page.url).path, len(page.body), page.sent)
        for src in parser.urls:
            url = urllib.parse.urljoin(page.url, src)
            if not url.startswith(self.base):
                continue
            if url not in self.asset_cache:
                self.asset_cache[url] = browser.fetch(url)
            weight.assets[url] = self.asset_cache[url]
        self.pages.append(weight)
        return page


def build_app(directory: Path):
    from flask_migrate import upgrade

    from installer_portal.app import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'portal.sqlite3'}",
        "JOBS_SQLITE_PATH": str(directory / "jobs.sqlite3"),
        "MAIL_OUTBOX_DIR": str(directory / "outbox"),
        "RATELIMIT_ENABLED": False,
        "ARGON2_PARAMETERS": {"time_cost": 2, "memory_cost": 19456, "parallelism": 1},
    })
    with app.app_context():
        upgrade()
    cli = app.test_cli_runner()
    for command in (["lms", "import", "courses"], ["demo", "seed"]):
        result = cli.invoke(args=command)
        if result.exit_code:
            raise RuntimeError(f"flask {' '.join(command)}: {result.output}")
    return app


def mailed_link(app, address: str, marker: str) -> str:
    from sqlalchemy import select

    from core.database import db
    from core.mail.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                  .order_by(OutboxMessage.id.desc()))
        for row in rows:
            found = re.search(rf"https?://\S*{marker}\S*", row.body_text or "")
            if found:
                return urllib.parse.urlsplit(found[0]).path
    raise RuntimeError(f"no mail to {address} with {marker}")


def lessons_done(app, email: str, slug: str) -> None:
    """Every required lesson marked done, as the player leaves them (the quiz needs them)."""
    from sqlalchemy import select

    from core.database import db, get_or_create, utcnow
    from installer_portal.accounts.models import User
    from lms.models import Course, Lesson, LessonProgress

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id,
                                                              Lesson.retired_at.is_(None), Lesson.required)):
            get_or_create(LessonProgress, {"user_id": user.id, "lesson_id": lesson.id, "version": lesson.version},
                          first_opened_at=utcnow(), last_opened_at=utcnow(), completed_at=utcnow(),
                          watched=[[0, lesson.duration_seconds]] if lesson.is_video else [])
        db.session.commit()


def new_installer(app) -> tuple[str, str]:
    """A certified installer from the test factories; returns (email, password)."""
    from tests.factories import PASSWORD as FACTORY_PASSWORD
    from tests.factories import InstallerFactory

    with app.app_context():
        return InstallerFactory(email="installer@example.com").email, FACTORY_PASSWORD


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (128, 126, 120)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def journey(app, base: str) -> list[PageWeight]:
    from installer_portal.cli.demo import DEMO_SUPPORT

    pages = Walk(base)

    # A newcomer signs up, confirms the address from the mail, logs in, completes the profile.
    person = Browser(base)
    weigh = lambda name, page: pages.weigh(name, page, person)  # noqa: E731
    weigh("start", person.get("/"))
    weigh("sign-up", person.get("/sign-up"))
    email = "newcomer@example.com"
    weigh("check your email", person.submit("/sign-up", {
        "region": "eu", "email": email, "password": PASSWORD, "confirm_password": PASSWORD, "terms": "y"}))
    weigh("email confirmed", person.get(mailed_link(app, email, "/confirm/")))
    weigh("log in", person.get("/login"))
    person.submit("/login", {"email": email, "password": PASSWORD})
    weigh("profile", person.get("/account/profile"))
    person.submit("/account/profile", {"first_name": "Kari", "last_name": "Nordmann", "phone": "+47 406 12 345",
                                       "country": "NO", "locale": "en", "company_name": ""})
    weigh("account", person.get("/account/"))

    # The course: catalogue, course page, every lesson, the quiz.
    weigh("courses", person.get("/learn/"))
    slug = "ac-installation-eu"
    weigh("course", person.get(f"/learn/{slug}/"))
    lessons_done(app, email, slug)  # every lesson open, as for a learner who went through them
    outline = person.get(f"/learn/{slug}/").body.decode()
    for key in dict.fromkeys(re.findall(rf'href="/learn/{slug}/lessons/([\w-]+)"', outline)):
        weigh(f"lesson {key}", person.get(f"/learn/{slug}/lessons/{key}"))
    weigh("quiz", person.get(f"/learn/{slug}/quiz"))
    weigh("quiz attempt", person.submit(f"/learn/{slug}/quiz", {}, action=f"/learn/{slug}/quiz/start"))

    # An installer finds a station and commissions it.
    installer = Browser(base)
    weigh = lambda name, page: pages.weigh(name, page, installer)  # noqa: E731
    email, password = new_installer(app)
    installer.submit("/login", {"email": email, "password": password})
    weigh("installer home", installer.get("/installer/"))
    weigh("find a station", installer.get("/installer/stations/find"))
    weigh("station", installer.get(f"/s/{SERIAL}"))
    step = weigh("wizard: location", installer.submit(f"/s/{SERIAL}", {}))
    draft = step.url.rsplit("/", 1)[0]
    weigh("wizard: installation", installer.submit(f"{draft}/location", {
        "site_name": "Hansen, driveway", "street": "Storgata 1", "postal_code": "0155", "city": "Oslo",
        "country": "NO", "latitude": "59.913868", "longitude": "10.752245", "accuracy_m": "8", "floor": "",
        "parking_bay": "P3"}))
    from tests.commissioning import INSTALLATION, TESTS  # the answers the integration tests give

    weigh("wizard: tests", installer.submit(f"{draft}/installation", INSTALLATION))
    weigh("wizard: photos", installer.submit(f"{draft}/tests", TESTS))
    installer.submit(f"{draft}/photos", {"kind": "station", "add": "1"}, {"photo": ("photo.jpg", jpeg())})
    weigh("wizard: photos (one added)", installer.get(f"{draft}/photos"))
    weigh("wizard: review", installer.get(f"{draft}/review"))
    weigh("commissioned (report)", installer.submit(f"{draft}/review", {}))
    weigh("my stations", installer.get("/installer/stations/"))

    # The support console.
    staff = Browser(base)
    weigh = lambda name, page: pages.weigh(name, page, staff)  # noqa: E731
    staff.submit("/login", {"email": DEMO_SUPPORT[0], "password": DEMO_SUPPORT[1]})
    weigh("support: search", staff.get("/support/"))
    found = weigh("support: results", staff.get("/support/?q=example.com")).body.decode()
    person_path = re.search(r'href="(/support/people/\d+)"', found)[1]
    weigh("support: person", staff.get(person_path))
    weigh("support: stations", staff.get("/support/stations"))
    weigh("support: station", staff.get(f"/support/stations/{SERIAL}/"))
    weigh("support: audit", staff.get("/support/audit"))
    weigh("support: outbox", staff.get("/support/outbox"))
    weigh("support: import stations", staff.get("/support/stations/import"))
    return pages.pages


def main() -> int:
    from werkzeug.serving import make_server

    logging.disable(logging.WARNING)  # the request log, alembic's steps, the security log

    import installer_portal

    with tempfile.TemporaryDirectory() as scratch:
        app = build_app(Path(scratch))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = base
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            pages = journey(app, base)
        finally:
            server.shutdown()
            thread.join(timeout=5)

    print(f"Code under test: {Path(installer_portal.__file__).resolve().parents[1]}")
    print(f"Accept-Encoding: {ACCEPT_ENCODING}. Bytes are body bytes; 'first view' = HTML sent + assets sent.")
    print(f"{'page':<34}{'HTML raw':>9}{'HTML sent':>10}{'assets':>7}{'first view':>11}{'repeat RTs':>11}")
    for page in pages:
        over = " *" if page.first_view > TARGET_BYTES or page.repeat_round_trips > TARGET_ROUND_TRIPS else ""
        print(f"{page.name[:33]:<34}{page.raw:>9,}{page.sent:>10,}{len(page.assets):>7}{page.first_view:>11,}"
              f"{page.repeat_round_trips:>11}{over}")
    heaviest = max(pages, key=lambda page: page.first_view)
    missed = [page for page in pages
              if page.first_view > TARGET_BYTES or page.repeat_round_trips > TARGET_ROUND_TRIPS]
    print(f"\n{len(pages)} pages; HTML sent: median {sorted(p.sent for p in pages)[len(pages) // 2]:,} B, "
          f"largest {max(p.sent for p in pages):,} B; heaviest first view: {heaviest.name} "
          f"({heaviest.first_view:,} B); repeat-view round trips per page: at most "
          f"{max(p.repeat_round_trips for p in pages)}")
    print(f"Target (<= {TARGET_BYTES:,} B first view, <= {TARGET_ROUND_TRIPS} asset round trip on a repeat view): "
          + ("met on every page" if not missed else f"missed on {len(missed)} page(s) (marked *)"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
