"""Commissioning on a phone: the three ways to find a station, the wizard, a dropped connection, the report.

1. (en, nl, nb) The camera app opens the label's URL; the installer logs in, walks the wizard with the
   phone's GPS, loses the connection on a step and loses nothing, records the tests (a typo refused, a failing
   reading stopping the confirmation until measured again: Zs on TN-C-S in en and nl, RA on a Norwegian 230 V
   IT supply in nb), closes the tab, resumes from "My stations", confirms, and downloads the report PDF, whose
   text has the station's serial number, the measurements and the power for that supply.
2. (nb) The installer types the MAC address with one wrong character and picks the suggestion.
3. (nl) The installer uploads a photo of the label (shrunk by the page first) and reaches the wizard.
4. (en) The in-page scanner reads the label from the camera (Chromium's fake camera plays a video of it).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pypdfium2
import pytest
from PIL import Image
from playwright.sync_api import expect

from installer_portal.stations.labels import label_png
from installer_portal.stations.models import StationStatus
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, translated
from tests.commissioning import MAC, SERIAL, new_installer, phone_photo, register_stations, station
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
POSITION = {"latitude": 59.913868, "longitude": 10.752245, "accuracy": 12}



def installer(app, language: str) -> str:
    """A certified installer with a long company address (it must wrap on "The station is commissioned")."""
    register_stations(app)
    return new_installer(app, locale=language, email=f"service.desk.{language}@elektro-installatiebedrijf.example.com")


def log_in_here(page, email: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def label_photo(app) -> bytes:
    """A phone photo of the printed label: the label turned a little on a grey wall."""
    with app.test_request_context():
        label = Image.open(io.BytesIO(label_png(station(app))))
    wall = Image.new("RGB", (4000, 3000), (140, 138, 130))
    wall.paste(label.rotate(-12, expand=True, fillcolor=(140, 138, 130)), (1500, 900))
    buffer = io.BytesIO()
    wall.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@dataclass(frozen=True)
class Site:
    """What an installer in each language finds on site, and the reading that fails first."""

    earthing: str
    supply: str
    failing: str          # the measurement that fails first (English label)
    symbol: str           # its symbol, the same in every language
    first: str            # its reading, typed with a comma as people do
    shown: str            # that reading as the form shows it again: the language's decimal mark, no grouping
    again: str            # measured again after the fault is put right
    checks: tuple[str, ...]
    readings: tuple[tuple[str, str], ...]  # the other readings this supply needs, passing
    power: str            # as the report prints it


SITES = {
    # A Dutch or English-reading installer on a 230/400 V TN-C-S supply, whose Zs is too high at first.
    "en": Site("TN-C-S", "230/400 V, with neutral", "Earth fault loop impedance (Zs)", "Zs", "1,52", "1.52", "0,45",
               ("6 mA DC protection", "Phase rotation"), (), "22.1 kW"),
    "nl": Site("TN-C-S", "230/400 V, with neutral", "Earth fault loop impedance (Zs)", "Zs", "1,52", "1,52", "0,45",
               ("6 mA DC protection", "Phase rotation"), (), "22,1 kW"),
    # A Norwegian installer on 230 V IT, the commonest Norwegian supply: RA instead of Zs, and the
    # insulation monitor's test; three phases give 12.7 kW there, not 22.
    "nb": Site("IT (230 V, without neutral)", "230 V between phases, without neutral",
               "Earth electrode resistance (RA)", "RA", "1800", "1800", "45",
               ("6 mA DC protection", "Phase rotation", "Insulation monitoring"),
               (("Fault loop impedance for a second earth fault (IT)", "0,41"),), "12,7 kW"),
}


@pytest.mark.parametrize("language", ["en", "nl", "nb"])
def test_from_the_label_url_to_the_report_with_a_dropped_connection_on_the_way(app, live_url, phone_context,
                                                                               language):
    t = lambda text: translated(app, text, language)  # noqa: E731
    site = SITES[language]
    email = installer(app, language)
    shots = ARTIFACTS / f"commissioning-{language}"
    shots.mkdir(parents=True, exist_ok=True)
    hosts = set()
    context = phone_context(language, geolocation=POSITION, permissions=["geolocation"], accept_downloads=True)
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page = context.new_page()

    # The phone's camera app opens the label's URL; the portal asks for a login, then shows that station.
    page.goto(f"{live_url}/s/{SERIAL}")
    expect(page).to_have_url(re.compile(r"/login"))
    log_in_here(page, email)
    expect(page).to_have_url(re.compile(f"/s/{SERIAL}$"))
    expect(page.locator("[data-serial]")).to_have_text(SERIAL)
    page.screenshot(path=shots / "1-station.png", full_page=True)
    page.get_by_role("button", name=t("Yes, commission this station")).click()

    # Location, with the phone's position; the connection drops when it is sent.
    expect(page).to_have_url(re.compile(r"/location$"))
    location_url = page.url
    page.get_by_label(t("Site name")).fill("Hansen, driveway")
    page.get_by_label(t("Street address")).fill("Storgata 1")
    page.get_by_label(t("Postal code")).fill("0155")
    page.locator("#city").fill("Oslo")  # "City" is also inside "Parking bay" in Dutch (Plaats, Parkeerplaats)
    page.get_by_label(t("Country"), exact=True).select_option("NO")
    page.get_by_label(t("Parking bay (optional)")).fill("P3")
    page.get_by_role("button", name=t("Use my position")).click()
    expect(page.get_by_label(t("Latitude"))).to_have_value("59.913868")
    expect(page.get_by_label(t("Longitude"))).to_have_value("10.752245")
    expect(page.locator("[data-gps-status]")).to_contain_text("12 m")
    page.screenshot(path=shots / "2-location.png", full_page=True)
    context.set_offline(True)
    page.get_by_role("button", name=t("Save and continue")).click()
    page.wait_for_load_state()
    context.set_offline(False)
    page.goto(location_url)  # the server has nothing yet, the phone kept what was typed
    expect(page.get_by_label(t("Street address"))).to_have_value("Storgata 1")
    expect(page.get_by_label(t("Latitude"))).to_have_value("59.913868")
    page.get_by_role("button", name=t("Save and continue")).click()

    # Installation; a maximum current above the breaker is refused first.
    expect(page).to_have_url(re.compile(r"/installation$"))
    page.get_by_label(t("Circuit breaker rating (A)")).fill("32")
    page.get_by_role("group", name=t("Circuit breaker curve")).get_by_label("B", exact=True).check()
    page.get_by_label(t("Maximum current set in the station (A)")).fill("40")
    page.get_by_label(t("3 phases")).check()
    page.get_by_label(t(site.earthing), exact=True).check()
    page.get_by_label(t(site.supply)).check()
    page.get_by_label(t("Type A with 6 mA DC detection (RDC-DD in the station)")).check()
    page.get_by_label(t("Wi-Fi")).check()
    page.get_by_label(t("Private")).check()
    page.get_by_role("button", name=t("Save and continue")).click()
    expect(page.get_by_label(t("Maximum current set in the station (A)"))).to_have_attribute("aria-invalid", "true")
    page.get_by_label(t("Maximum current set in the station (A)")).fill("32")
    page.get_by_role("button", name=t("Save and continue")).click()

    # Tests: what this circuit requires (Zs on TN; RA and the insulation monitor on IT). A typo is refused.
    expect(page).to_have_url(re.compile(r"/tests$"))
    page.get_by_label(t("Continuity of the protective conductor (R1 + R2)")).fill("0,22")
    page.get_by_label(t("Insulation resistance at 500 V DC")).fill("299")
    page.get_by_label(t(site.failing)).fill(site.first)
    page.get_by_label(t("RCD trip time at 30 mA")).fill("24 ms")             # not a number: refused
    page.get_by_label(t("RCD trip current")).fill("22,5")
    for label, reading in site.readings:
        page.get_by_label(t(label)).fill(reading)
    for check in site.checks:
        page.get_by_role("group", name=t(check)).get_by_label(t("Pass"), exact=True).check()
    page.get_by_label(t("Test instrument")).fill("Fluke 1664 FC, 12345678")
    page.get_by_role("button", name=t("Save and continue")).click()
    expect(page.get_by_label(t("RCD trip time at 30 mA"))).to_have_attribute("aria-invalid", "true")
    page.get_by_label(t("RCD trip time at 30 mA")).fill("24")
    page.get_by_role("button", name=t("Save and continue")).click()

    # Photos: one of the installed station, shrunk by the page before it is sent.
    expect(page).to_have_url(re.compile(r"/photos$"))
    page.get_by_label(t("What the photo shows")).select_option("station")
    page.get_by_label(t("Photo"), exact=True).set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo(None, size=(4000, 3000))})
    page.get_by_role("button", name=t("Add the photo")).click()
    expect(page.locator(".photo-list img")).to_have_count(1)
    page.screenshot(path=shots / "3-photos.png", full_page=True)
    page.get_by_role("button", name=t("Continue")).click()
    expect(page).to_have_url(re.compile(r"/review$"))

    # The tab is closed; later, "My stations" resumes where it stopped.
    page.close()
    page = context.new_page()
    page.goto(f"{live_url}/installer/stations/")
    expect(page.locator("[data-commissioning]")).to_contain_text(t("Review and confirm"))
    page.get_by_role("link", name=t("Continue")).click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.locator("main")).to_contain_text("Storgata 1")
    # The failing reading stops the confirmation and says which; measured again after the fault is put right.
    expect(page.locator("[data-measurement-problems]")).to_contain_text(site.symbol)
    expect(page.get_by_role("button", name=t("Confirm the commissioning"))).to_have_count(0)
    page.get_by_role("link", name=t("Change the tests")).click()
    expect(page.get_by_label(t(site.failing))).to_have_value(site.shown)
    page.get_by_label(t(site.failing)).fill(site.again)
    page.get_by_role("button", name=t("Save and continue")).click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.locator("[data-measurement-problems]")).to_have_count(0)
    page.screenshot(path=shots / "4-review.png", full_page=True)
    page.get_by_role("button", name=t("Confirm the commissioning")).click()
    expect(page.locator("[data-msg=commissioned]")).to_be_visible()
    assert station(app).status == StationStatus.COMMISSIONED

    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download the commissioning report (PDF)")).click()
    document = pypdfium2.PdfDocument(download.value.path())
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    assert SERIAL in text
    assert "59.913868" in text
    text = " ".join(text.split())
    for expected in (t(site.failing), t("Pass"), site.power, "Fluke 1664 FC, 12345678"):
        assert expected in text, expected
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('commissioning:'))") == []
    context.close()
    assert hosts == {urlsplit(live_url).netloc}


def find_page(app, live_url, phone_context, language: str):
    """A certified installer's phone on "Commission a station"."""
    email = installer(app, language)
    context = phone_context(language)
    page = context.new_page()
    page.goto(f"{live_url}/installer/stations/find")
    log_in_here(page, email)
    page.goto(f"{live_url}/installer/stations/find")
    expect(page.locator("html")).to_have_attribute("lang", language)
    return context, page


