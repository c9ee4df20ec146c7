"""Commissioning on site: the station page the label's QR code opens, the three ways to find a station,
the wizard and "My stations". Thin views over commissioning.services."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..accounts.regions import Region
from ..commissioning.finding import (
    FindError,
    FindProblem,
    station_by_serial,
    station_for_code,
    station_for_mac,
    station_in_photo,
)
from ..commissioning.forms import CodeForm, InstallationForm, LocationForm, MacForm, PhotoFindForm, PhotoForm
from ..commissioning.models import Commissioning, CommissioningStatus, PhotoKind, StationStatus
from ..commissioning.photos import PhotoError
from ..commissioning.services import (
    MAX_PHOTOS,
    CommissioningError,
    Installation,
    Location,
    StationTaken,
    Step,
    add_photo,
    choice_labels,
    commissioning_blockers,
    commissionings_of,
    completed_commissioning,
    confirm_commissioning,
    next_step,
    open_draft,
    reachable,
    remove_photo,
    report_filename,
    report_of,
    save_installation,
    save_location,
    start_commissioning,
)
from ..database import db
from ..downloads import attachment
from ..extensions import configured_limit, limiter, login_manager
from ..forms import show_error
from ..i18n import _
from .views import bp

station_bp = Blueprint("station", __name__, url_prefix="/s")


def _user():
    return current_user._get_current_object()


def _find_limit():
    return limiter.limit(configured_limit("LIMIT_STATION_FIND"),
                         key_func=lambda: f"find:{getattr(current_user, 'id', 0)}")


@station_bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@station_bp.route("/<serial>", methods=["GET", "POST"])
def station(serial: str):
    """What the phone's camera opens: the station, and whether (and how) this person can commission it."""
    found = station_by_serial(serial)
    if found is None:
        return render_template("commissioning/unknown_station.html", serial=serial[:40]), 404
    user = _user()
    if found.status == StationStatus.COMMISSIONED:
        mine = found.installer_id == user.id
        return render_template("commissioning/station_taken.html", station=found, mine=mine,
                               commissioning=completed_commissioning(found) if mine else None), \
            200 if mine else 409
    blockers = commissioning_blockers(user)
    if blockers:
        return render_template("commissioning/not_eligible.html", station=found, blockers=blockers), 403
    if request.method == "POST":
        try:
            draft = start_commissioning(user, found)
        except CommissioningError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".station", serial=serial))
        db.session.commit()
        return redirect(url_for("installer.step", draft_id=draft.id, step=next_step(draft).value))
    return render_template("commissioning/station.html", station=found, draft=open_draft(user, found),
                           steps=list(Step))


def _find_page(status: int = 200, *, mac_form=None, photo_form=None, problem: str | None = None, suggestions=()):
    return render_template("commissioning/find.html", mac_form=mac_form or MacForm(formdata=None),
                           photo_form=photo_form or PhotoFindForm(formdata=None), problem=problem,
                           suggestions=suggestions), status


@bp.route("/stations/find")
def find():
    return _find_page()


