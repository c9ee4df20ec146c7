"""Finding the station on site: the scanner's code, a photo of the QR code, a typed MAC address."""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale, gettext
from markupsafe import escape
from PIL import Image

from core.database import utcnow
from installer_portal.stations.labels import label_png
from tests.commissioning import (
    CSV,
    MAC,
    SERIAL,
    commissionings,
    make_installer,
    phone_photo,
    register_stations,
    start,
    station,
    upload,
)
from tests.conftest import BASE_URL

FIND = "/installer/stations/find"


@pytest.fixture
def installer(app, client):
    register_stations(app)
    return make_installer(app, client)


def by_code(client, code: str):
    return client.submit(FIND, {"code": code}, action=f"{FIND}/code")


def by_photo(client, data: bytes, name: str = "photo.jpg"):
    return client.submit(FIND, {"photo": upload(data, name)}, action=f"{FIND}/photo",
                         content_type="multipart/form-data")


def by_mac(client, mac: str):
    return client.submit(FIND, {"mac": mac}, action=f"{FIND}/mac")


def lands_on_station(response, serial: str = SERIAL) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith(f"/s/{serial}")


@pytest.mark.parametrize("code", [f"{BASE_URL}/s/{SERIAL}", "00-1a-2b-3c-4d-01", SERIAL,
                                  f"https://maker.example/d?mac={MAC}", f"https://maker.example/d?serial={SERIAL}"])
def test_the_scanners_code_leads_to_the_station(app, client, installer, code):
    assert lands_on_station(by_code(client, code))


def test_a_code_that_is_not_a_station_code_is_refused(app, client, installer):
    response = by_code(client, "WIFI:S:home;T:WPA;P:secret;;")
    assert response.status_code == 400
    assert "This QR code is not a station code" in response.get_data(as_text=True)
    unknown = by_code(client, f"{BASE_URL}/s/EVP-99-999999")
    assert unknown.status_code == 400
    assert "We don&#39;t know this station" in unknown.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["00:1A:2B:3C:4D:01", "00-1a-2b-3c-4d-01", "001A2B3C4D01", "001a.2b3c.4d01",
                                   "  00:1a:2b:3c:4d:01 "])
def test_a_typed_mac_in_any_common_notation_leads_to_the_station(app, client, installer, typed):
    assert lands_on_station(by_mac(client, typed))


def test_a_malformed_mac_is_refused_with_a_clear_message(app, client, installer):
    response = by_mac(client, "00:1A:2B")
    assert response.status_code == 400
    assert "This is not a MAC address" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["OO:1A:2B:3C:4D:01", "00:IA:2B:3C:4D:01", "00:1A:28:3C:4D:01",
                                   "00:1A:2B:3C:4D:0", "00:1A:2B:3C:4D:011"])
