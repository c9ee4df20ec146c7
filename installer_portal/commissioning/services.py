"""Commissioning a station on site: the wizard's steps, the rules, the confirmation and the report.

Every step is saved as it is submitted, so a dropped connection or a closed tab loses nothing.
The station becomes commissioned once, by a conditional UPDATE: of two installers confirming the
same station at the same moment, one wins and the other is told.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from lms import api as lms

from ..accounts.models import Role, User
from ..accounts.regions import Region
from ..audit.models import AuditAction, AuditRecord
from ..audit.services import StaffActionError, check_staff_action, record_staff_action
from ..database import db, get_or_create, utcnow
from ..i18n import _l
from ..mail.services import queue_mail
from ..pdf import render_pdf
from .models import (
    Commissioning,
    CommissioningPhoto,
    CommissioningReport,
    CommissioningStatus,
    PhotoKind,
    Station,
    StationStatus,
)
from .photos import open_photo, shrink

MAX_PHOTOS = 5
#: Stored photos are resized so that their longest side is at most this many pixels.
PHOTO_SIDE = 1600


class Step(StrEnum):
    """The wizard's steps, in order. The station step is the station page itself (/s/<serial>)."""

    STATION = "station"
    LOCATION = "location"
    INSTALLATION = "installation"
    PHOTOS = "photos"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return str(_STEP_LABELS[self])


_STEP_LABELS = {
    Step.STATION: _l("Station"),
    Step.LOCATION: _l("Location"),
    Step.INSTALLATION: _l("Installation"),
    Step.PHOTOS: _l("Photos"),
    Step.REVIEW: _l("Review and confirm"),
}


class CommissioningError(Exception):
    """A rule said no; `message` says why, translated, and `field` names the form field it is about."""

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class StationTaken(CommissioningError):
    """Someone else commissioned the station (first, or while this draft was open)."""

    def __init__(self):
        super().__init__(_l("This charging station has already been commissioned by another installer. "
                            "If that is wrong, contact support."))


def commissioning_blockers(user: User, now: datetime | None = None) -> list[str]:
    """Why this person may not commission stations now (empty when they may)."""
    reasons = []
    if not user.has_role(Role.INSTALLER):
        reasons.append(str(_l("You don't have an installer account. It is set up from the invitation we email "
                              "when you pass the certification course.")))
    if lms.valid_certificate(user.id, now) is None:
        latest = next(iter(lms.certificates_of(user.id)), None)
        if latest is None:
            reasons.append(str(_l("You are not certified yet. Pass the certification course first.")))
        elif latest.status(now or utcnow()) == lms.CertificateStatus.REVOKED:
            reasons.append(str(_l("Your certificate was revoked. Contact support.")))
        else:
            reasons.append(str(_l("Your certificate has expired. Take the course again to renew it.")))
    return reasons


def _require_eligible(user: User) -> None:
    reasons = commissioning_blockers(user)
    if reasons:
        raise CommissioningError(reasons[0])


def open_draft(user: User, station: Station) -> Commissioning | None:
    return db.session.scalar(select(Commissioning).where(
        Commissioning.station_id == station.id, Commissioning.installer_id == user.id,
        Commissioning.status == CommissioningStatus.DRAFT))


def start_commissioning(user: User, station: Station) -> Commissioning:
    """The installer's draft for this station: the existing one, or a new one (never two)."""
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
    if draft.installation_saved_at is None:
        return Step.INSTALLATION
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


