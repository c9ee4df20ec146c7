"""A station's life after the registry: who is responsible for it, taking it out of service, handing it over."""

from __future__ import annotations

from sqlalchemy import select

from core.database import db
from core.errors import Refusal
from core.i18n import _l

from ..accounts.models import Role, User
from .models import Station, StationStatus


class StationError(Refusal):
    """A rule about a station's life said no."""


def station_by_serial(serial: str) -> Station | None:
    return db.session.scalar(select(Station).where(Station.serial == serial))


def decommission_station(station: Station) -> None:
    """Take a commissioned station out of service; it can be commissioned again later (e.g. at a new site).

    :raises StationError: the station is not commissioned.
    """
    if station.status != StationStatus.COMMISSIONED or station.installer is None:
        raise StationError(_l("Only a commissioned station can be decommissioned."))
    station.status = StationStatus.DECOMMISSIONED
    db.session.flush()


def transfer_station(station: Station, to: User | None) -> None:
    """Make another installer responsible for a commissioned station (e.g. they took over the site).

    :raises StationError: the station is not commissioned, `to` is not an installer, or already responsible.
    """
    if station.status != StationStatus.COMMISSIONED:
        raise StationError(_l("Only a commissioned station can be transferred."))
    if to is None or not to.has_role(Role.INSTALLER):
        raise StationError(_l("No installer has this email address."), "email")
    if to.id == station.installer_id:
        raise StationError(_l("This installer is already responsible for the station."), "email")
    station.installer_id = to.id
    db.session.flush()
    db.session.expire(station, ["installer"])
