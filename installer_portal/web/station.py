"""The station page the label's QR code opens (/s/<serial>): the station, and whether (and how) this person
can commission it. One access check: a login."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.errors import Refusal

from ..commissioning.services import (
    Step,
    commissioning_blockers,
    completed_commissioning,
    next_step,
    open_draft,
    start_commissioning,
)
from ..extensions import login_manager
from ..stations.labels import STATION_PATH
from ..stations.models import StationStatus
from ..stations.services import station_by_serial
from .installer.finding import serial_to_confirm

bp = Blueprint("station", __name__, url_prefix=STATION_PATH)


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.route("/<serial>", methods=["GET", "POST"])
def station(serial: str) -> ResponseReturnValue:
    """What the phone's camera opens. Opening it writes nothing: starting is a POST from this page."""
    found = station_by_serial(serial)
    if found is None:
        return render_template("commissioning/unknown_station.html", serial=serial[:40]), 404
    user = current_user._get_current_object()
    if found.status == StationStatus.COMMISSIONED:
        mine = found.installer_id == user.id
        return render_template("commissioning/station_taken.html", station=found, mine=mine,
                               commissioning=completed_commissioning(found) if mine else None), \
            200 if mine else 409
    blockers = commissioning_blockers(user)
    if blockers:
        return render_template("commissioning/not_eligible.html", station=found, blockers=blockers), 403
    if serial_to_confirm(found.serial):
        # Reached by a typed MAC, which may be one character off: the label's serial first, then the wizard.
        return render_template("commissioning/confirm_serial.html", station=found)
    if request.method == "POST":
        try:
            draft = start_commissioning(user, found)
        except Refusal as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".station", serial=serial))
        db.session.commit()
        return redirect(url_for("installer.step", commissioning_id=draft.id, step=next_step(draft).value))
    return render_template("commissioning/station.html", station=found, draft=open_draft(user, found),
                           steps=list(Step))
