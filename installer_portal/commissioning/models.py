"""Stations the portal knows, from the manufacturer's registry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import db, utcnow
from ..i18n import _l


class StationStatus(StrEnum):
    """Where a station is in its life.

    - ``in_stock``: registered, not yet commissioned.
    - ``commissioned``: an installer commissioned it.
    - ``decommissioned``: taken out of service by support.
    """

    IN_STOCK = "in_stock"
    COMMISSIONED = "commissioned"
    DECOMMISSIONED = "decommissioned"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    StationStatus.IN_STOCK: _l("In stock"),
    StationStatus.COMMISSIONED: _l("Commissioned"),
    StationStatus.DECOMMISSIONED: _l("Decommissioned"),
}


class Station(db.Model):
    """A charging station, identified by its serial number and its MAC address (both unique)."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    #: Upper case with colons: 00:1A:2B:3C:4D:5E (commissioning.mac.normalize_mac).
    mac: Mapped[str] = mapped_column(String(17), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    rated_power_kw: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    connectors: Mapped[int]
    manufactured_on: Mapped[date]
    status: Mapped[StationStatus] = mapped_column(String(20), default=StationStatus.IN_STOCK)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def status_label(self) -> str:
        return StationStatus(self.status).label
