"""Background and periodic jobs: declared in code, run by huey workers, handed to the queue only after commit."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer
from redis import ConnectionPool
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from .database import db

__all__ = ["Job", "after_commit", "consumer", "crontab", "init_app", "job", "periodic", "running_worker",
           "task_queue"]

logger = logging.getLogger(__name__)

#: The longest an idle worker on SQLite storage waits before it looks at the queue again, so a job queued
#: while it is idle starts within about this time. On Redis a worker blocks on the queue and starts at once.
POLL_SECONDS = 1.0
#: After SIGTERM a worker waits this long for running jobs to finish before it exits anyway.
SHUTDOWN_SECONDS = 30
#: Where a session keeps the jobs to queue once its outermost transaction commits.
_PENDING = "core.jobs.after_commit"

_declared: dict[str, Job] = {}
_registering = threading.Lock()


class Job:
    """A plain function declared as background work: calling it runs it here and now, in the caller's context.

    A worker runs it in an application context of its own and removes the database session afterwards;
    the function commits its own work. It may run more than once for one request (a second host, a
    retry, a periodic sweep), so it claims what it does with a conditional UPDATE or a unique row.
    """

    def __init__(self, func: Callable, schedule: Callable[[datetime], bool] | None = None):
        functools.update_wrapper(self, func)
        self.func = func
        self.schedule = schedule
        self.name = f"{func.__module__}.{func.__qualname__}"

    def __call__(self, *args: Any) -> Any:
        return self.func(*args)

    def __repr__(self) -> str:
        return f"<Job {self.name}>"


def _declare(declared: Job) -> Job:
    _declared[declared.name] = declared
    return declared


def job(func: Callable) -> Job:
    """Declare `func` as a job that `after_commit` can queue. Works at import time, before any app exists."""
    return _declare(Job(func))


def periodic(schedule: Callable[[datetime], bool]) -> Callable[[Callable], Job]:
    """Declare a job that workers start whenever `schedule` (e.g. `crontab(minute="0", hour="6")`, in UTC) matches.

    Every worker that runs the scheduler starts it, so with several such hosts it runs once per host.
    """
    return lambda func: _declare(Job(func, schedule))


class _Queue:
    """One application's huey instance and the huey task of each declared job."""

    def __init__(self, app: Flask, huey: Huey):
        self.app = app  # the app itself, never the `current_app` proxy: jobs run in threads without a context
        self.huey = huey
        self.tasks: dict[str, TaskWrapper] = {}


def init_app(app: Flask) -> None:
    """Build the app's queue: Redis when `REDIS_URL` is set (several hosts), else a SQLite file (one host).

    `JOBS_SQLITE_PATH` (default `instance/jobs.sqlite3`) is the file; `JOBS_NAME` names the queue, so
    that two deployments or test runs can share one Redis database.
    """
    app.config.setdefault("JOBS_NAME", "jobs")
    app.config.setdefault("JOBS_SQLITE_PATH", str(Path(app.instance_path) / "jobs.sqlite3"))
    name, redis_url = app.config["JOBS_NAME"], app.config.get("REDIS_URL")
    if redis_url:
        # Short timeouts: the hand-over runs inside a commit, and a Redis that hangs must not hold the request.
        # The read timeout stays above huey's 1 s blocking read.
        pool = ConnectionPool.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        huey: Huey = RedisHuey(name, results=False, connection_pool=pool)
    else:
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, results=False, filename=str(path))
    app.extensions["jobs"] = _Queue(app, huey)
    _registered(app)


def _registered(app: Flask) -> _Queue:
    """The app's queue with every job declared so far registered on it.

    Jobs declared after `init_app` (a module the app imports later) are registered on first use.
    """
    try:
        queue: _Queue = app.extensions["jobs"]
    except KeyError:
        raise RuntimeError("core.jobs.init_app(app) was not called for this app") from None
    if len(queue.tasks) < len(_declared):
        with _registering:
            for name, declared in list(_declared.items()):
                if name not in queue.tasks:
                    queue.tasks[name] = _register(queue, declared)
    return queue


def _register(queue: _Queue, declared: Job) -> TaskWrapper:
    @functools.wraps(declared.func)
    def run(*args: Any) -> Any:
        with queue.app.app_context():
            try:
                return declared.func(*args)
            finally:
                db.session.remove()

    # huey names a task by module and name: the same in the web process and in every worker.
    if declared.schedule is None:
        return queue.huey.task(name=declared.func.__qualname__)(run)
    return queue.huey.periodic_task(declared.schedule, name=declared.func.__qualname__)(run)


def task_queue(app: Flask | None = None) -> Huey:
    """The huey instance of `app` (or the current app), with every declared job registered."""
    return _registered(app or current_app).huey


def after_commit(task: Job, *args: Any) -> None:
    """Queue `task(*args)` once the current session's outermost transaction commits; a rollback forgets it.

    The queue is only a doorbell: what is to be done must be a row written in the same transaction,
    which the job (or its periodic sweep) finds. The same job with the same arguments is queued once
    per transaction, however often it was asked for. If the queue cannot be reached after the commit,
    the error is logged and the commit stands: the sweep does the work later. Arguments must be
    hashable and small (ids, not rows).
    """
    wrapper = _registered(current_app).tasks[task.name]
    db.session.info.setdefault(_PENDING, {})[(task.name, args)] = (wrapper, args)


@event.listens_for(db.session, "after_commit")
def _hand_over(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    for wrapper, args in session.info.pop(_PENDING, {}).values():
        try:
            wrapper(*args)
        except Exception:
            logger.exception("Could not queue %s after commit; its periodic sweep will do the work.", wrapper.name)


@event.listens_for(db.session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended: after a commit the jobs were handed over already; after a rollback,
    # or a close() without commit, their rows were never written and nothing is queued.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _consumer_options(workers: int, periodic_jobs: bool) -> dict:
    return {"workers": workers, "periodic": periodic_jobs, "max_delay": POLL_SECONDS}


def consumer(app: Flask, workers: int = 2, periodic_jobs: bool = True) -> Consumer:
    """huey's consumer for this app: `workers` threads, and the scheduler of periodic jobs unless told not to.

    SIGTERM (a service manager stopping it) lets running jobs finish, for up to SHUTDOWN_SECONDS; SIGINT stops at once.
    """
    return Consumer(task_queue(app), graceful_signal="TERM", shutdown_timeout=SHUTDOWN_SECONDS,
                    **_consumer_options(workers, periodic_jobs))


class _GuestConsumer(Consumer):
    """A consumer running inside a process that keeps its own signal handlers (a test run, a benchmark)."""

    def _set_signal_handlers(self) -> None:
        pass


@contextmanager
def running_worker(app: Flask, workers: int = 2, periodic_jobs: bool = True) -> Iterator[Consumer]:
    """A worker in threads of this process, as `consumer` configures it, stopped when the block ends."""
    worker = _GuestConsumer(task_queue(app), **_consumer_options(workers, periodic_jobs))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(graceful=True)
