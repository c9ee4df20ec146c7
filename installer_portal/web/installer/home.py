"""The installer's start page."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lms import api as lms

from .blueprint import bp


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template("installer/home.html", certificate=lms.valid_certificate(current_user.id))