def test_a_mac_typed_with_one_wrong_character_offers_the_station(app, live_url, phone_context):
    language = "nb"
    t = lambda text: translated(app, text, language)  # noqa: E731
    context, page = find_page(app, live_url, phone_context, language)
    page.get_by_label(t("MAC address")).fill(MAC.replace("0", "O", 1))   # O for 0, as people misread labels
    page.get_by_role("button", name=t("Find the station"), exact=True).click()
    expect(page.locator("[data-msg=mac_suggestions]")).to_contain_text(MAC)
    # The answer is where the reloaded page opens, and has the focus (screen readers announce it).
    expect(page.locator("#mac-lookup")).to_be_focused()
    assert page.locator("[data-msg=mac_suggestions]").bounding_box()["y"] < 740
    page.screenshot(path=ARTIFACTS / "commissioning-nb-suggestion.png", full_page=True)
    page.locator("[data-msg=mac_suggestions] a").first.click()
    # A typed MAC may be another station's: the serial on the label first, large and character by character.
    expect(page.locator("h1")).to_have_text(t("Check the serial number"))
    expect(page.locator("[data-serial-check]")).to_have_text(SERIAL)
    page.screenshot(path=ARTIFACTS / "commissioning-nb-confirm-serial.png", full_page=True)
    page.get_by_role("button", name=t("Yes, the label shows this serial number")).click()
    expect(page.locator("[data-serial]")).to_have_text(SERIAL)
    page.get_by_role("button", name=t("Yes, commission this station")).click()
    expect(page).to_have_url(re.compile(r"/location$"))
    expect(page.locator("h1")).to_have_text(t("Where is the station?"))
    context.close()


