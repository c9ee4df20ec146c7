"""Background jobs: mail goes out through a real worker after commit, never before, and a lost hand-over is swept up.

Each test runs on the SQLite queue (a laptop) and, when TEST_REDIS_URL is set (CI sets it), on Redis (production).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select, update

from core.database import db, utcnow
from core.jobs import after_commit, job, running_worker, task_queue
from core.mail.models import MailStatus, OutboxMessage
from core.mail.services import queue_mail, sweep_mail
from lms.jobs import remind_expiring_certificates
from lms.models import Certificate
from tests.conftest import PortalClient, free_port, make_app
from tests.helpers import log_in, make_user, sign_up
from tests.learning import answers, finish_lessons, import_test_course, start_attempt, submit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def wait_for(condition, timeout: float = 15.0, what: str = "the worker"):
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not finish within {timeout} s")
        time.sleep(0.02)
    return result


@pytest.fixture(params=["sqlite", "redis"])
def jobs_config(request, tmp_path) -> dict:
    """A queue of this test's own: a fresh SQLite file, or a Redis queue with a unique name."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("set TEST_REDIS_URL (CI does) to run the jobs on Redis storage too")
    config = {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite3"), "JOBS_NAME": f"test_{uuid.uuid4().hex}"}
    if request.param == "redis":
        config["REDIS_URL"] = REDIS_URL
    return config


@pytest.fixture
def worker_app(database_url, tmp_path, smtp_server, smtp, jobs_config):
    """An app whose mail goes to the test SMTP server, with a queue of its own."""
    app = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, **jobs_config)
    yield app
    with app.app_context():
        task_queue(app).flush()  # this queue's keys only
        db.session.remove()
        db.engine.dispose()


def queued_runs(app) -> int:
    with app.app_context():
        return task_queue(app).pending_count()


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def queue_one(app, address: str) -> None:
    with app.app_context():
        queue_mail(address, "sign_up_existing", "en", login_url="http://portal.test/login",
                   reset_url="http://portal.test/forgot-password")
        db.session.commit()
        db.session.remove()


def test_a_sign_up_mail_is_delivered_by_the_worker_without_anyone_sending_it(worker_app, smtp):
    client = PortalClient(worker_app.test_client())
    with running_worker(worker_app, periodic_jobs=False):
        sign_up(client, "worker@example.com")

        (message,) = wait_for(lambda: smtp.to("worker@example.com"))

    assert "/confirm/" in message.get_body(("plain",)).get_content()
    (row,) = outbox(worker_app)
    assert (row.status, row.attempts, row.body_text) == (MailStatus.SENT, 1, None)
    assert queued_runs(worker_app) == 0


def test_mail_is_handed_to_the_queue_only_when_its_transaction_commits_and_once_per_transaction(worker_app):
    with worker_app.app_context():
        for number in range(3):
            queue_mail(f"many{number}@example.com", "sign_up_existing", "en", login_url="x", reset_url="y")
        assert queued_runs(worker_app) == 0  # not before the commit: a worker would find nothing yet
        db.session.commit()
        assert queued_runs(worker_app) == 1  # three mails, one delivery run

        queue_mail("rolled-back@example.com", "sign_up_existing", "en", login_url="x", reset_url="y")
        db.session.rollback()
        db.session.commit()  # a later commit does not hand over what was rolled back
        db.session.remove()

    assert queued_runs(worker_app) == 1
    assert "rolled-back@example.com" not in {row.to_address for row in outbox(worker_app)}


def test_a_rolled_back_transaction_queues_nothing_and_the_worker_sends_nothing(worker_app, smtp):
    with worker_app.app_context():
        with db.session.begin_nested():
            queue_mail("savepoint@example.com", "sign_up_existing", "en", login_url="x", reset_url="y")
        db.session.rollback()
        db.session.remove()

    assert queued_runs(worker_app) == 0
    assert outbox(worker_app) == []
    queue_one(worker_app, "after@example.com")
    with running_worker(worker_app, periodic_jobs=False):
        wait_for(lambda: smtp.to("after@example.com"))
    assert [str(message["To"]) for message in smtp.messages] == ["after@example.com"]


def test_mail_whose_delivery_run_was_lost_is_delivered_by_the_periodic_sweep(worker_app, smtp):
    queue_one(worker_app, "lost@example.com")
    with worker_app.app_context():
        task_queue(worker_app).flush()  # the hand-over is lost; the committed row is all that is left
    assert queued_runs(worker_app) == 0

    with running_worker(worker_app, periodic_jobs=True):  # the scheduler starts due periodic jobs at once
        wait_for(lambda: smtp.to("lost@example.com"), what="the periodic mail sweep")

    (row,) = outbox(worker_app)
    assert row.status == MailStatus.SENT
    assert sweep_mail.schedule(datetime(2026, 12, 2, 13, 37))  # every minute


