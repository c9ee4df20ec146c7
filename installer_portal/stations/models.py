"""Stations the product knows, from the manufacturer's registry."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, func
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.database import Model, enum_type, trigram_index, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

from ..accounts.models import User

#: A serial number as the registry keeps it: letters, digits and . _ - (no "/": a serial is a path segment of
#: the station page's URL, which every label prints).
SERIAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{2,39}")


class StationStatus(LabelledEnum):
    """Where a station is in its life.

    - ``in_stock``: registered, not yet commissioned.
    - ``commissioned``: an installer commissioned it.
    - ``decommissioned``: taken out of service by support.
    """

    IN_STOCK = "in_stock", _l("In stock")
    COMMISSIONED = "commissioned", _l("Commissioned")
    DECOMMISSIONED = "decommissioned", _l("Decommissioned")


class Station(Model):
    """A charging station, identified by its serial number and its MAC address (both unique)."""

    __tablename__ = "stations"
    __table_args__ = (
        # The support list, newest first; a person's stations, newest commissioned first (keyset pages).
        Index("ix_stations_created_at_id", "created_at", "id"),
        Index("ix_stations_installer_id", "installer_id", "commissioned_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    #: Upper case with colons: 00:1A:2B:3C:4D:5E (stations.mac.normalize_mac).
    mac: Mapped[str] = mapped_column(String(17), unique=True)
    model: Mapped[str] = mapped_column(String(100))
    rated_power_kw: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    connectors: Mapped[int]
    manufactured_on: Mapped[date]
    status: Mapped[StationStatus] = mapped_column(enum_type(StationStatus, name="status", length=20),
                                                  default=StationStatus.IN_STOCK)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The installer responsible for it: who commissioned it, or whom support transferred it to.
    installer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    commissioned_at: Mapped[datetime | None]

    installer: Mapped[User | None] = relationship()


class LabelBatchStatus(LabelledEnum):
    """Where a label sheet is.

    - ``queued``: asked for; a job worker will render it.
    - ``rendering``: a worker claimed it and renders it part by part (`LabelBatch.done` counts the labels).
    - ``ready``: the PDF is stored and can be downloaded.
    - ``failed``: rendering stopped (`LabelBatch.error` says why); staff can try again.
    """

    QUEUED = "queued", _l("Waiting to be rendered")
    RENDERING = "rendering", _l("Rendering")
    READY = "ready", _l("Ready")
    FAILED = "failed", _l("Failed")


class LabelBatch(Model):
    """A label sheet a staff member asked for: rendered by a job worker, not in the request, and kept here when done,
    so that any app server can hand out the download."""

    __tablename__ = "label_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The stations' ids in print order, as chosen (or as the console's filter listed them) when it was asked for.
    station_ids: Mapped[list[int]] = mapped_column(JSON)
    #: A key of stations.labels.PAPER_SIZES.
    paper: Mapped[str] = mapped_column(String(10))
    #: The language the sheet is printed in: the requester's when asking (a worker has no request to ask).
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[LabelBatchStatus] = mapped_column(enum_type(LabelBatchStatus, name="status", length=20),
                                                     default=LabelBatchStatus.QUEUED)
    #: Labels rendered so far, for the progress shown while rendering.
    done: Mapped[int] = mapped_column(default=0)
    #: When the rendering worker last reported progress: a claim much older than that was left by a worker that died.
    heartbeat_at: Mapped[datetime | None]
    #: Why the last rendering failed, for staff (not translated: an exception's text).
    error: Mapped[str | None] = mapped_column(String(500))
    #: Deferred: the progress page reads the status many times, the PDF only on download.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    finished_at: Mapped[datetime | None]

    @property
    def total(self) -> int:
        return len(self.station_ids)
# The support search: fragments of a serial number, typed in any case.
trigram_index(Station, "ix_stations_serial_trgm", func.lower(Station.serial))