@bp.route("/stations/find/code", methods=["POST"])
@_find_limit()
def find_by_code():
    """What the in-page scanner read."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _find_page(400, problem=FindProblem.NOT_A_STATION_CODE.message)
    try:
        found = station_for_code(form.code.data)
    except FindError as error:
        return _find_page(400, problem=error.message)
    return redirect(url_for("station.station", serial=found.serial))


@bp.route("/stations/find/photo", methods=["POST"])
@_find_limit()
def find_by_photo():
    form = PhotoFindForm()
    if not form.validate_on_submit():
        return _find_page(400, photo_form=form)
    try:
        found = station_in_photo(form.photo.data.read())
    except (PhotoError, FindError) as error:
        show_error(form, "photo", error.message)
        return _find_page(400, photo_form=form)
    return redirect(url_for("station.station", serial=found.serial))


@bp.route("/stations/find/mac", methods=["POST"])
@_find_limit()
def find_by_mac():
    form = MacForm()
    if not form.validate_on_submit():
        return _find_page(400, mac_form=form)
    try:
        found = station_for_mac(form.mac.data)
    except FindError as error:
        show_error(form, "mac", error.message)
        return _find_page(400, mac_form=form, suggestions=error.suggestions)
    return redirect(url_for("station.station", serial=found.serial))


@bp.route("/stations/")
def mine():
    return render_template("commissioning/mine.html", commissionings=commissionings_of(_user()), steps=list(Step),
                           next_step=next_step)


def _draft(draft_id: int) -> Commissioning:
    draft = db.session.get(Commissioning, draft_id)
    if draft is None or draft.installer_id != current_user.id:
        abort(404)
    return draft


@bp.route("/commissionings/<int:draft_id>/")
def resume(draft_id: int):
    draft = _draft(draft_id)
    if draft.status == CommissioningStatus.COMPLETED:
        return redirect(url_for(".done", draft_id=draft.id))
    if draft.status != CommissioningStatus.DRAFT:
        return redirect(url_for("station.station", serial=draft.station.serial))
    return redirect(url_for(".step", draft_id=draft.id, step=next_step(draft).value))


@bp.route("/commissionings/<int:draft_id>/<any(location, installation, photos, review):step>",
          methods=["GET", "POST"])
def step(draft_id: int, step: str):
    """Each step is its own page: saved on the server when sent, so back, forward and resuming work."""
    draft = _draft(draft_id)
    current = Step(step)
    if draft.status != CommissioningStatus.DRAFT:
        if draft.status == CommissioningStatus.COMPLETED:
            return redirect(url_for(".done", draft_id=draft.id))
        return _taken_redirect(draft.id, StationTaken())
    if not reachable(draft, current):
        return redirect(url_for(".step", draft_id=draft.id, step=next_step(draft).value))
    return _STEPS[current](draft)


def _page(draft: Commissioning, current: Step, status: int = 200, **context):
    return render_template(f"commissioning/step_{current.value}.html", draft=draft, station=draft.station,
                           current=current, steps=[s for s in Step if s != Step.STATION], reachable=reachable,
                           region=Region(draft.installer.region), **context), status


def _run(draft: Commissioning, form, save, *args):
    """Run one step's service and commit. A refusal keeps nothing: the form shows why, or, when someone
    else commissioned the station meanwhile, the station page says so."""
    draft_id = draft.id
    try:
        save(draft, *args)
    except StationTaken as error:
        db.session.rollback()
        return _taken_redirect(draft_id, error)
    except CommissioningError as error:
        db.session.rollback()
        show_error(form, error.field, error.message)
        return None
    db.session.commit()
    return redirect(url_for(".step", draft_id=draft_id, step=next_step(draft).value))


def _location(draft: Commissioning):
    form = LocationForm(Region(draft.installer.region), str(get_locale()), obj=draft)
    if form.validate_on_submit():
        location = Location(**{name: form[name].data for name in (
            "site_name", "street", "postal_code", "city", "country", "latitude", "longitude", "accuracy_m")},
            floor=form.floor.data or None, parking_bay=form.parking_bay.data or None)
        done = _run(draft, form, save_location, location)
        if done is not None:
            return done
        draft = _draft(draft.id)
    return _page(draft, Step.LOCATION, 400 if request.method == "POST" else 200, form=form)


def _installation(draft: Commissioning):
    region = Region(draft.installer.region)
    form = InstallationForm(region, obj=draft)
    if request.method == "GET" and draft.phases:
        form.phases.data = str(draft.phases)
    if form.validate_on_submit():
        installation = Installation(
            breaker_a=form.breaker_a.data, max_current_a=form.max_current_a.data, phases=int(form.phases.data),
            rcd_type=form.rcd_type.data, network=form.network.data, access=form.access.data,
            earthing=form.earthing.data if "earthing" in form else None)
        done = _run(draft, form, save_installation, installation)
        if done is not None:
            return done
        draft = _draft(draft.id)
    return _page(draft, Step.INSTALLATION, 400 if request.method == "POST" else 200, form=form)


def _photos(draft: Commissioning):
    """Photos are added one by one (small uploads on a weak connection); continuing needs at least one."""
    form = PhotoForm()
    if request.method == "POST":
        if request.form.get("continue"):
            if draft.photos:
                return redirect(url_for(".step", draft_id=draft.id, step=Step.REVIEW.value))
            show_error(form, "photo", _("Add at least one photo: the installed charging station."))
        elif form.validate_on_submit():
            try:
                done = _run(draft, form, add_photo, PhotoKind(form.kind.data), form.photo.data.read())
            except PhotoError as error:
                db.session.rollback()
                show_error(form, "photo", error.message)
                done = None
            if done is not None:
                flash(_("Photo added."), "success")
                return redirect(url_for(".step", draft_id=draft.id, step=Step.PHOTOS.value))
            draft = _draft(draft.id)
    return _page(draft, Step.PHOTOS, 400 if form.errors else 200, form=form, max_photos=MAX_PHOTOS)


def _review(draft: Commissioning):
    if request.method == "POST":
        draft_id = draft.id
        try:
            confirm_commissioning(draft, _user())
        except StationTaken as error:
            db.session.rollback()
            if db.session.get(Commissioning, draft_id).status == CommissioningStatus.COMPLETED:
                # A double tap: the first one went through.
                return redirect(url_for(".done", draft_id=draft_id))
            return _taken_redirect(draft_id, error)
        except CommissioningError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".step", draft_id=draft_id, step=Step.REVIEW.value))
        db.session.commit()
        return redirect(url_for(".done", draft_id=draft_id))
    return _page(draft, Step.REVIEW, **choice_labels(Region(draft.installer.region)))


_STEPS = {Step.LOCATION: _location, Step.INSTALLATION: _installation, Step.PHOTOS: _photos, Step.REVIEW: _review}


@bp.route("/commissionings/<int:draft_id>/photos/<int:photo_id>/remove", methods=["POST"])
def remove(draft_id: int, photo_id: int):
    draft = _draft(draft_id)
    try:
        remove_photo(draft, photo_id)
    except StationTaken as error:
        db.session.rollback()
        return _taken_redirect(draft_id, error)
    db.session.commit()
    return redirect(url_for(".step", draft_id=draft_id, step=Step.PHOTOS.value))


def _taken_redirect(draft_id: int, error: CommissioningError):
    """Someone else commissioned the station: the station page says so."""
    flash(error.message, "error")
    return redirect(url_for("station.station", serial=db.session.get(Commissioning, draft_id).station.serial))


@bp.route("/commissionings/<int:draft_id>/photos/<int:photo_id>.jpg")
def photo(draft_id: int, photo_id: int):
    draft = _draft(draft_id)
    for stored in draft.photos:
        if stored.id == photo_id:
            return Response(stored.jpeg, mimetype="image/jpeg",
                            headers={"Cache-Control": "private, max-age=31536000, immutable"})
    abort(404)


@bp.route("/commissionings/<int:draft_id>/done")
def done(draft_id: int):
    draft = _draft(draft_id)
    if draft.status != CommissioningStatus.COMPLETED:
        return redirect(url_for(".resume", draft_id=draft_id))
    return render_template("commissioning/done.html", draft=draft, station=draft.station)


@bp.route("/commissionings/<int:draft_id>/report.pdf")
def report(draft_id: int):
    draft = _draft(draft_id)
    stored = report_of(draft) if draft.status == CommissioningStatus.COMPLETED else None
    if stored is None:
        abort(404)
    return attachment(stored.pdf, "application/pdf", report_filename(draft))
