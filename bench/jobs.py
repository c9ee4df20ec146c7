"""How soon does a job start after the transaction that queued it commits, how fast can jobs be handed over,
and what does an idle worker cost?

On the SQLite queue (a laptop) and on the Redis queue (production; BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14, left out when nothing answers there). The app is the real one on a scratch
SQLite database; the worker is the consumer `flask jobs worker` runs (2 threads), here in threads of
this process so that the job can note when it started.
- latency: SAMPLES commits (default 50), each inserting a row and queueing one job with after_commit,
  spaced by a random pause of 0-2 s as busy traffic would be; from just before the commit to the job's
  first line. Median, p90 and max. Then 5 more after 6-10 s of quiet each, when a worker on SQLite
  polls least often (once a second).
- hand-over rate: 1000 commits of a one-row insert that each queue a job, no worker running, and 1000
  such commits without a job, in alternating blocks of 100: the difference is the queue's cost.
- idle CPU: the worker with periodic jobs on and nothing to do, CPU time of this process over 10 s.
Run: .venv/bin/python bench/jobs.py [samples]
"""

from __future__ import annotations

import itertools
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import redis
from sqlalchemy import text

from core.database import db
from core.jobs import after_commit, job, running_worker, task_queue

SAMPLES = int(sys.argv[1]) if len(sys.argv) > 1 else 50
QUIET_SAMPLES = 5
HANDOVERS = 1000
IDLE_SECONDS = 10
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

_numbers = itertools.count()
_started: dict[int, float] = {}
_events: dict[int, threading.Event] = {}


@job
def note_start(number: int) -> None:
    _started[number] = time.perf_counter()
    _events[number].set()


def commit_one(app, queue_job: bool) -> tuple[int, float]:
    """Commit a one-row insert, queueing a job for it if asked; returns its number and when the commit began."""
    number = next(_numbers)
    with app.app_context():
        db.session.execute(text("INSERT INTO bench_commit (number) VALUES (:number)"), {"number": number})
        if queue_job:
            after_commit(note_start, number)
        _events[number] = threading.Event()
        committing = time.perf_counter()
        db.session.commit()
    return number, committing


def latency(app, samples: int, pauses: tuple[float, float]) -> list[float]:
    """Seconds from the start of each commit to the start of its job, sorted."""
    delays = []
    with running_worker(app, workers=2, periodic_jobs=False):
        for _sample in range(samples):
            time.sleep(random.uniform(*pauses))
            number, committing = commit_one(app, queue_job=True)
            if not _events[number].wait(15):
                raise SystemExit(f"job {number} did not start within 15 s")
            delays.append(_started[number] - committing)
    return sorted(delays)


def handover_rates(app) -> tuple[float, float]:
    """Commits per second that each hand a job over, and that do not; in alternating blocks, so that other load on
    the machine weighs on both alike."""
    spent = {True: 0.0, False: 0.0}
    for block in range(20):
        queue_job = block % 2 == 0
        started = time.perf_counter()
        for _commit in range(HANDOVERS // 10):
            commit_one(app, queue_job)
        spent[queue_job] += time.perf_counter() - started
    with app.app_context():
        task_queue(app).flush()
    return HANDOVERS / spent[True], HANDOVERS / spent[False]


def idle_cpu(app) -> float:
    """Percent of one core used by the worker threads while there is nothing to do."""
    with running_worker(app, workers=2, periodic_jobs=True):
        time.sleep(2)  # past the start, when the scheduler runs the periodic jobs due this minute
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter()
        time.sleep(IDLE_SECONDS)
        after = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter() - wall
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return 100 * cpu / wall


def measure(label: str, app) -> None:
    with app.app_context():
        task_queue(app).flush()
    busy = latency(app, SAMPLES, (0, 2))
    quiet = latency(app, QUIET_SAMPLES, (6, 10))
    with_job, without_job = handover_rates(app)
    cpu = idle_cpu(app)
    p90 = statistics.quantiles(busy, n=10, method="inclusive")[8]
    print(f"{label}: commit to job start, 0-2 s apart: median {1000 * statistics.median(busy):.1f} ms, "
          f"p90 {1000 * p90:.1f} ms, max {1000 * busy[-1]:.1f} ms; after 6-10 s quiet: "
          f"median {1000 * statistics.median(quiet):.1f} ms, max {1000 * quiet[-1]:.1f} ms")
    print(f"{' ' * len(label)}  commits/s with a job handed over {with_job:.0f}, without {without_job:.0f}; "
          f"idle worker CPU {cpu:.2f} % of one core")


def main() -> None:
    from flask_migrate import upgrade

    from installer_portal.app import create_app

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-bench-secret-key-123")
    workdir = Path(tempfile.mkdtemp())
    common = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
              "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "SMTP_HOST": "",
              "JOBS_SQLITE_PATH": str(workdir / "jobs.sqlite3"), "JOBS_NAME": f"bench_{uuid.uuid4().hex}"}
    apps = {"SQLite": create_app({**common, "REDIS_URL": ""})}
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        print(f"Redis at {REDIS_URL} does not answer ({error}); measuring SQLite only.")
    else:
        apps["Redis"] = create_app({**common, "REDIS_URL": REDIS_URL})
    with apps["SQLite"].app_context():
        upgrade()
        db.session.execute(text("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, number INTEGER)"))
        db.session.commit()
    print(f"jobs: {SAMPLES} + {QUIET_SAMPLES} commit-to-start samples, {HANDOVERS} hand-overs, "
          f"{IDLE_SECONDS} s idle; {os.cpu_count()} CPUs")
    try:
        for label, app in apps.items():
            measure(label, app)
    finally:
        for app in apps.values():
            with app.app_context():
                task_queue(app).flush()  # this run's queue only


if __name__ == "__main__":
    main()
