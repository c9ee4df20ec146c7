"""`flask jobs worker`: run background and periodic jobs (mail delivery, reminders) until stopped."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from core import jobs as core_jobs

jobs = AppGroup("jobs", help="Background and periodic jobs.")


@jobs.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Jobs run at the same time (threads).")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also start the periodic jobs. With several hosts, pass --no-periodic on all but one.")
@click.option("--verbose", is_flag=True, help="Log every job run.")
def worker_command(workers: int, periodic: bool, verbose: bool) -> None:
    """Run jobs until stopped. SIGTERM lets running jobs finish; Ctrl+C stops at once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
    queue = "Redis" if current_app.config.get("REDIS_URL") else current_app.config["JOBS_SQLITE_PATH"]
    click.echo(f"Jobs worker: {workers} thread(s), periodic jobs {'on' if periodic else 'off'}, queue in {queue}.")
    core_jobs.consumer(current_app, workers=workers, periodic_jobs=periodic).run()
