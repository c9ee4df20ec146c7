"""How long does a label sheet of many stations take, asked for in the console and rendered by a job worker?

Builds a scratch SQLite instance with COUNT stations (default 240), logs a support account in, and POSTs the
station list's label form for all of them (one `serial` field each, in the body), timing that request. A job
worker in this process (core.jobs.running_worker) then renders the sheet; the script prints the progress the
sheet's page shows as it changes, and the time from the commit to the download being ready.
Targets: the request well under 1 s; no request waits for the rendering (it took 34 to 49 s in the request before).
Run: .venv/bin/python bench/label_sheet.py [count]
"""

from __future__ import annotations

import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test factories make the support account
COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 240


def main() -> None:
    import pypdfium2 as pdfium
    from flask_migrate import upgrade

    from core.database import db
    from core.jobs import running_worker
    from installer_portal.app import create_app
    from installer_portal.stations.registry import import_stations
    from tests.factories import PASSWORD, UserFactory

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-bench-secret-key-123")
    workdir = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
                      "PUBLIC_BASE_URL": "https://portal.example", "JOBS_SQLITE_PATH": str(workdir / "jobs.sqlite3")})
    serials = [f"EVB-{n:05d}" for n in range(COUNT)]
    with app.app_context():
        upgrade()
        import_stations("serial,mac,model,rated_power_kw,connectors,manufactured_on\n" + "".join(
            f"{serial},02:00:00:{n // 65536:02X}:{n // 256 % 256:02X}:{n % 256:02X},Wallbox,11,1,2026-09-01\n"
            for n, serial in enumerate(serials)))
        db.session.commit()
        email = UserFactory(support=True).email

    client = app.test_client()

    def token(path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]

    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token("/login")})
    form_token = token("/support/stations")
    started = time.perf_counter()
    response = client.post("/support/labels", data={"csrf_token": form_token, "paper": "a4", "scope": "chosen",
                                                    "serial": serials})
    asked = time.perf_counter() - started
    page = response.headers["Location"]
    print(f"label sheet of {COUNT} stations, A4")
    print(f"  POST /support/labels     {asked * 1000:7.1f} ms  (status {response.status_code}, target well under 1 s)")

    started = time.perf_counter()
    shown = ""
    with running_worker(app, workers=1, periodic_jobs=False):
        while True:
            found = re.search(r'<p data-status="([^"]+)">\s*(.*?)\s*</p>', client.get(page).get_data(as_text=True),
                              re.S)
            if found[2] != shown:
                print(f"  {time.perf_counter() - started:6.1f} s  {found[2]}")
                shown = found[2]
            if found[1] in ("ready", "failed"):
                break
            time.sleep(0.5)
    rendered = time.perf_counter() - started
    pdf = client.get(f"{page}/labels.pdf")
    pages = len(pdfium.PdfDocument(pdf.data))
    print(f"  commit to ready          {rendered:7.1f} s   ({rendered / COUNT * 1000:.0f} ms a label)")
    print(f"  download                 {pdf.status_code}, {len(pdf.data) / 2**20:.1f} MiB, {pages} pages")
    print(f"  process peak RSS         {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MiB "
          "(the web request and the worker, in one process here)")


if __name__ == "__main__":
    main()
