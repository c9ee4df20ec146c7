"""Stations the portal knows, from the manufacturer's registry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
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
    #: The installer responsible for it: who commissioned it, or whom support transferred it to.
    installer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    commissioned_at: Mapped[datetime | None]

    installer: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return StationStatus(self.status).label


class CommissioningStatus(StrEnum):
    """Where one installer's commissioning of one station is.

    - ``draft``: the wizard is under way; every step is saved as it is submitted.
    - ``completed``: confirmed; the station became commissioned by this installer.
    - ``superseded``: another installer commissioned the station first; this draft is closed.
    """

    DRAFT = "draft"
    COMPLETED = "completed"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return str(_COMMISSIONING_LABELS[self])


_COMMISSIONING_LABELS = {
    CommissioningStatus.DRAFT: _l("In progress"),
    CommissioningStatus.COMPLETED: _l("Commissioned"),
    CommissioningStatus.SUPERSEDED: _l("Commissioned by someone else"),
}


class Commissioning(db.Model):
    """One installer commissioning one station: the wizard's saved answers, then the record of it.

    PII: the site address and GPS position (a private driveway is someone's home).
    """

    __tablename__ = "commissionings"
    __table_args__ = (
        # One draft per installer and station: opening the station twice resumes the same one.
        Index("uq_commissionings_draft", "station_id", "installer_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    installer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[CommissioningStatus] = mapped_column(String(20), default=CommissioningStatus.DRAFT)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    site_name: Mapped[str | None] = mapped_column(String(120))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    #: ISO 3166-1 alpha-2, one of the installer's region's countries.
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: The phone's reported accuracy in metres; None when the position was typed.
    accuracy_m: Mapped[int | None]
    floor: Mapped[str | None] = mapped_column(String(40))
    parking_bay: Mapped[str | None] = mapped_column(String(40))
    location_saved_at: Mapped[datetime | None]

    breaker_a: Mapped[int | None]
    max_current_a: Mapped[int | None]
    phases: Mapped[int | None]
    #: Europe only: TN-S, TN-C-S or TT.
    earthing: Mapped[str | None] = mapped_column(String(10))
    rcd_type: Mapped[str | None] = mapped_column(String(20))
    network: Mapped[str | None] = mapped_column(String(20))
    access: Mapped[str | None] = mapped_column(String(20))
    installation_saved_at: Mapped[datetime | None]

    #: The installer's certificate when they confirmed, and until when it was valid.
    certificate_number: Mapped[str | None] = mapped_column(String(20))
    certificate_expires_at: Mapped[datetime | None]

    station: Mapped[Station] = relationship()
    installer: Mapped[User] = relationship()
    photos: Mapped[list[CommissioningPhoto]] = relationship(
        back_populates="commissioning", order_by="CommissioningPhoto.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return CommissioningStatus(self.status).label


class PhotoKind(StrEnum):
    """What a commissioning photo shows."""

    STATION = "station"
    LABEL = "label"
    BREAKER = "breaker"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(_PHOTO_LABELS[self])


_PHOTO_LABELS = {
    PhotoKind.STATION: _l("The installed charging station"),
    PhotoKind.LABEL: _l("The station's label"),
    PhotoKind.BREAKER: _l("The circuit breaker"),
    PhotoKind.OTHER: _l("Something else"),
}


class CommissioningPhoto(db.Model):
    """A photo from site, resized and stripped of EXIF (so no GPS or phone details) before it is stored."""

    __tablename__ = "commissioning_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    commissioning_id: Mapped[int] = mapped_column(ForeignKey("commissionings.id"), index=True)
    kind: Mapped[PhotoKind] = mapped_column(String(20))
    #: Deferred: lists of photos (the wizard, "My stations") need their kind and size, not their bytes.
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commissioning: Mapped[Commissioning] = relationship(back_populates="photos")

    @property
    def kind_label(self) -> str:
        return PhotoKind(self.kind).label


class CommissioningReport(db.Model):
    """The commissioning report PDF, rendered once at confirmation in the installer's language."""

    __tablename__ = "commissioning_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    commissioning_id: Mapped[int] = mapped_column(ForeignKey("commissionings.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(8))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
