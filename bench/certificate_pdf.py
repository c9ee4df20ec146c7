"""How long does rendering one certificate PDF take, and how much memory does it use?

Renders one certificate of the European course in Norwegian (A4) ROUNDS times (default 20) with
WeasyPrint, as the first download does, and prints the median and p90 time, the first (cold) render,
the peak Python heap during one render (tracemalloc) and the process's peak resident memory.
Target: median <= 400 ms.
Run: .venv/bin/python bench/certificate_pdf.py [rounds]
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from flask_migrate import upgrade

    from core.database import db, utcnow
    from installer_portal.app import create_app
    from lms.certificates import add_months, new_certificate_number, render_certificate_pdf
    from lms.importer import import_courses
    from lms.models import Certificate, Course

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-bench-secret-key-123")
    workdir = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
                      "PUBLIC_BASE_URL": "https://portal.example"})
    with app.app_context(), app.test_request_context():
        upgrade()
        import_courses(ROOT / "courses" / "ac-installation-eu")
        course = db.session.query(Course).one()
        now = utcnow()
        certificate = Certificate(number=new_certificate_number(), user_id=0, course_id=course.id, attempt_id=0,
                                  holder_name="Åse Ødegård-Johannessen", region="eu", issued_at=now,
                                  expires_at=add_months(now, 24))
        certificate.course = course
        started = time.perf_counter()
        render_certificate_pdf(certificate, "nb")
        cold = time.perf_counter() - started
        times = []
        for _round in range(ROUNDS):
            started = time.perf_counter()
            data = render_certificate_pdf(certificate, "nb")
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        render_certificate_pdf(certificate, "nb")
        _current, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    times.sort()
    print(f"certificate PDF, {ROUNDS} renders after one cold render ({len(data) / 1024:.0f} KB each)")
    print(f"  cold render        {cold * 1000:7.1f} ms")
    print(f"  median             {statistics.median(times) * 1000:7.1f} ms   (target <= 400 ms)")
    print(f"  p90                {times[int(len(times) * 0.9) - 1] * 1000:7.1f} ms")
    print(f"  Python heap peak   {heap_peak / 2**20:7.1f} MiB during one render (tracemalloc)")
    print(f"  process peak RSS   {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.1f} MiB")


if __name__ == "__main__":
    main()
