"""Commissioning a station on site: the wizard's steps and the one confirmation that commissions it.

Every step is saved as it is submitted, so a dropped connection or a closed tab loses nothing.
The station becomes commissioned once, by a conditional UPDATE: of two installers confirming the
same station at the same moment, one wins and the other is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import joinedload, selectinload

from core.database import changed_rows, db, get_or_create, utcnow
from core.enums import LabelledEnum
from core.errors import Refusal
from core.i18n import _l
from core.mail.services import queue_mail
from core.photos import PHOTO_SIDE, THUMBNAIL_SIDE, open_photo, photo_slot, shrink
from lms import api as lms

from ..accounts.models import Role, User
from ..markets import Region
from ..stations.models import Station, StationStatus
from .models import Commissioning, CommissioningPhoto, CommissioningStatus, PhotoKind
from .report import report_filename, store_report
from .rules import (
    ACCESS,
    BREAKER_CURVES,
    NETWORKS,
    RCD_TYPES,
    READINGS,
    SUPPLIES,
    Circuit,
    Earthing,
    Measurement,
    Values,
    current_problem,
    measurement_problems,
    position_problem,
    required_measurements,
    supply_problem,
)

MAX_PHOTOS = 5


class Step(LabelledEnum):
    """The wizard's steps, in order. The station step is the station page itself (/s/<serial>)."""

    STATION = "station", _l("Station")
    LOCATION = "location", _l("Location")
    INSTALLATION = "installation", _l("Installation")
    TESTS = "tests", _l("Tests")
    PHOTOS = "photos", _l("Photos")
    REVIEW = "review", _l("Review and confirm")


class CommissioningError(Refusal):
    """A commissioning rule said no."""


class StationTaken(CommissioningError):
    """Someone else commissioned the station (first, or while this draft was open)."""

    def __init__(self) -> None:
        super().__init__(_l("This charging station has already been commissioned by another installer. "
                            "If that is wrong, contact support."), code="station_taken")


@dataclass
class Eligibility:
    """Whether a person may commission stations now: the reasons they may not, or the certificate they hold."""

    reasons: list[str]
    certificate: lms.Certificate | None


def eligibility(user: User, now: datetime | None = None) -> Eligibility:
    now = now or utcnow()
    reasons = []
    if not user.has_role(Role.INSTALLER):
        reasons.append(str(_l("You don't have an installer account. It is set up from the invitation we email "
                              "when you pass the certification course.")))
    certificate = lms.valid_certificate(user.id, now)
    if certificate is None:
        latest = next(iter(lms.certificates_of(user.id)), None)
        if latest is None:
            reasons.append(str(_l("You are not certified yet. Pass the certification course first.")))
        elif latest.status(now) == lms.CertificateStatus.REVOKED:
            reasons.append(str(_l("Your certificate was revoked. Contact support.")))
        else:
            reasons.append(str(_l("Your certificate has expired. Take the course again to renew it.")))
    return Eligibility(reasons, certificate)


def commissioning_blockers(user: User, now: datetime | None = None) -> list[str]:
    """Why this person may not commission stations now (empty when they may)."""
    return eligibility(user, now).reasons


def _require_eligible(user: User) -> lms.Certificate:
    """The certificate that makes `user` eligible; refused with the first reason when they are not."""
    found = eligibility(user)
    if found.reasons or found.certificate is None:
        raise CommissioningError(found.reasons[0])
    return found.certificate


def open_draft(user: User, station: Station) -> Commissioning | None:
    return db.session.scalar(select(Commissioning).where(
        Commissioning.station_id == station.id, Commissioning.installer_id == user.id,
        Commissioning.status == CommissioningStatus.DRAFT))


def start_commissioning(user: User, station: Station) -> Commissioning:
    """The installer's draft for this station: the existing one, or a new one (never two).

    :raises CommissioningError: the person may not commission stations; StationTaken: it is commissioned.
    """
    _require_eligible(user)
    if station.status == StationStatus.COMMISSIONED:
        raise StationTaken()
    draft, _created = get_or_create(Commissioning, {"station_id": station.id, "installer_id": user.id,
                                                    "status": CommissioningStatus.DRAFT}, country=user.country)
    return draft


