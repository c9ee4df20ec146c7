"""Finding the station an installer stands at: by the in-page scanner, a photo, or its MAC address."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.errors import Refusal
from core.forms import show_error
from core.i18n import _
from core.photos import PHOTO_SIDE

from ...extensions import configured_limit, limiter
from ...stations.finding import (
    FindError,
    FindProblem,
    mac_suggestions,
    station_for_code,
    station_for_mac,
    station_in_photo,
)
from ...stations.forms import CodeForm, MacForm, PhotoFindForm
from ...stations.models import Station
from ..session_keys import MAC_FIND
from .blueprint import bp

#: How long a station found by a typed MAC waits for its serial to be confirmed (then it is a plain visit).
MAC_FIND_SECONDS = 15 * 60


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
    """A QR code carries the serial itself: nothing to confirm, and an earlier MAC find is settled."""
    session.pop(MAC_FIND, None)
    return redirect(url_for("station.station", serial=station.serial))


def _remember_mac_find(mac: str, stations: Sequence[Station]) -> None:
    """In a dense registry most one-character typos of a MAC are another station's: the station page asks for the
    serial on the label first. Kept in the session, which is signed, so the browser cannot change it."""
    session[MAC_FIND] = {"mac": mac, "serials": [station.serial for station in stations], "at": int(time.time())}


def _mac_find(serial: str) -> dict[str, Any] | None:
    """The recent MAC find that reached this station, while its serial is not confirmed."""
    found: dict[str, Any] = session.get(MAC_FIND) or {}
    fresh = time.time() - found.get("at", 0) < MAC_FIND_SECONDS
    return found if fresh and serial in found.get("serials", ()) else None


def serial_to_confirm(serial: str) -> bool:
    """Whether this station was just reached by a typed MAC, and its serial is not confirmed yet."""
    return _mac_find(serial) is not None


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
        found = station_for_mac(form.mac.data)
    except FindError as error:
        _remember_mac_find(form.mac.data, error.suggestions)
        show_error(form, "mac", error.message)
        return _find_page(400, mac_form=form, suggestions=error.suggestions)
    _remember_mac_find(form.mac.data, [found])
    return redirect(url_for("station.station", serial=found.serial))


@bp.route("/stations/find/mac/confirm", methods=["POST"])
def confirm_serial() -> ResponseReturnValue:
    """The installer's answer to "is this the serial on the label?" for a station reached by a typed MAC.

    Yes: the station page, now without the question. No: the other stations one character away from the MAC."""
    serial = request.form.get("serial", "")[:40]
    found = _mac_find(serial)
    if found is None:
        return redirect(url_for(".find"))
    if request.form.get("answer") == "yes":
        session.pop(MAC_FIND)
        return redirect(url_for("station.station", serial=serial))
    others = [station for station in mac_suggestions(found["mac"]) if station.serial != serial]
    _remember_mac_find(found["mac"], others)
    mac_form = MacForm(formdata=None, data={"mac": found["mac"]})
    if not others:
        show_error(mac_form, "mac", _("No other station has a MAC address one character away. Check the MAC "
                                      "address on the label and type it again, or scan the QR code."))
    return _find_page(mac_form=mac_form, suggestions=others,
                      problem=_("Then the MAC address led to another station. Is it one of these? Compare the serial "
                                "number with the label.") if others else None)
