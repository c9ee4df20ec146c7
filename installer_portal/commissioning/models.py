"""One installer commissioning one station: the wizard's saved answers, its photos and its report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Model, enum_type, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

from ..accounts.models import User
from ..stations.models import Station
from .rules import Circuit, Earthing, Measurement, Result, Values, charging_power_kw, results


class CommissioningStatus(LabelledEnum):
    """Where one installer's commissioning of one station is.

    - ``draft``: the wizard is under way; every step is saved as it is submitted.
    - ``completed``: confirmed; the station became commissioned by this installer.
    - ``superseded``: another installer commissioned the station first; this draft is closed.
    """

    # Translators: status of a commissioning: the installer is still filling in the wizard.
    DRAFT = "draft", _l("In progress")
    COMPLETED = "completed", _l("Commissioned")
    SUPERSEDED = "superseded", _l("Commissioned by someone else")


class Commissioning(Model):
    """One installer commissioning one station: the wizard's saved answers, then the record of it.

    PII: the site address and GPS position (a private driveway is someone's home).
    """

    __tablename__ = "commissionings"
    __table_args__ = (
        # One draft per installer and station: opening the station twice resumes the same one.
        Index("uq_commissionings_draft", "station_id", "installer_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
        # "My stations" a page at a time (commissioning.services.commissionings_of), each page a range scan:
        # the drafts, then the others, newest first.
        Index("ix_commissionings_installer_status", "installer_id", "status", "updated_at", "id"),
        Index("ix_commissionings_installer_updated", "installer_id", "updated_at", "id"),
        # A person's commissionings on their console page, newest first (keyset pages).
        Index("ix_commissionings_installer_started", "installer_id", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    installer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CommissioningStatus] = mapped_column(enum_type(CommissioningStatus, name="status", length=20),
                                                        default=CommissioningStatus.DRAFT)
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
    #: Europe only, as the next three.
    earthing: Mapped[Earthing | None] = mapped_column(enum_type(Earthing, name="earthing", length=10))
    #: The voltage between phases: 400 (230/400 V with a neutral) or 230 (230 V IT or TT, no neutral).
    supply_v: Mapped[int | None]
    #: The circuit breaker's tripping curve, B or C: with its rating it sets the Zs limit.
    breaker_curve: Mapped[str | None] = mapped_column(String(1))
    rcd_type: Mapped[str | None] = mapped_column(String(20))
    network: Mapped[str | None] = mapped_column(String(20))
    access: Mapped[str | None] = mapped_column(String(20))
    installation_saved_at: Mapped[datetime | None]

    # The tests step (rules.Measurement names these columns): readings in a fixed unit, and checks passed or
    # failed. Only those the region, earthing system and phases require are asked; the others stay None.
    continuity_ohm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    #: At 500 V DC.
    insulation_mohm: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    loop_impedance_ohm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    electrode_ohm: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    double_fault_ohm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    #: At 1 × IΔn (30 mA).
    rcd_trip_ms: Mapped[int | None]
    rcd_trip_ma: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    dc_6ma_ok: Mapped[bool | None]
    phase_rotation_ok: Mapped[bool | None]
    insulation_monitor_ok: Mapped[bool | None]
    ground_fault_ok: Mapped[bool | None]
    #: The test instrument: make, model and serial number, as the installer typed them.
    instrument: Mapped[str | None] = mapped_column(String(120))
    tests_saved_at: Mapped[datetime | None]

    #: The installer's certificate when they confirmed, and until when it was valid.
    certificate_number: Mapped[str | None] = mapped_column(String(20))
    certificate_expires_at: Mapped[datetime | None]

    station: Mapped[Station] = relationship()
    installer: Mapped[User] = relationship()
    photos: Mapped[list[CommissioningPhoto]] = relationship(
        back_populates="commissioning", order_by="CommissioningPhoto.id", cascade="all, delete-orphan")

    @property
    def circuit(self) -> Circuit | None:
        """What decides the tests and their limits; None until the installation step is saved."""
        if self.phases is None or self.rcd_type is None or self.breaker_a is None:
            return None
        return Circuit(self.installer.region, self.phases, self.rcd_type, self.breaker_a, self.earthing,
                       self.breaker_curve)

    @property
    def measurements(self) -> Values:
        return {measurement: getattr(self, measurement.value) for measurement in Measurement}

    @property
    def results(self) -> list[Result]:
        """The measurements the circuit requires as recorded, each judged (none before the installation)."""
        circuit = self.circuit
        return results(circuit, self.measurements) if circuit else []

    @property
    def power_kw(self) -> Decimal | None:
        """The most the station draws at its maximum current; known where the supply voltage is (Europe)."""
        if self.supply_v is None or self.phases is None or self.max_current_a is None:
            return None
        return charging_power_kw(self.phases, self.supply_v, self.max_current_a)


class PhotoKind(LabelledEnum):
    """What a commissioning photo shows."""

    STATION = "station", _l("The installed charging station")
    LABEL = "label", _l("The station's label")
    BREAKER = "breaker", _l("The circuit breaker")
    OTHER = "other", _l("Something else")


class CommissioningPhoto(Model):
    """A photo from site, resized and stripped of EXIF (so no GPS or phone details) before it is stored."""

    __tablename__ = "commissioning_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    commissioning_id: Mapped[int] = mapped_column(ForeignKey("commissionings.id"), index=True)
    kind: Mapped[PhotoKind] = mapped_column(enum_type(PhotoKind, name="kind", length=20))
    #: Deferred: lists of photos (the wizard, "My stations") need their kind and size, not their bytes.
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: A THUMBNAIL_SIDE JPEG for the lists, made when the photo is stored (on first showing for older photos).
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commissioning: Mapped[Commissioning] = relationship(back_populates="photos")


class CommissioningReport(Model):
    """The commissioning report PDF, rendered once at confirmation in the installer's language."""

    __tablename__ = "commissioning_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    commissioning_id: Mapped[int] = mapped_column(ForeignKey("commissionings.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(8))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