def test_a_photo_of_the_label_leads_to_the_station(app, live_url, phone_context):
    language = "nl"
    t = lambda text: translated(app, text, language)  # noqa: E731
    context, page = find_page(app, live_url, phone_context, language)
    page.get_by_label(t("Photo of the QR code")).set_input_files(
        {"name": "label.jpg", "mimeType": "image/jpeg", "buffer": label_photo(app)})
    page.get_by_role("button", name=t("Find the station in the photo")).click()
    expect(page.locator("[data-serial]")).to_have_text(SERIAL)
    page.get_by_role("button", name=t("Yes, commission this station")).click()
    expect(page).to_have_url(re.compile(r"/location$"))
    expect(page.locator("h1")).to_have_text(t("Where is the station?"))
    context.close()


def y4m(image: Image.Image, frames: int = 30) -> bytes:
    """A still image as a YUV4MPEG2 video, the format Chromium's fake camera plays."""
    width, height = image.width - image.width % 2, image.height - image.height % 2
    y, cb, cr = image.crop((0, 0, width, height)).convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    return f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames


def test_the_in_page_scanner_reads_the_label_from_the_camera(app, live_url, playwright, phone_context, tmp_path):
    email = installer(app, "en")
    with app.test_request_context():
        label = Image.open(io.BytesIO(label_png(station(app)))).convert("RGB")
    scene = Image.new("RGB", (640, 480), (150, 150, 150))
    label.thumbnail((420, 420))
    scene.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
    video = tmp_path / "label.y4m"
    video.write_bytes(y4m(scene))
    camera = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    context = phone_context("en", on=camera, permissions=["camera"])
    page = context.new_page()
    page.goto(f"{live_url}/installer/stations/find")
    log_in_here(page, email)
    page.goto(f"{live_url}/installer/stations/find")
    expect(page.get_by_role("button", name="Stop the camera")).to_be_hidden()
    page.get_by_role("button", name="Scan with the camera").click()
    expect(page.locator("[data-serial]")).to_have_text(SERIAL, timeout=20000)
    context.close()
    camera.close()
