"""Player page requests per second under gunicorn with 2 workers on SQLite.

Builds a scratch SQLite database with the North American course and a logged-in learner who has
completed every lesson, starts gunicorn (2 sync workers) on loopback and loads player pages with wrk
(Debian package `wrk`), 8 connections, ROUNDS rounds of DURATION seconds, in two ways:
- "same lesson": one lesson reloaded (one UPDATE per request: the visit's start);
- "every lesson in turn": each request opens the next lesson (two UPDATEs: the visit and the
  resume point), the worst case for SQLite's single writer.
Every request is a real player view: access check, progress, outline, lesson text, the visit recorded.
Target: >= 300 requests/s on a 2-core machine (median of the rounds).
Run: .venv/bin/python bench/player_throughput.py [duration_seconds] [rounds]
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

DURATION = int(sys.argv[1]) if len(sys.argv) > 1 else 10
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
#: wrk script: each request asks for the next of the paths given as arguments.
ROTATE = """
paths = {}
i = 0
function init(args) for _, path in ipairs(args) do table.insert(paths, path) end end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
"""
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-bench-secret-key-123"
PASSWORD = "violet kettle marches north"


def prepare(database: Path) -> tuple[str, list[str]]:
    """Migrate, import the course, create a learner who did every lesson, log in; returns (cookie, lesson paths)."""
    from flask_migrate import upgrade

    from core.database import db, utcnow
    from installer_portal.accounts.models import User
    from installer_portal.accounts.passwords import hash_password
    from installer_portal.app import create_app
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
    lessons = []
    while True:
        lesson = client.get("/learn/level2-nec-na/continue").headers["Location"]
        if "/lessons/" not in lesson:
            break
        page = client.get(lesson).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        client.post(f"{lesson}/complete", data={"csrf_token": token})
        lessons.append(lesson)
    return client.get_cookie("session").value, lessons


def run_wrk(cookie: str, base: str, paths: list[str], script: Path) -> tuple[float, str]:
    command = ["wrk", "-t2", "-c8", f"-d{DURATION}s", "--latency", "-H", f"Cookie: session={cookie}"]
    if len(paths) > 1:
        command += ["-s", str(script), base, "--", *paths]
    else:
        command.append(base + paths[0])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        sys.exit(f"{errors[1]} requests failed:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]), output


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    os.environ["SECRET_KEY"] = SECRET
    workdir = Path(tempfile.mkdtemp())
    database = workdir / "bench.sqlite3"
    cookie, lessons = prepare(database)
    script = workdir / "rotate.lua"
    script.write_text(ROTATE)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        for _attempt in range(100):
            try:
                request = urllib.request.Request(base + lessons[0], headers={"Cookie": f"session={cookie}"})  # noqa: S310
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback only)
                    if b"lesson-title" not in response.read():
                        sys.exit("the player page did not render")
                break
            except OSError:
                time.sleep(0.2)
        for name, paths in (("same lesson", lessons[:1]), ("every lesson in turn", lessons)):
            results[name] = [run_wrk(cookie, base, paths, script) for _round in range(ROUNDS)]
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"player pages of /learn/level2-nec-na ({len(lessons)} lessons), gunicorn 2 sync workers, SQLite, "
          f"wrk 8 connections, {ROUNDS} rounds of {DURATION} s")
    for name, rounds in results.items():
        rates = sorted(rate for rate, _output in rounds)
        median_output = next(output for rate, output in rounds if rate == rates[len(rates) // 2])
        latency = {p: re.search(r"^\s+" + p + r"%\s+(\S+)", median_output, re.MULTILINE)[1] for p in ("50", "99")}
        print(f"  {name:<22} median {rates[len(rates) // 2]:6.1f} requests/s (rounds: "
              f"{', '.join(f'{r:.0f}' for r in rates)}; target >= 300), latency p50 {latency['50']}, "
              f"p99 {latency['99']}")


if __name__ == "__main__":
    main()
