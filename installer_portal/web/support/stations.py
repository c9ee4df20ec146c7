"""The console's stations: the registry, a station's history and the actions on it, labels, imports and photos."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.database import db
from core.downloads import attachment
from core.errors import Refusal
from core.i18n import _

from ...commissioning.models import Commissioning
from ...commissioning.report import report_filename, report_of
from ...commissioning.services import station_history
from ...staff import actions
from ...staff.audit import audit_records
from ...staff.forms import PhotoCheckForm, StaffActionForm, StationImportForm, TransferStationForm
from ...staff.models import AuditAction
from ...stations.finding import station_in_photo
from ...stations.labels import label_png
from ...stations.models import Station, StationStatus
from ...stations.registry import import_stations, search_stations, station_list
from ...stations.services import station_by_serial
from .blueprint import Actions, bp, run_action, staff_action

#: Every action on a station: its form, and the staff action that runs it.
STATION_ACTIONS: Actions = {
    AuditAction.DECOMMISSION_STATION: (StaffActionForm, actions.decommission_station),
    AuditAction.TRANSFER_STATION: (TransferStationForm, actions.transfer_station),
}


@bp.route("/stations")
def stations() -> ResponseReturnValue:
    search = request.args.get("q", "")
    if search.strip():
        found, page = search_stations(search), None
    else:
        page = station_list(request.args.get("after"), request.args.get("before"))
        found = page.rows
    return render_template("support/stations.html", stations=found, page=page, search=search)


def _station(serial: str) -> Station:
    station = station_by_serial(serial)
    if station is None:
        abort(404)
    return station


@bp.route("/stations/<serial>/")
def station(serial: str) -> ResponseReturnValue:
    """A station's history: who commissioned it, when, and what support did to it."""
    found = _station(serial)
    return render_template("support/station.html", station=found, commissionings=station_history(found),
                           records=audit_records(subject=found, after=request.args.get("after"),
                                                 before=request.args.get("before")),
                           actions=STATION_ACTIONS if found.status == StationStatus.COMMISSIONED else {})


@bp.route("/stations/<serial>/actions/<action>", methods=["POST"])
@staff_action(back=lambda serial, action: url_for("support.station", serial=serial))
def station_act(serial: str, action: str) -> ResponseReturnValue:
    found = _station(serial)
    return run_action(url_for(".station", serial=found.serial), STATION_ACTIONS, action, found)


@bp.route("/commissionings/<int:commissioning_id>/report.pdf")
def commissioning_report(commissioning_id: int) -> ResponseReturnValue:
    commissioning = db.session.get(Commissioning, commissioning_id)
    stored = report_of(commissioning) if commissioning else None
    if commissioning is None or stored is None:
        abort(404)
    return attachment(stored.pdf, "application/pdf", report_filename(commissioning))


@bp.route("/stations/import", methods=["GET", "POST"])
def station_import() -> ResponseReturnValue:
    """The manufacturer's CSV: valid rows are imported, each bad row is listed with its line and reason."""
    form = StationImportForm()
    report = None
    if form.validate_on_submit():
        if not form.file.data:
            flash(_("Choose a CSV file."), "error")
        else:
            report = import_stations(form.file.data.read().decode("utf-8", errors="replace"))
            db.session.commit()
    return render_template("support/station_import.html", report=report), \
        400 if report is None and request.method == "POST" else 200


@bp.route("/stations/check-photo", methods=["GET", "POST"])
def station_photo_check() -> ResponseReturnValue:
    """The same check as `flask stations decode-qr`, for photos installers send in."""
    form = PhotoCheckForm()
    found = problem = None
    if form.validate_on_submit():
        if not form.photo.data:
            problem = _("Choose or take a photo.")
        else:
            try:
                found = station_in_photo(form.photo.data.read())
            except Refusal as error:
                problem = error.message
    return render_template("support/station_photo_check.html", station=found, problem=problem), \
        400 if problem else 200


@bp.route("/stations/<serial>/label.png")
def station_label(serial: str) -> ResponseReturnValue:
    found = _station(serial)
    return attachment(label_png(found), "image/png", f"label-{found.serial}.png")