def test_a_mac_one_character_off_offers_the_registered_one(app, client, installer, typed):
    response = by_mac(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Did you mean one of these?" in page
    assert f'href="/s/{SERIAL}"' in page
    assert MAC in page


def test_an_unknown_mac_far_from_any_registered_one_offers_nothing(app, client, installer):
    response = by_mac(client, "AA:BB:CC:DD:EE:FF")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "No station has this MAC address" in page
    assert "Did you mean" not in page


def test_a_photo_of_the_printed_label_leads_to_the_station(app, client, installer):
    with app.test_request_context():
        label = Image.open(io.BytesIO(label_png(station(app))))
    frame = Image.new("RGB", (3000, 2250), (140, 138, 130))
    frame.paste(label.rotate(-15, expand=True, fillcolor=(140, 138, 130)), (900, 500))
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=85)
    assert lands_on_station(by_photo(client, buffer.getvalue()))
    assert "Yes, commission this station" in client.get(f"/s/{SERIAL}").get_data(as_text=True)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.parametrize(("data", "name", "message"), [
    (phone_photo(None), "wall.jpg", "We found no QR code in this photo"),
    (phone_photo("https://example.com/menu"), "menu.jpg", "This QR code is not a station code"),
    (phone_photo(f"{BASE_URL}/s/EVP-99-999999"), "other.jpg", "We don&#39;t know this station"),
    (b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF", "report.jpg", None),
    (b"just some text, not a photo\n" * 10, "notes.jpg", None),
    (png_declaring(30000, 30000), "bomb.png", None),
])
def test_bad_photos_get_a_clear_message(app, client, installer, data, name, message):
    response = by_photo(client, data, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert 'class="error"' in page
    if message:
        assert message in page


def test_a_50_mb_upload_is_refused_before_it_is_read(app, client, installer):
    response = by_photo(client, b"\xff\xd8" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


@pytest.mark.config(LIMIT_STATION_FIND="3 per hour")
def test_finding_is_rate_limited_per_installer(app, client, installer):
    for _ in range(3):
        by_mac(client, "AA:BB:CC:DD:EE:FF")
    assert by_mac(client, MAC).status_code == 429


def test_the_find_page_offers_all_three_ways_in_every_language(app, client):
    register_stations(app)
    make_installer(app, client, locale="nl")
    page = client.get(FIND).get_data(as_text=True)
    assert 'lang="nl"' in page
    for text in ("Scannen met de camera", 'capture="environment"', "MAC-adres"):
        assert text in page, text
    assert re.search(r'data-vendor-src="/static/vendor/jsqr/jsQR\.[0-9a-f]{10}\.js"', page)


LANGUAGES = ["en", "nl", "nb"]
CONFIRM = "/installer/stations/find/mac/confirm"


def shows(app, page: str, text: str, language: str) -> bool:
    with app.test_request_context(), force_locale(language):
        return str(escape(gettext(text))) in page


def answer(client, serial: str, reply: str):
    return client.submit(f"/s/{serial}", {"serial": serial, "answer": reply}, action=CONFIRM)


def asks_for_the_serial(app, client, serial: str, language: str) -> bool:
    page = client.get(f"/s/{serial}").get_data(as_text=True)
    asks = shows(app, page, "Check the serial number", language)
    assert asks != shows(app, page, "Yes, commission this station", language)
    if asks:
        assert "".join(f"<span>{character}</span>" for character in serial) in page
    return asks


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_station_found_by_a_typed_mac_asks_for_the_serial_on_its_label_first(app, client, language):
    register_stations(app)
    make_installer(app, client, locale=language)
    assert lands_on_station(by_mac(client, MAC))
    assert asks_for_the_serial(app, client, SERIAL, language)
    # Starting straight away is not possible either: the same question, and no draft.
    assert shows(app, start(client).get_data(as_text=True), "Yes, the label shows this serial number", language)
    assert commissionings(app) == []
    assert lands_on_station(answer(client, SERIAL, "yes"))
    assert not asks_for_the_serial(app, client, SERIAL, language)
    assert start(client).headers["Location"].endswith("/location")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_serial_offers_the_stations_one_character_away(app, client, language):
    register_stations(app)
    make_installer(app, client, locale=language)
    # The installer meant ...:01 and typed ...:02, another station's MAC.
    assert lands_on_station(by_mac(client, "00:1A:2B:3C:4D:02"), "EVP-22-000102")
    response = answer(client, "EVP-22-000102", "no")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shows(app, page, "Then the MAC address led to another station. Is it one of these? Compare the serial "
                 "number with the label.", language)
    assert f'href="/s/{SERIAL}"' in page
    assert 'href="/s/EVP-22-000102"' not in page
    assert 'value="00:1A:2B:3C:4D:02"' in page
    # A look-alike is a guess too: its serial is asked for as well.
    assert asks_for_the_serial(app, client, SERIAL, language)
    assert commissionings(app) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_serial_with_no_look_alikes_says_to_check_the_mac(app, client, language):
    register_stations(app, "\n".join(CSV.splitlines()[:2]))
    make_installer(app, client, locale=language)
    assert lands_on_station(by_mac(client, MAC))
    page = answer(client, SERIAL, "no").get_data(as_text=True)
    assert shows(app, page, "No other station has a MAC address one character away. Check the MAC address on the "
                 "label and type it again, or scan the QR code.", language)
    assert f'href="/s/{SERIAL}"' not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_qr_code_carries_the_serial_so_nothing_is_asked(app, client, language):
    register_stations(app)
    make_installer(app, client, locale=language)
    assert not asks_for_the_serial(app, client, SERIAL, language)   # the label's URL opened by the camera
    by_mac(client, MAC)
    assert lands_on_station(by_code(client, f"{BASE_URL}/s/{SERIAL}"))
    assert not asks_for_the_serial(app, client, SERIAL, language)


def test_the_question_lapses_and_cannot_be_answered_for_another_station(app, client, installer):
    by_mac(client, MAC)
    # An answer for a station the MAC did not reach changes nothing.
    assert answer(client, "EVP-22-000102", "yes").headers["Location"].endswith(FIND)
    assert asks_for_the_serial(app, client, SERIAL, "en")
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert not asks_for_the_serial(app, client, SERIAL, "en")