def test_when_the_queue_is_unreachable_the_commit_stands_and_the_failure_is_logged(database_url, tmp_path, caplog):
    app = make_app(database_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/14")  # nothing listens
    try:
        with caplog.at_level(logging.ERROR, logger="core.jobs"):
            queue_one(app, "unqueued@example.com")
        (row,) = outbox(app)
    finally:
        with app.app_context():
            db.engine.dispose()

    assert (row.to_address, row.status) == ("unqueued@example.com", MailStatus.PENDING)
    (record,) = caplog.records
    assert "deliver_queued_mail" in record.getMessage()
    assert "sweep" in record.getMessage()


def test_the_daily_reminder_job_queues_reminder_mail_that_the_worker_delivers(worker_app, smtp):
    import_test_course(worker_app)
    email = make_user(worker_app, with_profile=True, locale="nb")
    client = PortalClient(worker_app.test_client())
    log_in(client, email)
    finish_lessons(client)
    submit(client, start_attempt(client), answers(worker_app))
    with worker_app.app_context():
        db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=13)))
        after_commit(remind_expiring_certificates)
        db.session.commit()
        db.session.remove()

    with running_worker(worker_app, periodic_jobs=False):
        (reminder,) = wait_for(lambda: [m for m in smtp.to(email) if "utløper" in str(m["Subject"])],
                               what="the reminder job")

    assert reminder["Subject"] == "Sertifikatet ditt utløper om 14 dager"
    assert [row.template for row in outbox(worker_app)].count("certificate_expiring") == 1
    schedule = remind_expiring_certificates.schedule
    assert schedule(datetime(2026, 12, 2, 6, 0))
    assert not schedule(datetime(2026, 12, 2, 6, 1))
    assert not schedule(datetime(2026, 12, 2, 18, 0))


#: What `record` (declared inside a test, after the apps were built) saw: (number, queue name, thread name).
RECORDED: list[tuple[int, str, str]] = []


def test_a_job_declared_after_the_app_was_built_runs_in_an_app_context_of_its_own(worker_app):
    @job
    def record(number: int) -> None:
        RECORDED.append((number, current_app.config["JOBS_NAME"], threading.current_thread().name))

    def recorded() -> list[tuple[int, str, str]]:
        return [run for run in RECORDED if run[1] == worker_app.config["JOBS_NAME"]]

    with worker_app.app_context():
        after_commit(record, 7)
        after_commit(record, 7)
        after_commit(record, 8)
        db.session.commit()
        # Handed the `current_app` proxy, as the worker command is: the job still finds its app in its thread.
        with running_worker(current_app, periodic_jobs=False):
            wait_for(lambda: len(recorded()) == 2)

    assert sorted(number for number, _name, _thread in recorded()) == [7, 8]  # 7 asked for twice, queued once
    assert threading.current_thread().name not in {thread for _number, _name, thread in recorded()}


def command_app(database_url: str, workdir: str, smtp_port: int, jobs_name: str, jobs_sqlite_path: str,
                redis_url: str = ""):
    """The app `flask jobs worker` runs in a process of its own: this test's database, SMTP server and queue."""
    return make_app(database_url, Path(workdir), SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, JOBS_NAME=jobs_name,
                    JOBS_SQLITE_PATH=jobs_sqlite_path, REDIS_URL=redis_url)


def test_the_worker_command_delivers_mail_queued_before_it_started_and_stops_cleanly_on_sigterm(
        database_url, worker_app, jobs_config, smtp, smtp_server, tmp_path):
    queue_one(worker_app, "waiting@example.com")
    factory = (f"tests.integration.test_jobs:command_app({database_url!r}, {str(tmp_path / 'command')!r}, "
               f"{smtp_server.port}, {jobs_config['JOBS_NAME']!r}, {jobs_config['JOBS_SQLITE_PATH']!r}, "
               f"{jobs_config.get('REDIS_URL', '')!r})")
    worker = subprocess.Popen(  # noqa: S603 (this interpreter, our own command)
        [sys.executable, "-m", "flask", "--app", factory, "jobs", "worker", "--workers", "1", "--no-periodic"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: smtp.to("waiting@example.com"), timeout=30, what="flask jobs worker")
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)

    assert worker.returncode == 0, output
    assert "Jobs worker: 1 thread(s), periodic jobs off" in output
    assert [row.status for row in outbox(worker_app)] == [MailStatus.SENT]