def _check_open(draft: Commissioning) -> None:
    """A step may only change an open draft of a station nobody has commissioned since."""
    if draft.status != CommissioningStatus.DRAFT or (
            draft.station.status == StationStatus.COMMISSIONED and draft.station.installer_id != draft.installer_id):
        raise StationTaken()


def next_step(draft: Commissioning) -> Step:
    """The first step not yet done: where "continue" takes the installer."""
    if draft.location_saved_at is None:
        return Step.LOCATION
    if draft.installation_saved_at is None or (
            draft.installer.region == Region.EUROPE and (draft.breaker_curve is None or draft.supply_v is None)):
        # Drafts saved before the curve and the supply voltage were asked need them for the tests' limits.
        return Step.INSTALLATION
    if draft.tests_saved_at is None:
        return Step.TESTS
    if not draft.photos:
        return Step.PHOTOS
    return Step.REVIEW


def reachable(draft: Commissioning, step: Step) -> bool:
    order = list(Step)
    return order.index(step) <= order.index(next_step(draft))


@dataclass
class Location:
    site_name: str
    street: str
    postal_code: str
    city: str
    country: str
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None
    floor: str | None = None
    parking_bay: str | None = None


def save_location(draft: Commissioning, location: Location) -> None:
    """:raises CommissioningError: a country outside the region, or no usable position; StationTaken."""
    _check_open(draft)
    if location.country not in draft.installer.region.countries:
        raise CommissioningError(_l("Choose a country in your region."), "country")
    problem = position_problem(location.latitude, location.longitude)
    if problem:
        raise CommissioningError(problem, "latitude")
    for name, value in vars(location).items():
        setattr(draft, name, value)
    draft.location_saved_at = draft.updated_at = utcnow()
    db.session.flush()


@dataclass
class Installation:
    breaker_a: int
    max_current_a: int
    phases: int
    rcd_type: str
    network: str
    access: str
    earthing: str | None = None
    supply_v: int | None = None
    breaker_curve: str | None = None


def save_installation(draft: Commissioning, installation: Installation) -> None:
    """:raises CommissioningError: a current the breaker does not allow, or a choice not offered; StationTaken."""
    _check_open(draft)
    region = draft.installer.region
    problem = current_problem(region, installation.breaker_a, installation.max_current_a)
    if problem:
        raise CommissioningError(problem, "max_current_a")
    if installation.phases not in (1, 3):
        raise CommissioningError(_l("Choose 1 or 3 phases."), "phases")
    if installation.rcd_type not in RCD_TYPES[region]:
        raise CommissioningError(_l("Choose the residual-current protection."), "rcd_type")
    if region == Region.EUROPE:
        if installation.earthing not in set(Earthing):
            raise CommissioningError(_l("Choose the earthing system."), "earthing")
        if installation.supply_v not in SUPPLIES:
            raise CommissioningError(_l("Choose the supply voltage."), "supply_v")
        problem = supply_problem(installation.earthing, installation.supply_v)
        if problem:
            raise CommissioningError(problem, "supply_v")
        if installation.breaker_curve not in BREAKER_CURVES:
            raise CommissioningError(_l("Choose the circuit breaker's curve."), "breaker_curve")
    if installation.network not in NETWORKS:
        raise CommissioningError(_l("Choose the network."), "network")
    if installation.access not in ACCESS:
        raise CommissioningError(_l("Choose the access."), "access")
    europe_only = {"earthing", "supply_v", "breaker_curve"}
    for name, value in vars(installation).items():
        setattr(draft, name, value if region == Region.EUROPE or name not in europe_only else None)
    draft.installation_saved_at = draft.updated_at = utcnow()
    db.session.flush()


def circuit_of(draft: Commissioning) -> Circuit:
    """:raises CommissioningError: the installation step is not saved yet."""
    circuit = draft.circuit
    if circuit is None:
        raise CommissioningError(_l("Save the installation first."))
    return circuit


