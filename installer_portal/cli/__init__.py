"""Operator commands, one module per group: `flask users …`, `flask stations …`, `flask demo …`, `flask mail …`,
`flask jobs …`.

The learning platform's `flask lms …` is registered with it (installer_portal.learning.handlers).
"""

from __future__ import annotations

from flask import Flask

from .demo import demo
from .jobs import jobs
from .mail import mail
from .stations import stations
from .users import users


def register(app: Flask) -> None:
    for group in (users, mail, jobs, demo, stations):
        app.cli.add_command(group)