def position_problem(latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    """Why a GPS position is not one (None when it is)."""
    if latitude is None or longitude is None:
        return str(_l("Give the position: tap “Use my position” or type the latitude and longitude."))
    if not Decimal(-90) <= latitude <= Decimal(90):
        return str(_l("Latitude must be between -90 and 90."))
    if not Decimal(-180) <= longitude <= Decimal(180):
        return str(_l("Longitude must be between -180 and 180."))
    if latitude == 0 and longitude == 0:
        return str(_l("0, 0 is in the ocean: the phone did not find its position. Try again outdoors, "
                      "or type the position."))
    return None


def save_location(draft: Commissioning, location: Location) -> None:
    _check_open(draft)
    region = Region(draft.installer.region)
    if location.country not in region.countries:
        raise CommissioningError(_l("Choose a country in your region."), "country")
    problem = position_problem(location.latitude, location.longitude)
    if problem:
        raise CommissioningError(problem, "latitude")
    for name, value in vars(location).items():
        setattr(draft, name, value)
    draft.location_saved_at = draft.updated_at = utcnow()
    db.session.flush()


#: Residual-current protection people choose from, per region.
RCD_TYPES = {
    Region.EUROPE: {"type_a_6ma": _l("Type A with 6 mA DC detection (RDC-DD in the station)"),
                    "type_b": _l("Type B"),
                    "type_f_6ma": _l("Type F with 6 mA DC detection (RDC-DD in the station)")},
    Region.NORTH_AMERICA: {"ccid20": _l("CCID20 in the station (charge circuit interrupting device)"),
                           "gfci_breaker": _l("GFCI circuit breaker")},
}
EARTHING_SYSTEMS = ("TN-S", "TN-C-S", "TT")
NETWORKS = {"wifi": _l("Wi-Fi"), "ethernet": _l("Ethernet"), "cellular": _l("Cellular (4G/5G)")}
ACCESS = {"private": _l("Private"), "public": _l("Public")}
MIN_CURRENT_A = 6


def choice_labels(region: Region) -> dict[str, dict]:
    """The labels of the installation's choices, for pages and the report."""
    return {"rcd_types": RCD_TYPES[region], "networks": NETWORKS, "access": ACCESS}


def max_current_allowed(region: Region, breaker_a: int) -> int:
    """The highest charging current the circuit allows.

    North America (NEC 625.41): charging is a continuous load, so at most 80 % of the breaker rating.
    Europe & UK: at most the breaker rating.
    """
    return breaker_a * 8 // 10 if region == Region.NORTH_AMERICA else breaker_a


def current_problem(region: Region, breaker_a: int, max_current_a: int) -> str | None:
    """Why this maximum current does not suit this breaker (None when it does)."""
    allowed = max_current_allowed(region, breaker_a)
    if max_current_a < MIN_CURRENT_A:
        return str(_l("The maximum current must be at least %(amps)s A.", amps=MIN_CURRENT_A))
    if max_current_a > allowed:
        if region == Region.NORTH_AMERICA:
            return str(_l("With a %(breaker)s A breaker the maximum current is %(allowed)s A: charging is a "
                          "continuous load, so at most 80%% of the breaker rating.", breaker=breaker_a,
                          allowed=allowed))
        return str(_l("With a %(breaker)s A breaker the maximum current is %(allowed)s A: it may not be more "
                      "than the breaker rating.", breaker=breaker_a, allowed=allowed))
    return None


@dataclass
class Installation:
    breaker_a: int
    max_current_a: int
    phases: int
    rcd_type: str
    network: str
    access: str
    earthing: str | None = None


def save_installation(draft: Commissioning, installation: Installation) -> None:
    _check_open(draft)
    region = Region(draft.installer.region)
    problem = current_problem(region, installation.breaker_a, installation.max_current_a)
    if problem:
        raise CommissioningError(problem, "max_current_a")
    if installation.phases not in (1, 3):
        raise CommissioningError(_l("Choose 1 or 3 phases."), "phases")
    if installation.rcd_type not in RCD_TYPES[region]:
        raise CommissioningError(_l("Choose the residual-current protection."), "rcd_type")
    if region == Region.EUROPE and installation.earthing not in EARTHING_SYSTEMS:
        raise CommissioningError(_l("Choose the earthing system."), "earthing")
    if installation.network not in NETWORKS:
        raise CommissioningError(_l("Choose the network."), "network")
    if installation.access not in ACCESS:
        raise CommissioningError(_l("Choose the access."), "access")
    for name, value in vars(installation).items():
        setattr(draft, name, value if region == Region.EUROPE or name != "earthing" else None)
    draft.installation_saved_at = draft.updated_at = utcnow()
    db.session.flush()


def add_photo(draft: Commissioning, kind: PhotoKind, data: bytes) -> CommissioningPhoto:
    """Store a photo from site, resized and without EXIF. Raises photos.PhotoError for what is not a photo."""
    _check_open(draft)
    if len(draft.photos) >= MAX_PHOTOS:
        raise CommissioningError(_l("You have added %(count)s photos, the most there can be. Remove one first.",
                                    count=MAX_PHOTOS), "photo")
    image = open_photo(data)
    jpeg = shrink(image, PHOTO_SIDE)
    scale = min(1.0, PHOTO_SIDE / max(image.size))
    photo = CommissioningPhoto(kind=kind, jpeg=jpeg, width=round(image.width * scale),
                               height=round(image.height * scale))
    draft.photos.append(photo)
    draft.updated_at = utcnow()
    db.session.flush()
    return photo


def remove_photo(draft: Commissioning, photo_id: int) -> None:
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
    """
    if draft.installer_id != user.id:
        raise CommissioningError(_l("This commissioning belongs to another installer."))
    if draft.status == CommissioningStatus.COMPLETED:
        return draft
    _check_open(draft)
    _require_eligible(user)
    if next_step(draft) != Step.REVIEW:
        raise CommissioningError(_l("Some steps are not done yet."))
    certificate = lms.valid_certificate(user.id)
    now = utcnow()
    taken = db.session.execute(
        update(Station).where(Station.id == draft.station_id, Station.status != StationStatus.COMMISSIONED)
        .values(status=StationStatus.COMMISSIONED, installer_id=user.id, commissioned_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise StationTaken()
    closed = db.session.execute(
        update(Commissioning).where(Commissioning.id == draft.id, Commissioning.status == CommissioningStatus.DRAFT)
        .values(status=CommissioningStatus.COMPLETED, completed_at=now, updated_at=now,
                certificate_number=certificate.number, certificate_expires_at=certificate.expires_at)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise StationTaken()
    db.session.execute(
        update(Commissioning).where(Commissioning.station_id == draft.station_id, Commissioning.id != draft.id,
                                    Commissioning.status == CommissioningStatus.DRAFT)
        .values(status=CommissioningStatus.SUPERSEDED, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(draft)
    db.session.refresh(draft.station)
    report = store_report(draft, user.locale)
    queue_mail(user.email, "commissioning_report", user.locale, user_id=user.id,
               pdf=(report_filename(draft), report.pdf), commissioning=draft, person=user)
    return draft


def report_filename(draft: Commissioning) -> str:
    return f"commissioning-{draft.station.serial}.pdf"


def store_report(draft: Commissioning, locale: str) -> CommissioningReport:
    """Render the commissioning report once, in the installer's language, and keep it."""
    photos = [(photo, "data:image/jpeg;base64," + base64.b64encode(photo.jpeg).decode()) for photo in draft.photos]
    region = Region(draft.installer.region)
    with force_locale(locale):
        html = render_template("pdf/commissioning_report.html", commissioning=draft, photos=photos,
                               page_size="letter" if region == Region.NORTH_AMERICA else "A4",
                               **choice_labels(region))
    report = CommissioningReport(commissioning_id=draft.id, locale=locale, pdf=render_pdf(html))
    db.session.add(report)
    db.session.flush()
    return report


def report_of(draft: Commissioning) -> CommissioningReport | None:
    return db.session.scalar(select(CommissioningReport).where(CommissioningReport.commissioning_id == draft.id))


def commissionings_of(user: User) -> list[Commissioning]:
    """The installer's commissionings, open drafts first, then the newest."""
    rows = db.session.scalars(select(Commissioning).where(Commissioning.installer_id == user.id)
                              .options(selectinload(Commissioning.station), selectinload(Commissioning.photos))
                              .order_by(Commissioning.updated_at.desc())).all()
    return sorted(rows, key=lambda row: row.status != CommissioningStatus.DRAFT)


def completed_commissioning(station: Station) -> Commissioning | None:
    """The station's latest completed commissioning (there is one per time it was commissioned)."""
    return db.session.scalar(select(Commissioning).where(
        Commissioning.station_id == station.id, Commissioning.status == CommissioningStatus.COMPLETED)
        .order_by(Commissioning.completed_at.desc()).limit(1))


def station_history(station: Station) -> list[Commissioning]:
    return list(db.session.scalars(select(Commissioning).where(Commissioning.station_id == station.id)
                                   .options(selectinload(Commissioning.installer))
                                   .order_by(Commissioning.started_at.desc())))


def stations_of(user: User) -> list[Station]:
    """The stations an installer is responsible for (commissioned by them or transferred to them)."""
    return list(db.session.scalars(select(Station).where(Station.installer_id == user.id)
                                   .order_by(Station.commissioned_at.desc())))


def decommission_station(staff: User, station: Station, reason: str, **_details: str) -> AuditRecord:
    """Support takes a commissioned station out of service; it can be commissioned again later."""
    if station.status != StationStatus.COMMISSIONED or station.installer is None:
        raise StaffActionError(_l("Only a commissioned station can be decommissioned."))
    reason = check_staff_action(staff, station.installer, reason)
    station.status = StationStatus.DECOMMISSIONED
    return record_staff_action(staff, station.installer, AuditAction.DECOMMISSION_STATION, reason, station.serial)


def transfer_station(staff: User, station: Station, reason: str, *, email: str = "", **_details: str) -> AuditRecord:
    """Support makes another installer responsible for a commissioned station (e.g. they took over the site)."""
    if station.status != StationStatus.COMMISSIONED:
        raise StaffActionError(_l("Only a commissioned station can be transferred."))
    to = db.session.scalar(select(User).where(User.email == email.strip().lower())) if email.strip() else None
    if to is None or not to.has_role(Role.INSTALLER):
        raise StaffActionError(_l("No installer has this email address."))
    if to.id == station.installer_id:
        raise StaffActionError(_l("This installer is already responsible for the station."))
    reason = check_staff_action(staff, to, reason)
    station.installer_id = to.id
    db.session.flush()
    db.session.expire(station, ["installer"])
    return record_staff_action(staff, to, AuditAction.TRANSFER_STATION, reason, station.serial)