def save_tests(draft: Commissioning, values: Values, instrument: str) -> None:
    """Record the measurements this circuit requires, failing ones too (confirming then says why not).

    :raises CommissioningError: a required one missing or not a plausible reading, no instrument; StationTaken.
    """
    _check_open(draft)
    required = required_measurements(circuit_of(draft))
    for measurement in required:
        value = values.get(measurement)
        if value is None:
            raise CommissioningError(_l("This field is required."), measurement.value)
        reading = READINGS.get(measurement)
        if reading and (isinstance(value, bool) or not 0 <= value <= reading.maximum):
            raise CommissioningError(_l("Give a reading from 0 to %(max)s %(unit)s.", max=reading.maximum,
                                        unit=reading.unit), measurement.value)
    if not instrument.strip():
        raise CommissioningError(_l("Give the instrument's make, model and serial number."), "instrument")
    for measurement in Measurement:
        setattr(draft, measurement.value, values.get(measurement) if measurement in required else None)
    draft.instrument = instrument.strip()
    draft.tests_saved_at = draft.updated_at = utcnow()
    db.session.flush()


class MeasurementsFail(CommissioningError):
    """A required measurement is missing or fails its requirement: `reasons` says which and why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(_l("The commissioning cannot be confirmed: %(reasons)s", reasons=" ".join(reasons)),
                         "tests", code="measurements")
        self.reasons = reasons


def confirmation_problems(draft: Commissioning) -> list[str]:
    """Why the measurements do not allow confirming this draft (empty when they do)."""
    return measurement_problems(circuit_of(draft), draft.measurements)


def add_photo(draft: Commissioning, kind: PhotoKind, data: bytes) -> CommissioningPhoto:
    """Store a photo from site, resized and without EXIF.

    :raises CommissioningError: five photos already; PhotoError: not a usable photo; StationTaken.
    """
    _check_open(draft)
    if len(draft.photos) >= MAX_PHOTOS:
        raise CommissioningError(_l("You have added %(count)s photos, the most there can be. Remove one first.",
                                    count=MAX_PHOTOS), "photo")
    with photo_slot():
        image = open_photo(data)
        jpeg = shrink(image, PHOTO_SIDE)
        thumbnail = shrink(image, THUMBNAIL_SIDE)
    scale = min(1.0, PHOTO_SIDE / max(image.size))
    photo = CommissioningPhoto(kind=kind, jpeg=jpeg, thumbnail=thumbnail, width=round(image.width * scale),
                               height=round(image.height * scale))
    draft.photos.append(photo)
    draft.updated_at = utcnow()
    db.session.flush()
    return photo


def photo_thumbnail(photo: CommissioningPhoto) -> bytes:
    """The photo's thumbnail; one stored before thumbnails were made gets it now, kept for the next time."""
    if photo.thumbnail is None:
        with photo_slot():
            photo.thumbnail = shrink(open_photo(photo.jpeg), THUMBNAIL_SIDE)
        db.session.flush()
    return photo.thumbnail


def remove_photo(draft: Commissioning, photo_id: int) -> None:
    """:raises StationTaken: the draft is closed."""
    _check_open(draft)
    for photo in draft.photos:
        if photo.id == photo_id:
            draft.photos.remove(photo)
            draft.updated_at = utcnow()
            db.session.flush()
            return


