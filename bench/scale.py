"""The scale table of issue 13: each console and installer page on the 1 M-station database, against a bare lookup.

Needs the database bench/scale_data.py builds. Signs in (test client, real POST /login) as its support staff member
and as its fleet installer, then requests each page through the app's own code, in the same process:
- "anchor": a bare `SELECT serial FROM stations WHERE id = …` (random ids) through the app's session;
- people search by a name fragment, an email address and a phone number; the station list (newest first); the
  station search by a serial fragment and by an exact MAC; the audit log; the fleet installer's person page;
  "My stations" of the fleet installer; the support page of a station with a history.
For each: the median of RUNS requests (3 when one takes over 2 s), the ratio to the anchor's median measured in the
same run, the SQL statements per request and the page's size. Every statement is cut off after TIMEOUT_S seconds
(PostgreSQL statement_timeout), and a page that fails so is reported as "> 20 s", so the run always ends.
Target (issue 13): every page within 10× the anchor.

Run: .venv/bin/python bench/scale.py [postgresql+psycopg://postgres@127.0.0.1:5432/portal_scale] [runs]
Another checkout's code (e.g. after a merge): PYTHONPATH=/path/to/checkout .venv/bin/python bench/scale.py URL
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable

import isolation  # noqa: F401  (first: the project on the path, development settings)
from scale_data import DEFAULT_URL, FLEET_EMAIL, SUPPORT_EMAIL, SUPPORT_SERIAL

TIMEOUT_S = 20
SLOW_S = 2.0
PASSWORD = "correct horse battery staple"  # tests/factories.py, which made both accounts


def _median(run: Callable[[], None], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    import sqlalchemy as sa
    from sqlalchemy import event

    from core.database import db
    from installer_portal.app import create_app

    url = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    os.environ["DATABASE_URL"] = url
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "REMEMBER_COOKIE_SECURE": False})
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.logger.setLevel(logging.CRITICAL)  # a page cut off by the timeout is logged as an error: reported below

    statements = 0

    def count(*args: object) -> None:
        nonlocal statements
        statements += 1

    def cut_off(connection, record) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {TIMEOUT_S * 1000}")
        connection.commit()

    with app.app_context():
        event.listen(db.engine, "connect", cut_off)
        event.listen(db.engine, "before_cursor_execute", count)
        row = db.session.execute(sa.text(
            "SELECT (SELECT id FROM users WHERE email = :fleet), (SELECT max(id) FROM stations),"
            " (SELECT email FROM users WHERE id = (SELECT max(id) FROM users) - 54321),"
            " (SELECT phone FROM users WHERE id = (SELECT max(id) FROM users) - 54321),"
            " (SELECT mac FROM stations WHERE id = 543210)"), {"fleet": FLEET_EMAIL}).one()
        fleet_id, station_count, email, phone, mac = row
    if fleet_id is None:
        sys.exit(f"{url} has no fleet installer: build it with bench/scale_data.py first")

    def signed_in(email: str):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        if response.status_code != 302:
            sys.exit(f"could not sign in as {email}: {response.status_code}")
        return client

    staff, fleet = signed_in(SUPPORT_EMAIL), signed_in(FLEET_EMAIL)
    pages = [
        ("people search: name fragment", staff, "/support/?q=ansen"),
        ("people search: email", staff, f"/support/?q={email}"),
        ("people search: phone", staff, f"/support/?q={phone}"),
        ("station list (newest)", staff, "/support/stations"),
        ("station search: serial fragment", staff, "/support/stations?q=54321"),
        ("station search: exact MAC", staff, f"/support/stations?q={mac}"),
        ("audit log page", staff, "/support/audit"),
        ("person page, fleet installer", staff, f"/support/people/{fleet_id}"),
        ("My stations, fleet installer", fleet, "/installer/stations/"),
        ("support station page", staff, f"/support/stations/{SUPPORT_SERIAL}/"),
    ]

    def anchor() -> None:
        with app.app_context():
            db.session.execute(sa.select(sa.text("serial")).select_from(sa.text("stations"))
                               .where(sa.text("id = :id")), {"id": random.randint(1, station_count)}).one()

    _median(anchor, 20)  # connections opened, statement cached
    rows = []
    for name, client, path in pages:
        anchored = _median(anchor, 50)
        statements = 0
        started = time.perf_counter()
        first = client.get(path)
        took, per_request = time.perf_counter() - started, statements
        if first.status_code != 200:
            rows.append((name, None, anchored, per_request, 0, first.status_code, took))
            continue
        size = len(first.get_data())

        def get(client=client, path=path) -> None:
            if client.get(path).status_code != 200:
                raise RuntimeError(f"{path} failed")

        median = _median(get, 3 if took > SLOW_S else runs)
        rows.append((name, median, anchored, per_request, size, 200, took))

    print(f"{len(pages)} pages on {url.rsplit('/', 1)[-1]}; median of {runs} runs (3 when over {SLOW_S:.0f} s)")
    print(f"{'operation':<34} {'median':>9} {'× anchor':>9} {'SQL':>5} {'KiB':>7}")
    for name, median, anchored, per_request, size, status, took in rows:
        if median is None:
            shown = f"> {TIMEOUT_S} s" if took >= TIMEOUT_S - 1 or status == 500 else f"HTTP {status}"
            print(f"{name:<34} {shown:>9} {'':>9} {per_request:>5} {'':>7}")
            continue
        print(f"{name:<34} {median * 1000:>7.0f}ms {median / anchored:>8.0f}× {per_request:>5} {size / 1024:>7.0f}")
    print(f"anchor (bare SELECT by primary key): median {statistics.median(r[2] for r in rows) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
