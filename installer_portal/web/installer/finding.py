"""Finding the station an installer stands at: by the in-page scanner, a photo, or its MAC address."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.errors import Refusal
from core.forms import show_error
from core.photos import PHOTO_SIDE

from ...extensions import configured_limit, limiter
from ...stations.finding import FindError, FindProblem, station_for_code, station_for_mac, station_in_photo
from ...stations.forms import CodeForm, MacForm, PhotoFindForm
from ...stations.models import Station
from .blueprint import bp


def _find_limit() -> Callable:
    """Per installer: enough finding for a day's work, not for guessing MAC addresses."""
    return limiter.limit(configured_limit("LIMIT_STATION_FIND"),
                         key_func=lambda: f"find:{getattr(current_user, 'id', 0)}")


def _find_page(status: int = 200, *, mac_form: MacForm | None = None, photo_form: PhotoFindForm | None = None,
               problem: str | None = None, suggestions: Sequence[Station] = ()) -> ResponseReturnValue:
    return render_template("commissioning/find.html", mac_form=mac_form or MacForm(formdata=None),
                           photo_form=photo_form or PhotoFindForm(formdata=None), problem=problem,
                           suggestions=suggestions, photo_side=PHOTO_SIDE), status


def _found(station: Station) -> ResponseReturnValue:
    return redirect(url_for("station.station", serial=station.serial))


@bp.route("/stations/find")
def find() -> ResponseReturnValue:
    return _find_page()


@bp.route("/stations/find/code", methods=["POST"])
@_find_limit()
def find_by_code() -> ResponseReturnValue:
    """What the in-page scanner read."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _find_page(400, problem=FindProblem.NOT_A_STATION_CODE.label)
    try:
        return _found(station_for_code(form.code.data))
    except Refusal as error:
        return _find_page(400, problem=error.message)


@bp.route("/stations/find/photo", methods=["POST"])
@_find_limit()
def find_by_photo() -> ResponseReturnValue:
    form = PhotoFindForm()
    if not form.validate_on_submit():
        return _find_page(400, photo_form=form)
    try:
        return _found(station_in_photo(form.photo.data.read()))
    except Refusal as error:
        show_error(form, "photo", error.message)
        return _find_page(400, photo_form=form)


@bp.route("/stations/find/mac", methods=["POST"])
@_find_limit()
def find_by_mac() -> ResponseReturnValue:
    form = MacForm()
    if not form.validate_on_submit():
        return _find_page(400, mac_form=form)
    try:
        return _found(station_for_mac(form.mac.data))
    except FindError as error:
        show_error(form, "mac", error.message)
        return _find_page(400, mac_form=form, suggestions=error.suggestions)