def confirm_commissioning(draft: Commissioning, user: User) -> Commissioning:
    """Commission the station: once, by one installer with a valid certificate; then the report, by email.

    Confirming a draft that is already completed (a double tap) returns it unchanged.
    :raises CommissioningError: someone else's draft, steps not done, no longer eligible; MeasurementsFail: a
        required measurement missing or failing; StationTaken.
    """
    if draft.installer_id != user.id:
        raise CommissioningError(_l("This commissioning belongs to another installer."))
    if draft.status == CommissioningStatus.COMPLETED:
        return draft
    _check_open(draft)
    certificate = _require_eligible(user)
    if next_step(draft) != Step.REVIEW:
        raise CommissioningError(_l("Some steps are not done yet."))
    problems = confirmation_problems(draft)
    if problems:
        raise MeasurementsFail(problems)
    now = utcnow()
    taken = changed_rows(
        update(Station).where(Station.id == draft.station_id, Station.status != StationStatus.COMMISSIONED)
        .values(status=StationStatus.COMMISSIONED, installer_id=user.id, commissioned_at=now)
        .execution_options(synchronize_session=False))
    if taken != 1:
        raise StationTaken()
    closed = changed_rows(
        update(Commissioning).where(Commissioning.id == draft.id, Commissioning.status == CommissioningStatus.DRAFT)
        .values(status=CommissioningStatus.COMPLETED, completed_at=now, updated_at=now,
                certificate_number=certificate.number, certificate_expires_at=certificate.expires_at)
        .execution_options(synchronize_session=False))
    if closed != 1:
        raise StationTaken()
    db.session.execute(
        update(Commissioning).where(Commissioning.station_id == draft.station_id, Commissioning.id != draft.id,
                                    Commissioning.status == CommissioningStatus.DRAFT)
        .values(status=CommissioningStatus.SUPERSEDED, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(draft)
    db.session.refresh(draft.station)
    report = store_report(draft, user.locale)
    queue_mail(user.email, "commissioning_report", user.format_locale, user_id=user.id, zone=user.zone,
               pdf=(report_filename(draft), report.pdf), commissioning=draft, person=user)
    return draft


#: Rows on one page of "My stations": a day's work at a glance, a small page on a weak connection.
PAGE_SIZE = 25


@dataclass
class MinePage:
    """One page of "My stations": its rows and the id to continue after (None on the last page)."""

    rows: list[Commissioning]
    after: int | None


def _listed(user: User, drafts: bool, cursor: Commissioning | None, limit: int) -> list[Commissioning]:
    """Up to `limit` of the installer's drafts (or the others) after `cursor`, newest first, in one query.

    A range scan of ix_commissionings_installer_status or ix_commissionings_installer_updated (keyset, not OFFSET);
    the drafts' photos come in one more query, because next_step needs them."""
    query = (select(Commissioning).where(Commissioning.installer_id == user.id)
             .where((Commissioning.status == CommissioningStatus.DRAFT) if drafts
                    else (Commissioning.status != CommissioningStatus.DRAFT))
             .options(joinedload(Commissioning.station))
             .order_by(Commissioning.updated_at.desc(), Commissioning.id.desc()).limit(limit))
    if drafts:
        query = query.options(selectinload(Commissioning.photos))
    if cursor is not None:
        query = query.where(tuple_(Commissioning.updated_at, Commissioning.id) < (cursor.updated_at, cursor.id))
    return list(db.session.scalars(query).unique())


def commissionings_of(user: User, after: int | None = None, size: int = PAGE_SIZE) -> MinePage:
    """One page of the installer's commissionings: open drafts first, then the others newest first.

    `after` is the last row of the previous page; one that is not the installer's starts at the beginning.
    A fleet installer has thousands of stations, so each page reads only its own rows.
    """
    # An id out of the column's range would be a database error on PostgreSQL, not a row.
    cursor = db.session.get(Commissioning, after) if after and 0 < after < 2**31 else None
    if cursor is not None and cursor.installer_id != user.id:
        cursor = None
    rows: list[Commissioning] = []
    if cursor is None or cursor.status == CommissioningStatus.DRAFT:
        rows = _listed(user, True, cursor, size + 1)
        cursor = None
    if len(rows) <= size:
        rows += _listed(user, False, cursor, size + 1 - len(rows))
    return MinePage(rows[:size], rows[size - 1].id if len(rows) > size else None)


def completed_commissioning(station: Station) -> Commissioning | None:
    """The station's latest completed commissioning (there is one per time it was commissioned)."""
    return db.session.scalar(select(Commissioning).where(
        Commissioning.station_id == station.id, Commissioning.status == CommissioningStatus.COMPLETED)
        .order_by(Commissioning.completed_at.desc()).limit(1))


def station_history(station: Station) -> list[Commissioning]:
    """Every commissioning of the station, newest first, with its installer."""
    return list(db.session.scalars(select(Commissioning).where(Commissioning.station_id == station.id)
                                   .options(selectinload(Commissioning.installer))
                                   .order_by(Commissioning.started_at.desc())))
