"""The load table of issue 13: the app's hot pages under gunicorn, against a bare Flask app on the same stack.

Builds a PostgreSQL database (dropped and recreated: the app's migrations, the North American course, and from
the test factories a support staff member, a certified installer, a commissioned station and a learner), then
serves two apps with gunicorn, 4 sync workers each, on loopback:
- "bare": Flask + Flask-SQLAlchemy + psycopg on the same database, one `SELECT … WHERE id = …` per request;
- the real app (installer_portal.app.create_app, as wsgi.py makes it).
wrk (Debian package `wrk`) loads one page at a time with 50 connections for DURATION seconds, in ROUNDS interleaved
rounds (bare, then each page, then bare again …), signed in where the page needs it (the session cookie of a real
POST /login). Pages: home signed out, home signed in (the learner), certificate verification, support search
(staff), station page /s/<serial> (the installer), a lesson in the player (the learner).
For each page it prints: requests/s as a share of the bare app's in the same round, p95 and its ratio to the bare
app's p95 in the same round (medians over the rounds), CPU per request (user + system time of the gunicorn
workers over the round, divided by its requests) and SQL statements per request (counted in this process on
one request of the page through the test client).
Target (issue 13): station page and lesson >= 40 % of bare and p95 <= 2x bare; every signed-in page >= 30 %.

Run: .venv/bin/python bench/load.py [duration_seconds] [rounds]   (database: $LOAD_DATABASE_URL or DEFAULT_URL)
Another checkout's code (e.g. after a merge): PYTHONPATH=/path/to/checkout .venv/bin/python bench/load.py
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from isolation import ROOT

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_load"
COURSE = "level2-nec-na"
PASSWORD = "correct horse battery staple"  # tests/factories.py
WORKERS = 4
CONNECTIONS = 50
#: wrk's summary: requests, duration (µs), p95 latency (µs), non-2xx/3xx responses and socket errors.
REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
                         latency:percentile(95), summary.errors.status, errors))
end
"""


