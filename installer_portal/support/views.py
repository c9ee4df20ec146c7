"""The support console: find a person, see where they are stuck, act on it with a reason (staff only)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from lms import api as lms

from ..accounts.models import User
from ..accounts.services import authenticate
from ..audit.models import AuditAction
from ..audit.services import (
    StaffActionError,
    audit_records,
    reissue_invitation,
    resend_confirmation_for,
    restore_installer,
    revoke_certificate_of,
    revoke_installer,
    revoke_invitation,
)
from ..commissioning.finding import FindError, station_by_serial, station_in_photo
from ..commissioning.labels import PAPER_SIZES, label_png, label_sheet_pdf
from ..commissioning.models import Commissioning, Station
from ..commissioning.photos import PhotoError
from ..commissioning.registry import import_stations, registered_stations
from ..commissioning.services import (
    decommission_station,
    report_filename,
    report_of,
    station_history,
    stations_of,
    transfer_station,
)
from ..database import db, utcnow
from ..downloads import attachment
from ..extensions import configured_limit, limiter, login_manager
from ..i18n import _
from ..invitations.models import InstallerAccount
from ..mail.services import outbox_overview, retry_now
from ..navigation import safe_next
from ..people.services import search_people, timeline

bp = Blueprint("support", __name__, url_prefix="/support")

#: Staff actions need a password typed this recently (at login or on the confirm page).
RECENT_LOGIN = timedelta(minutes=15)
AUTHENTICATED_AT = "authenticated_at"

#: Every staff action: (staff, person, reason, **details from the form) -> AuditRecord.
_ACTIONS = {
    AuditAction.RESEND_CONFIRMATION: resend_confirmation_for,
    AuditAction.REISSUE_INVITATION: reissue_invitation,
    AuditAction.REVOKE_INVITATION: revoke_invitation,
    AuditAction.REVOKE_CERTIFICATE: revoke_certificate_of,
    AuditAction.REVOKE_INSTALLER: revoke_installer,
    AuditAction.RESTORE_INSTALLER: restore_installer,
}
#: Form fields an action may use besides the reason.
_DETAILS = ("number", "email")
#: Staff actions on a station: (staff, station, reason, **details) -> AuditRecord.
_STATION_ACTIONS = {
    AuditAction.DECOMMISSION_STATION.value: decommission_station,
    AuditAction.TRANSFER_STATION.value: transfer_station,
}


@bp.before_request
def require_staff():
    """One access check for every console page, so a new page is protected by default."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


def recently_authenticated() -> bool:
    stamp = session.get(AUTHENTICATED_AT)
    return stamp is not None and utcnow().timestamp() - stamp <= RECENT_LOGIN.total_seconds()


@bp.route("/")
def search():
    query = request.args.get("q", "")
    people = search_people(query)
    return render_template("support/search.html", query=query, people=people)


