"""Player page requests per second under gunicorn with 2 workers on SQLite.

Builds a scratch SQLite database with the North American course and a logged-in learner, starts
gunicorn (2 sync workers) on loopback and loads one lesson page with wrk (Debian package `wrk`)
for DURATION seconds with 8 connections. Every request is a real player view: it loads the learner's
progress and records the visit. Target: >= 300 requests/s on a 2-core machine.
Run: .venv/bin/python bench/player_throughput.py [duration_seconds]
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DURATION = int(sys.argv[1]) if len(sys.argv) > 1 else 15
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-bench-secret-key-123"
PASSWORD = "violet kettle marches north"


def prepare(database: Path) -> tuple[str, str]:
    """Migrate, import the course, create a learner, log in; returns (session cookie, lesson path)."""
    from flask_migrate import upgrade

    from installer_portal import create_app
    from installer_portal.accounts.models import User
    from installer_portal.accounts.passwords import hash_password
    from installer_portal.database import db, utcnow
    from lms.importer import import_courses

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        import_courses(ROOT / "courses" / "level2-nec-na")
        db.session.add(User(email="bench@example.com", password_hash=hash_password(PASSWORD), region="na",
                            locale="en", email_confirmed_at=utcnow(), first_name="Bench", last_name="Learner",
                            phone="+12025550123", country="US", profile_completed_at=utcnow()))
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post("/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token})
    lesson = client.get("/learn/level2-nec-na/continue").headers["Location"]
    assert client.get(lesson).status_code == 200
    return client.get_cookie("session").value, lesson


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    os.environ["SECRET_KEY"] = SECRET
    workdir = Path(tempfile.mkdtemp())
    database = workdir / "bench.sqlite3"
    cookie, lesson = prepare(database)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}{lesson}"
    try:
        for _attempt in range(100):
            try:
                request = urllib.request.Request(url, headers={"Cookie": f"session={cookie}"})
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback only)
                    if b"lesson-title" not in response.read():
                        sys.exit("the player page did not render")
                break
            except OSError:
                time.sleep(0.2)
        subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-H", f"Cookie: session={cookie}", url],
                       check=True, capture_output=True)  # warm-up
        result = subprocess.run(["wrk", "-t2", "-c8", f"-d{DURATION}s", "--latency", "-H",
                                 f"Cookie: session={cookie}", url], check=True, capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    output = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(f"player page {lesson}, gunicorn 2 sync workers, SQLite, wrk 8 connections, {DURATION} s")
    print(f"  requests/s   {rate:8.1f}   (target >= 300)")
    for percentile in ("50", "90", "99"):
        latency = re.search(r"^\s+" + percentile + r"%\s+(\S+)", output, re.MULTILINE)[1]
        print(f"  latency p{percentile:<3} {latency:>8}")
    print(f"  non-2xx      {errors[1] if errors else 0:>8}")


if __name__ == "__main__":
    main()