def bare_app():
    """Flask, Flask-SQLAlchemy's session, psycopg and the app's engine options: one primary-key query per request."""
    from flask import Flask
    from markupsafe import escape
    from sqlalchemy import text

    from core.database import db
    from installer_portal import config

    app = Flask(__name__)
    loaded = config.load(Path(tempfile.gettempdir()))
    app.config.update(SQLALCHEMY_DATABASE_URI=loaded["SQLALCHEMY_DATABASE_URI"],
                      SQLALCHEMY_ENGINE_OPTIONS=loaded["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)

    @app.get("/")
    def one() -> str:
        email = db.session.execute(text("SELECT email FROM users WHERE id = :id"), {"id": 1}).scalar_one()
        return f"<!doctype html><title>Bare</title><p>{escape(email)}</p>"

    return app


def portal_app():
    """The real app, as wsgi.py makes it (imported from the checkout PYTHONPATH names first)."""
    from installer_portal.app import create_app

    return create_app()


def prepare(url: str) -> tuple[dict[str, tuple[str, str | None]], dict[str, int]]:
    """Build the database; returns {page: (path, session cookie or None)} and {page: SQL statements per request}."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from core.database import db, utcnow
    from installer_portal.app import create_app
    from lms.importer import import_courses
    from tests.factories import CommissioningFactory, UserFactory

    server = sa.make_url(url)
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{server.database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{server.database}"'))
    admin.dispose()

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        import_courses(ROOT / "courses" / COURSE)
        UserFactory(email="staff@load.example.com", support=True, with_profile=True)
        UserFactory(email="learner@load.example.com", region="na", first_name="Lee", last_name="Learner",
                    phone="+12025550123", country="US", profile_completed_at=utcnow())
        commissioning = CommissioningFactory(completed=True, installer__email="installer@load.example.com")
        serial = commissioning.station.serial
        certificate = db.session.execute(sa.text(
            "SELECT number FROM lms_certificates WHERE user_id = :id"), {"id": commissioning.installer_id}).scalar()
        db.session.commit()

    def signed_in(email: str):
        client = app.test_client()
        if client.post("/login", data={"email": email, "password": PASSWORD}).status_code != 302:
            sys.exit(f"could not sign in as {email}")
        return client

    staff, learner, installer = (signed_in(f"{who}@load.example.com") for who in ("staff", "learner", "installer"))
    lesson = learner.get(f"/learn/{COURSE}/continue").headers["Location"]
    anonymous = app.test_client()
    pages = {
        "home (signed out)": ("/", anonymous),
        "home (signed in)": ("/", learner),
        "certificate verification": (f"/verify/{certificate}", anonymous),
        "support search": ("/support/?q=installer@load.example.com", staff),
        "station page /s/<serial>": (f"/s/{serial}", installer),
        "lesson in the player": (lesson, learner),
    }
    from sqlalchemy import event

    statements = 0

    def count(*args: object) -> None:
        nonlocal statements
        statements += 1

    targets: dict[str, tuple[str, str | None]] = {}
    counted: dict[str, int] = {}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    for name, (path, client) in pages.items():
        client.get(path)  # a lesson's first visit differs from the next ones
        statements = 0
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{name}: {path} answered {response.status_code}")
        counted[name] = statements
        cookie = client.get_cookie("session")
        targets[name] = (path, cookie.value if cookie and client is not anonymous else None)
    return targets, counted


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(spec: str, url: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p] + [str(ROOT), str(ROOT / "bench")]
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": os.pathsep.join(paths)}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", spec], cwd=workdir, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 (loopback)
            return server, base
        except OSError:
            time.sleep(0.1)
    server.terminate()
    sys.exit(f"gunicorn {spec} did not start")


def cpu_seconds(master: int) -> float:
    """User + system time of the master's workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def load(base: str, path: str, cookie: str | None, duration: int, script: Path,
         strict: bool = True) -> tuple[float, float, int]:
    """(requests/s, p95 in seconds, requests) of one wrk run; exits on any failed request when `strict`."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    output = subprocess.run([*command, base + path], capture_output=True, text=True,
                            check=True).stdout
    requests, micros, p95, bad, errors = map(int, re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", output).groups())
    if strict and (bad or errors):
        sys.exit(f"{path}: {bad} non-2xx/3xx responses, {errors} socket errors\n{output}")
    return requests / (micros / 1e6), p95 / 1e6, requests


def main() -> None:
    duration = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    targets, counted = prepare(url)
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    script = workdir / "report.lua"
    script.write_text(REPORT)
    bare, bare_base = serve("load:bare_app()", url, workdir)
    portal, portal_base = serve("load:portal_app()", url, workdir)
    results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in ("bare", *targets)}
    try:
        load(bare_base, "/", None, 3, script, strict=False)  # every worker warm: connections, templates
        for path, cookie in targets.values():
            load(portal_base, path, cookie, 3, script, strict=False)
        for _ in range(rounds):
            for name, (path, cookie) in targets.items():
                before = cpu_seconds(bare.pid)
                bare_rate, bare_p95, requests = load(bare_base, "/", None, duration, script)
                results["bare"].append((1.0, bare_p95, 1.0, (cpu_seconds(bare.pid) - before) / requests))
                before = cpu_seconds(portal.pid)
                rate, p95, requests = load(portal_base, path, cookie, duration, script)
                cpu = (cpu_seconds(portal.pid) - before) / requests
                results[name].append((rate / bare_rate, p95, p95 / bare_p95, cpu))
                print(f"  {name}: {rate:.0f}/s vs bare {bare_rate:.0f}/s, p95 {p95 * 1000:.0f} vs "
                      f"{bare_p95 * 1000:.0f} ms", flush=True)
    finally:
        for server in (bare, portal):
            server.terminate()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\ngunicorn {WORKERS} workers, {CONNECTIONS} connections, {rounds} rounds of {duration} s, medians; "
          "bare = Flask + 1 query, measured before each page")
    print(f"{'page':<26} {'share of bare':>13} {'p95':>8} {'p95 × bare':>11} {'CPU/req':>9} {'SQL/req':>8}")
    for name, rows in results.items():
        share, p95, ratio, cpu = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"{name:<26} {share:>12.0%} {p95 * 1000:>6.0f}ms {ratio:>10.1f}× {cpu * 1000:>7.1f}ms "
              f"{counted.get(name, 1):>8}")


if __name__ == "__main__":
    main()
