"""Do answers take as long for an address that has an account as for one that does not?

Prints median and p90 times (ms) for sign-up with a new vs a registered address, and for login with an
unknown address vs a wrong password, with the production argon2id parameters, on a scratch SQLite file.
Run: .venv/bin/python bench/enumeration_timing.py [rounds]
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
PASSWORD = "violet kettle marches north"


def main() -> None:
    from flask_migrate import upgrade

    from installer_portal.app import create_app

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-bench-secret-key-123")
    workdir = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
                      "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    client = app.test_client()

    def token(url: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True))[1]

    def timed(url: str, data: dict) -> float:
        data = {**data, "csrf_token": token(url)}
        started = time.perf_counter()
        response = client.post(url, data=data)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code in (200, 302, 400), response.status_code
        return elapsed

    sign_up = {"region": "eu", "password": PASSWORD, "confirm_password": PASSWORD, "terms": "y"}
    timed("/sign-up", {**sign_up, "email": "registered@example.com"})
    results = {"sign-up, new address": [], "sign-up, registered address": [],
               "login, unknown address": [], "login, wrong password": []}
    for index in range(ROUNDS):
        results["sign-up, new address"].append(timed("/sign-up", {**sign_up, "email": f"new{index}@example.com"}))
        results["sign-up, registered address"].append(timed("/sign-up", {**sign_up, "email": "registered@example.com"}))
        results["login, unknown address"].append(timed("/login", {"email": f"nobody{index}@example.com",
                                                                 "password": PASSWORD}))
        results["login, wrong password"].append(timed("/login", {"email": "registered@example.com",
                                                                "password": "wrong " + PASSWORD}))
    print(f"{ROUNDS} rounds, argon2id default parameters (ms)")
    for name, values in results.items():
        values.sort()
        print(f"  {name:30} median {statistics.median(values):7.1f}   p90 {values[int(len(values) * 0.9)]:7.1f}")


if __name__ == "__main__":
    main()
