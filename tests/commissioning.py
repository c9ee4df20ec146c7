"""Steps of the commissioning tests: a certified installer, registered stations, photos, the wizard."""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from core.database import db
from installer_portal.accounts.models import User
from installer_portal.commissioning.models import Commissioning
from installer_portal.stations.models import Station
from installer_portal.stations.registry import import_stations
from tests.factories import CommissioningFactory, InstallerFactory
from tests.helpers import log_in

CSV = (
    "serial,mac,model,rated_power_kw,connectors,manufactured_on\n"
    "EVP-22-000101,00:1A:2B:3C:4D:01,Wallbox Pro 22,22,2,2026-08-14\n"
    "EVP-22-000102,00:1A:2B:3C:4D:02,Wallbox Pro 22,22,2,2026-08-14\n"
    "EVP-11-000103,00:1A:2B:3C:4D:03,Wallbox Pro 11,11,1,2026-08-20\n"
)
SERIAL = "EVP-22-000101"
MAC = "00:1A:2B:3C:4D:01"
LOCATION = {"site_name": "Hansen, driveway", "street": "Storgata 1", "postal_code": "0155", "city": "Oslo",
            "country": "NO", "latitude": "59.913868", "longitude": "10.752245", "accuracy_m": "8",
            "floor": "", "parking_bay": "P3"}
INSTALLATION = {"breaker_a": "32", "breaker_curve": "B", "max_current_a": "32", "phases": "3", "earthing": "TN-C-S",
                "supply_v": "400", "rcd_type": "type_a_6ma", "network": "wifi", "access": "private"}
#: Passing readings for INSTALLATION (TN, three phases, type A RCD with the station's 6 mA DC detection).
TESTS = {"continuity_ohm": "0.22", "insulation_mohm": "299", "loop_impedance_ohm": "0.45", "rcd_trip_ms": "24",
         "rcd_trip_ma": "22.5", "dc_6ma_ok": "pass", "phase_rotation_ok": "pass",
         "instrument": "Fluke 1664 FC, 12345678"}


def register_stations(app, text: str = CSV) -> None:
    with app.app_context():
        import_stations(text)
        db.session.commit()


def new_installer(app, **traits) -> str:
    """A certified installer from the factories (tests.factories.InstallerFactory); returns the email address.

    The way there through the pages is walked by test_invitations.py and the browser journeys.
    """
    with app.app_context():
        return InstallerFactory(**traits).email


def make_installer(app, client, **traits) -> str:
    """A certified installer with an installer account, logged in on `client`; returns the email address."""
    email = new_installer(app, **traits)
    log_in(client, email)
    return email


def commission(app, email: str, serial: str = SERIAL, **traits) -> int:
    """This installer's commissioning of a registered station, from the factory; returns its id.

    A draft with the location and installation saved; `with_photo=True` ready to confirm, `completed=True` confirmed.
    """
    with app.app_context():
        installer = db.session.scalar(select(User).where(User.email == email))
        found = db.session.scalar(select(Station).where(Station.serial == serial))
        return CommissioningFactory(installer=installer, station=found, **traits).id


def station(app, serial: str = SERIAL) -> Station:
    with app.app_context():
        found = db.session.scalar(select(Station).where(Station.serial == serial))
        db.session.expunge(found)
        return found


def commissionings(app) -> list[Commissioning]:
    with app.app_context():
        rows = list(db.session.scalars(select(Commissioning).order_by(Commissioning.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def qr_image(text: str, box: int = 10) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(text)
    return code.make_image().get_image().convert("RGB")


def phone_photo(text: str | None, size=(2000, 1500), exif_gps: bool = False) -> bytes:
    """A JPEG like a phone's: a grey wall, the QR code (if any) turned a little and blurred slightly."""
    photo = Image.new("RGB", size, (128, 126, 120))
    ImageDraw.Draw(photo).rectangle((80, 80, size[0] - 80, size[1] - 80), outline=(90, 90, 90), width=12)
    if text is not None:
        code = qr_image(text).rotate(12, expand=True, fillcolor=(128, 126, 120))
        photo.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    photo = photo.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "PhoneMaker"                 # Make
        exif[0x8825] = {1: "N", 2: (59.0, 54.0, 49.9), 3: "E", 4: (10.0, 45.0, 8.1)}  # GPS
    photo.save(buffer, format="JPEG", quality=88, exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg"):
    return (io.BytesIO(data), name)


def start(client, serial: str = SERIAL):
    """Open the station page and press "commission this station"."""
    return client.submit(f"/s/{serial}", {})


def draft_url(response) -> str:
    location = response.headers["Location"]
    return location.rsplit("/", 1)[0]


def walk_to_review(client, serial: str = SERIAL, location: dict | None = None,
                   installation: dict | None = None, tests: dict | None = None) -> str:
    """Start, save the location, installation and tests, add one photo; returns the draft's base URL."""
    base = draft_url(start(client, serial))
    assert client.submit(f"{base}/location", location or LOCATION).status_code == 302
    assert client.submit(f"{base}/installation", installation or INSTALLATION).status_code == 302
    response = client.submit(f"{base}/tests", tests or TESTS)
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.submit(f"{base}/photos", {"kind": "station", "add": "1", "photo": upload(phone_photo(None))},
                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return base