@bp.route("/people/<int:user_id>")
def person(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    has_installer_account = db.session.scalar(
        select(InstallerAccount.id).where(InstallerAccount.user_id == user.id)) is not None
    return render_template("support/person.html", person=user, events=timeline(user),
                           has_installer_account=has_installer_account,
                           certificates=lms.certificates_of(user.id), actions=AuditAction,
                           records=audit_records(subject_id=user.id, limit=20), now=utcnow(),
                           stations=stations_of(user))


@bp.route("/people/<int:user_id>/actions/<action>", methods=["POST"])
def act(user_id: int, action: str):
    user = db.session.get(User, user_id)
    if user is None or action not in _ACTIONS:
        abort(404)
    return _staff_action(url_for(".person", user_id=user_id), _ACTIONS[AuditAction(action)], user, action)


def _staff_action(page: str, service, target, action: str):
    """Every staff action: a password typed recently, the service with the form's reason and details,
    one commit, and a message saying what happened."""
    if not recently_authenticated():
        flash(_("Type your password again before you change someone's account."), "info")
        return redirect(url_for(".confirm_password", next=page))
    try:
        service(current_user._get_current_object(), target, request.form.get("reason", ""),
                **{name: request.form[name] for name in _DETAILS if name in request.form})
    except StaffActionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(page)
    db.session.commit()
    flash(_("Done: %(action)s.", action=AuditAction(action).label), "success")
    return redirect(page)


@bp.route("/confirm-password", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_LOGIN_IP"), methods=["POST"])
def confirm_password():
    target = safe_next(request.args.get("next")) or url_for(".search")
    if request.method == "POST":
        if authenticate(current_user.email, request.form.get("password", "")) is not None:
            session[AUTHENTICATED_AT] = utcnow().timestamp()
            return redirect(target)
        flash(_("The password is not correct."), "error")
    return render_template("support/confirm_password.html"), 400 if request.method == "POST" else 200


@bp.route("/outbox")
def outbox():
    return render_template("support/outbox.html", groups=outbox_overview())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id: int):
    if retry_now(message_id):
        db.session.commit()
        flash(_("The message will be sent again within a minute."), "success")
    else:
        flash(_("This message has already been sent."), "info")
    return redirect(url_for(".outbox"))


@bp.route("/stations")
def stations():
    search = request.args.get("q", "")
    return render_template("support/stations.html", stations=registered_stations(search=search), search=search)


def _station(serial: str) -> Station:
    station = station_by_serial(serial)
    if station is None:
        abort(404)
    return station


@bp.route("/stations/<serial>/")
def station(serial: str):
    """A station's history: who commissioned it, when, and what support did to it."""
    found = _station(serial)
    return render_template("support/station.html", station=found, commissionings=station_history(found),
                           records=audit_records(detail=found.serial), actions=_STATION_ACTIONS)


@bp.route("/stations/<serial>/actions/<action>", methods=["POST"])
def station_act(serial: str, action: str):
    found = _station(serial)
    if action not in _STATION_ACTIONS:
        abort(404)
    return _staff_action(url_for(".station", serial=found.serial), _STATION_ACTIONS[action], found, action)


@bp.route("/commissionings/<int:commissioning_id>/report.pdf")
def commissioning_report(commissioning_id: int):
    commissioning = db.session.get(Commissioning, commissioning_id)
    stored = report_of(commissioning) if commissioning else None
    if stored is None:
        abort(404)
    return attachment(stored.pdf, "application/pdf", report_filename(commissioning))


@bp.route("/stations/import", methods=["GET", "POST"])
def station_import():
    """The manufacturer's CSV: valid rows are imported, each bad row is listed with its line and reason."""
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a CSV file."), "error")
        else:
            report = import_stations(upload.read().decode("utf-8", errors="replace"))
            db.session.commit()
    return render_template("support/station_import.html", report=report), 400 if report is None and \
        request.method == "POST" else 200


@bp.route("/stations/check-photo", methods=["GET", "POST"])
def station_photo_check():
    """The same check as `flask stations decode-qr`, for photos installers send in."""
    found = problem = None
    if request.method == "POST":
        upload = request.files.get("photo")
        if upload is None or not upload.filename:
            problem = _("Choose or take a photo.")
        else:
            try:
                found = station_in_photo(upload.read())
            except (PhotoError, FindError) as error:
                problem = error.message
    return render_template("support/station_photo_check.html", station=found, problem=problem), \
        400 if problem else 200


@bp.route("/stations/<serial>/label.png")
def station_label(serial: str):
    found = _station(serial)
    return attachment(label_png(found), "image/png", f"label-{found.serial}.png")


@bp.route("/stations/labels.pdf")
def station_labels():
    paper = request.args.get("paper", "a4")
    if paper not in PAPER_SIZES:
        abort(404)
    chosen = registered_stations(request.args.getlist("serial"))
    if not chosen:
        flash(_("Choose at least one station."), "error")
        return redirect(url_for(".stations"))
    return attachment(label_sheet_pdf(chosen, paper), "application/pdf", f"station-labels-{paper}.pdf")


@bp.route("/audit")
def audit():
    staff_email = request.args.get("staff", "").strip().lower()
    actor = db.session.scalar(select(User).where(User.email == staff_email)) if staff_email else None
    action = request.args.get("action")
    action = AuditAction(action) if action in set(AuditAction) else None
    records = [] if staff_email and actor is None else audit_records(
        actor_id=actor.id if actor else None, subject_id=request.args.get("person", type=int), action=action)
    return render_template("support/audit.html", records=records, actions=AuditAction, args=request.args)
