"""Commissioning on site: the wizard's steps, "My stations", the done page and the report.

Thin views over commissioning.services: each step validates its form, calls one service and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from core.database import begin_writing, db
from core.downloads import attachment
from core.errors import Refusal
from core.forms import Form, show_error
from core.i18n import _
from core.photos import PHOTO_SIDE

from ...commissioning.forms import InstallationForm, LocationForm, PhotoForm, tests_form
from ...commissioning.models import Commissioning, CommissioningPhoto, CommissioningStatus, PhotoKind
from ...commissioning.report import report_filename, report_of
from ...commissioning.rules import READINGS, choice_labels
from ...commissioning.services import (
    MAX_PHOTOS,
    Installation,
    Location,
    StationTaken,
    Step,
    add_photo,
    circuit_of,
    commissionings_of,
    confirm_commissioning,
    confirmation_problems,
    next_step,
    photo_thumbnail,
    reachable,
    remove_photo,
    save_installation,
    save_location,
    save_tests,
)
from .blueprint import bp


@bp.route("/stations/")
def mine() -> ResponseReturnValue:
    """A page at a time: a fleet installer has thousands of stations."""
    page = commissionings_of(current_user, request.args.get("after", type=int))
    return render_template("commissioning/mine.html", page=page, first=not request.args.get("after"),
                           next_step=next_step)


def _commissioning(commissioning_id: int) -> Commissioning:
    """The installer's own commissioning (a draft or a completed one); anyone else's is a 404."""
    commissioning = db.session.get(Commissioning, commissioning_id)
    if commissioning is None or commissioning.installer_id != current_user.id:
        abort(404)
    return commissioning


def _step_url(commissioning_id: int, step: Step) -> str:
    return url_for(".step", commissioning_id=commissioning_id, step=step.value)


@bp.route("/commissionings/<int:commissioning_id>/")
def resume(commissioning_id: int) -> ResponseReturnValue:
    commissioning = _commissioning(commissioning_id)
    if commissioning.status == CommissioningStatus.COMPLETED:
        return redirect(url_for(".done", commissioning_id=commissioning_id))
    if commissioning.status != CommissioningStatus.DRAFT:
        return redirect(url_for("station.station", serial=commissioning.station.serial))
    return redirect(_step_url(commissioning_id, next_step(commissioning)))


@bp.route("/commissionings/<int:commissioning_id>/<any(location, installation, tests, photos, review):step>",
          methods=["GET", "POST"])
def step(commissioning_id: int, step: str) -> ResponseReturnValue:
    """Each step is its own page: saved on the server when sent, so back, forward and resuming work."""
    draft = _commissioning(commissioning_id)
    current = Step(step)
    if draft.status == CommissioningStatus.COMPLETED:
        return redirect(url_for(".done", commissioning_id=commissioning_id))
    if draft.status != CommissioningStatus.DRAFT:
        return _taken_redirect(commissioning_id, StationTaken())
    if not reachable(draft, current):
        return redirect(_step_url(commissioning_id, next_step(draft)))
    return _STEPS[current](draft)


def _page(draft: Commissioning, current: Step, status: int = 200, **context: Any) -> ResponseReturnValue:
    return render_template(f"commissioning/step_{current.value}.html", draft=draft, station=draft.station,
                           current=current, steps=[s for s in Step if s != Step.STATION], reachable=reachable,
                           region=draft.installer.region, **context), status


def _run(draft: Commissioning, form: Form, save: Callable[..., object], *args: Any,
         field: str | None = None) -> ResponseReturnValue | None:
    """Run one step's service and commit. A refusal keeps nothing: the form shows why (next to the field it
    names, else `field`), or, when someone else commissioned the station meanwhile, the station page says so."""
    draft_id = draft.id
    try:
        save(draft, *args)
    except StationTaken as error:
        db.session.rollback()
        return _taken_redirect(draft_id, error)
    except Refusal as error:
        db.session.rollback()
        show_error(form, error.field or field, error.message)
        return None
    db.session.commit()
    return redirect(_step_url(draft_id, next_step(draft)))


def _location(draft: Commissioning) -> ResponseReturnValue:
    form = LocationForm(draft.installer.region, str(get_locale()), obj=draft)
    if form.validate_on_submit():
        location = Location(**{name: form[name].data for name in (
            "site_name", "street", "postal_code", "city", "country", "latitude", "longitude", "accuracy_m")},
            floor=form.floor.data or None, parking_bay=form.parking_bay.data or None)
        done = _run(draft, form, save_location, location)
        if done is not None:
            return done
        draft = _commissioning(draft.id)
    return _page(draft, Step.LOCATION, 400 if request.method == "POST" else 200, form=form)


def _installation(draft: Commissioning) -> ResponseReturnValue:
    form = InstallationForm(draft.installer.region, obj=draft, site_country=draft.country)
    if request.method == "GET":
        form.phases.data = str(draft.phases) if draft.phases else None
        if "supply_v" in form:
            form.supply_v.data = str(draft.supply_v) if draft.supply_v else None
    if form.validate_on_submit():
        europe = "earthing" in form
        installation = Installation(
            breaker_a=form.breaker_a.data, max_current_a=form.max_current_a.data, phases=int(form.phases.data),
            rcd_type=form.rcd_type.data, network=form.network.data, access=form.access.data,
            earthing=form.earthing.data if europe else None,
            supply_v=int(form.supply_v.data) if europe else None,
            breaker_curve=form.breaker_curve.data if europe else None)
        done = _run(draft, form, save_installation, installation)
        if done is not None:
            return done
        draft = _commissioning(draft.id)
    return _page(draft, Step.INSTALLATION, 400 if request.method == "POST" else 200, form=form)


def _tests(draft: Commissioning) -> ResponseReturnValue:
    """The measurements the circuit requires; failing ones are kept, and the review step says why they stop
    the confirmation."""
    form = tests_form(circuit_of(draft), obj=draft)
    if request.method == "GET":
        for measurement in form.measurements:
            value = getattr(draft, measurement.value)
            if measurement not in READINGS and value is not None:
                form[measurement.value].data = "pass" if value else "fail"
    if form.validate_on_submit():
        values = {measurement: form[measurement.value].data if measurement in READINGS
                  else form[measurement.value].data == "pass" for measurement in form.measurements}
        done = _run(draft, form, save_tests, values, form.instrument.data)
        if done is not None:
            return done
        draft = _commissioning(draft.id)
    return _page(draft, Step.TESTS, 400 if request.method == "POST" else 200, form=form)


def _photos(draft: Commissioning) -> ResponseReturnValue:
    """Photos are added one by one (small uploads on a weak connection); continuing needs at least one."""
    form = PhotoForm()
    if request.method == "POST":
        if request.form.get("continue"):
            if draft.photos:
                return redirect(_step_url(draft.id, Step.REVIEW))
            show_error(form, "photo", _("Add at least one photo: the installed charging station."))
        elif form.validate_on_submit():
            done = _run(draft, form, add_photo, PhotoKind(form.kind.data), form.photo.data.read(), field="photo")
            if done is not None:
                flash(_("Photo added."), "success")
                return redirect(_step_url(draft.id, Step.PHOTOS))
            draft = _commissioning(draft.id)
    return _page(draft, Step.PHOTOS, 400 if form.errors else 200, form=form, max_photos=MAX_PHOTOS,
                 photo_side=PHOTO_SIDE)


def _review(draft: Commissioning) -> ResponseReturnValue:
    if request.method == "POST":
        draft_id = draft.id
        try:
            confirm_commissioning(draft, current_user._get_current_object())
        except StationTaken as error:
            db.session.rollback()
            if _commissioning(draft_id).status == CommissioningStatus.COMPLETED:
                # A double tap: the first one went through.
                return redirect(url_for(".done", commissioning_id=draft_id))
            return _taken_redirect(draft_id, error)
        except Refusal as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(_step_url(draft_id, Step.REVIEW))
        db.session.commit()
        return redirect(url_for(".done", commissioning_id=draft_id))
    return _page(draft, Step.REVIEW, 200, problems=confirmation_problems(draft),
                 **choice_labels(draft.installer.region))


_STEPS = {Step.LOCATION: _location, Step.INSTALLATION: _installation, Step.TESTS: _tests, Step.PHOTOS: _photos,
          Step.REVIEW: _review}


@bp.route("/commissionings/<int:commissioning_id>/photos/<int:photo_id>/remove", methods=["POST"])
def remove(commissioning_id: int, photo_id: int) -> ResponseReturnValue:
    draft = _commissioning(commissioning_id)
    try:
        remove_photo(draft, photo_id)
    except StationTaken as error:
        db.session.rollback()
        return _taken_redirect(commissioning_id, error)
    db.session.commit()
    return redirect(_step_url(commissioning_id, Step.PHOTOS))


def _taken_redirect(commissioning_id: int, error: Refusal) -> ResponseReturnValue:
    """Someone else commissioned the station: the station page says so."""
    flash(error.message, "error")
    return redirect(url_for("station.station", serial=_commissioning(commissioning_id).station.serial))


def _photo(commissioning_id: int, photo_id: int) -> CommissioningPhoto:
    for stored in _commissioning(commissioning_id).photos:
        if stored.id == photo_id:
            return stored
    abort(404)


# Neither is cached like lesson media: a site photo may show someone's home, and the phone may be shared
# (personal responses get `no-store`, web.headers).
@bp.route("/commissionings/<int:commissioning_id>/photos/<int:photo_id>.jpg")
def photo(commissioning_id: int, photo_id: int) -> ResponseReturnValue:
    return Response(_photo(commissioning_id, photo_id).jpeg, mimetype="image/jpeg")


@bp.route("/commissionings/<int:commissioning_id>/photos/<int:photo_id>/small.jpg")
def thumbnail(commissioning_id: int, photo_id: int) -> ResponseReturnValue:
    """A GET that may write: an older photo's thumbnail is made once and kept (never only in memory)."""
    stored = _photo(commissioning_id, photo_id)
    if stored.thumbnail is None:
        begin_writing()  # SQLite: hold the write lock from the read on, not upgrade to it midway
        stored = _photo(commissioning_id, photo_id)
    jpeg = photo_thumbnail(stored)
    db.session.commit()
    return Response(jpeg, mimetype="image/jpeg")


@bp.route("/commissionings/<int:commissioning_id>/done")
def done(commissioning_id: int) -> ResponseReturnValue:
    commissioning = _commissioning(commissioning_id)
    if commissioning.status != CommissioningStatus.COMPLETED:
        return redirect(url_for(".resume", commissioning_id=commissioning_id))
    return render_template("commissioning/done.html", commissioning=commissioning, station=commissioning.station)


@bp.route("/commissionings/<int:commissioning_id>/report.pdf")
def report(commissioning_id: int) -> ResponseReturnValue:
    commissioning = _commissioning(commissioning_id)
    stored = report_of(commissioning) if commissioning.status == CommissioningStatus.COMPLETED else None
    if stored is None:
        abort(404)
    return attachment(stored.pdf, "application/pdf", report_filename(commissioning))
