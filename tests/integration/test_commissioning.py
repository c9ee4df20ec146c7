"""On-site commissioning: the station page, the wizard step by step, the rules and the report."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pypdfium2
import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from core.database import db, utcnow
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import User
from installer_portal.commissioning.models import (
    Commissioning,
    CommissioningPhoto,
    CommissioningReport,
    CommissioningStatus,
)
from installer_portal.commissioning.services import PAGE_SIZE
from installer_portal.markets import Region
from installer_portal.stations.models import StationStatus
from tests.commissioning import (
    INSTALLATION,
    LOCATION,
    SERIAL,
    TESTS,
    commissionings,
    draft_url,
    make_installer,
    phone_photo,
    register_stations,
    start,
    station,
    upload,
    walk_to_review,
)
from tests.conftest import PortalClient, csrf_token
from tests.factories import PASSWORD, CommissioningFactory
from tests.helpers import log_in, make_user, statements_for


@pytest.fixture
def installer(app, client):
    register_stations(app)
    return make_installer(app, client)


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_label_url_asks_for_a_login_and_then_opens_the_same_station(app, client):
    register_stations(app)
    email = make_installer(app, client)
    anonymous = PortalClient(app.test_client())
    response = anonymous.get(f"/s/{SERIAL}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert f"/s/{SERIAL}" in unquote(response.headers["Location"])
    after = anonymous.submit(response.headers["Location"], {"email": email, "password": PASSWORD},
                             action=response.headers["Location"])
    assert after.status_code == 302
    assert after.headers["Location"].endswith(f"/s/{SERIAL}")
    page = anonymous.get(f"/s/{SERIAL}").get_data(as_text=True)
    assert "Wallbox Pro 22" in page
    assert SERIAL in page
    assert "Yes, commission this station" in page


def test_people_who_are_not_certified_installers_are_told_why(app, client):
    register_stations(app)
    import_email = make_user(app, with_profile=True)
    log_in(client, import_email)
    response = client.get(f"/s/{SERIAL}")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You are not certified yet" in page
    assert "/learn/" in page
    assert client.submit(f"/s/{SERIAL}", {}).status_code == 403
    assert count(app, Commissioning) == 0


def test_an_expired_certificate_stops_commissioning_and_says_so(app, client, installer):
    with time_machine.travel(utcnow() + timedelta(days=25 * 31), tick=False):
        log_in(client, installer)
        response = client.get(f"/s/{SERIAL}")
        assert response.status_code == 403
        assert "Your certificate has expired" in response.get_data(as_text=True)


def test_an_unknown_serial_is_a_clear_404(app, client, installer):
    response = client.get("/s/NOPE-000")
    assert response.status_code == 404
    assert "We don't know this station" in response.get_data(as_text=True)


def test_the_whole_wizard_commissions_the_station_and_mails_the_report(app, client, installer, mail):
    base = walk_to_review(client)
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "Hansen, driveway" in review
    assert "59.913868" in review
    assert "32 A" in review
    confirmed = client.submit(f"{base}/review", {})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/done")
    done = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "The station is commissioned" in done

    row = station(app)
    assert row.status == StationStatus.COMMISSIONED
    assert row.commissioned_at is not None
    (record,) = commissionings(app)
    assert record.status == CommissioningStatus.COMPLETED
    assert record.installer_id == row.installer_id
    assert record.certificate_number
    assert record.certificate_expires_at > record.completed_at

    report = client.get(f"{base}/report.pdf")
    assert report.status_code == 200
    assert report.mimetype == "application/pdf"
    text = pdf_text(report.data)
    for expected in (SERIAL, "00:1A:2B:3C:4D:01", "Storgata 1", "59.913868", "10.752245", "TN-C-S",
                     record.certificate_number, "Commissioning report"):
        assert expected in text, expected
    assert count(app, CommissioningReport) == 1

    (message,) = [m for m in mail().to(installer) if "Commissioning report" in m["Subject"]]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"commissioning-{SERIAL}.pdf"
    assert attachment.get_content() == report.data
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.attachment).where(
            OutboxMessage.template == "commissioning_report")) is None   # erased once sent

    mine = client.get("/installer/stations/").get_data(as_text=True)
    assert SERIAL in mine
    assert "report.pdf" in mine
    assert "You are the installer responsible for this station" in client.get(f"/s/{SERIAL}").get_data(as_text=True)


def test_every_step_is_saved_so_a_new_session_resumes_where_it_stopped(app, client, installer):
    base = draft_url(start(client))
    assert client.submit(f"{base}/location", LOCATION).status_code == 302
    # The phone dies; later, another browser.
    other = PortalClient(app.test_client())
    log_in(other, installer)
    mine = other.get("/installer/stations/").get_data(as_text=True)
    assert "Next: Installation" in mine
    resumed = other.get(f"{base}/")
    assert resumed.headers["Location"].endswith(f"{base}/installation")
    # Back to the saved location step: the answers are there.
    back = other.get(f"{base}/location").get_data(as_text=True)
    assert 'value="Storgata 1"' in back
    assert 'value="59.913868"' in back
    # A later step cannot be skipped to.
    assert other.get(f"{base}/review").headers["Location"].endswith(f"{base}/installation")
    # Opening the station again resumes the same draft, never a second one.
    assert draft_url(start(other)) == base
    assert count(app, Commissioning) == 1


def test_confirming_twice_commissions_once_with_one_report_and_one_mail(app, client, installer):
    base = walk_to_review(client)
    token = csrf_token(client.get(f"{base}/review").get_data(as_text=True))
    first = client.post(f"{base}/review", data={"csrf_token": token})
    second = client.post(f"{base}/review", data={"csrf_token": token})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, CommissioningReport) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "commissioning_report")) == 1


def test_a_second_installer_is_told_the_station_is_taken_and_their_stale_steps_save_nothing(app, client,
                                                                                            installer):
    second = PortalClient(app.test_client())
    make_installer(app, second)
    theirs = draft_url(start(second))
    mine = walk_to_review(client)
    assert client.submit(f"{mine}/review", {}).status_code == 302

    stale = second.submit("/installer/stations/find", {**LOCATION, "site_name": "Somewhere else"},
                          action=f"{theirs}/location")
    assert stale.status_code == 302
    assert stale.headers["Location"].endswith(f"/s/{SERIAL}")
    page = second.get(f"/s/{SERIAL}")
    assert page.status_code == 409
    assert "already commissioned" in page.get_data(as_text=True)
    assert "contact support" in page.get_data(as_text=True)
    rows = {row.id: row for row in commissionings(app)}
    theirs_row = next(row for row in rows.values() if row.status != CommissioningStatus.COMPLETED)
    assert theirs_row.status == CommissioningStatus.SUPERSEDED
    assert theirs_row.site_name is None
    assert station(app).installer_id == next(
        row for row in rows.values() if row.status == CommissioningStatus.COMPLETED).installer_id


def test_photos_are_resized_and_stripped_of_exif(app, client, installer):
    base = draft_url(start(client))
    client.submit(f"{base}/location", LOCATION)
    client.submit(f"{base}/installation", INSTALLATION)
    client.submit(f"{base}/tests", TESTS)
    big = phone_photo(None, size=(4000, 3000), exif_gps=True)
    assert Image.open(io.BytesIO(big)).getexif()
    response = client.submit(f"{base}/photos", {"kind": "label", "add": "1", "photo": upload(big)},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(CommissioningPhoto))
        image = Image.open(io.BytesIO(stored.jpeg))
        assert max(image.size) == 1600
        assert not image.getexif()
        assert "exif" not in image.info
    shown = client.get(f"{base}/photos/{stored.id}.jpg")
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"


def test_the_photo_lists_show_small_thumbnails_linked_to_the_kept_photo(app, client, installer):
    base = walk_to_review(client)
    with app.app_context():
        stored = db.session.scalar(select(CommissioningPhoto))
        kept = len(stored.jpeg)
    for step in ("photos", "review"):
        page = client.get(f"{base}/{step}").get_data(as_text=True)
        assert f'<a href="{base}/photos/{stored.id}.jpg"><img src="{base}/photos/{stored.id}/small.jpg"' in page
    small = client.get(f"{base}/photos/{stored.id}/small.jpg")
    assert small.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(small.data)).size) == 320
    assert len(small.data) * 4 < kept


def test_a_photo_stored_before_thumbnails_gets_one_made_once_and_kept(app, client, installer):
    base = walk_to_review(client)
    with app.app_context():
        stored = db.session.scalar(select(CommissioningPhoto))
        stored.thumbnail = None
        photo_id = stored.id
        db.session.commit()
    assert client.get(f"{base}/photos/{photo_id}/small.jpg").status_code == 200
    with app.app_context():
        kept = db.session.get(CommissioningPhoto, photo_id).thumbnail
    assert kept is not None
    assert client.get(f"{base}/photos/{photo_id}/small.jpg").data == kept
    assert client.get(f"{base}/photos/{photo_id + 1}/small.jpg").status_code == 404


def _fleet(app, email: str, drafts: int, completed: int) -> None:
    """Drafts and completed commissionings, each a minute newer than the one before (completed last)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        start_at = utcnow() - timedelta(days=1)
        for number in range(drafts + completed):
            row = CommissioningFactory(installer=user, with_photo=number < drafts)
            row.updated_at = start_at + timedelta(minutes=number)
            if number >= drafts:
                row.status = CommissioningStatus.COMPLETED
                row.completed_at = row.updated_at
        db.session.commit()


def test_my_stations_come_a_page_at_a_time_drafts_first_then_the_newest(app, client, installer):
    _fleet(app, installer, drafts=PAGE_SIZE + 2, completed=PAGE_SIZE + 3)
    with app.app_context():
        drafts = [row.id for row in db.session.scalars(select(Commissioning).where(
            Commissioning.status == CommissioningStatus.DRAFT).order_by(Commissioning.updated_at.desc()))]
        done = [row.id for row in db.session.scalars(select(Commissioning).where(
            Commissioning.status == CommissioningStatus.COMPLETED).order_by(Commissioning.updated_at.desc()))]
    seen, url, pages = [], "/installer/stations/", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [int(found) for found in re.findall(r'data-commissioning="(\d+)"', page)]
        following = re.search(r'rel="next" href="([^"]+)"', page)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    assert seen == drafts + done
    assert pages == 3
    assert "Continue" in client.get("/installer/stations/").get_data(as_text=True)
    # A cursor that is not one of the installer's rows starts at the beginning.
    assert f'data-commissioning="{drafts[0]}"' in client.get("/installer/stations/?after=999999999999").get_data(
        as_text=True)


def test_my_stations_reads_the_same_few_statements_however_many_stations(app, client, installer):
    _fleet(app, installer, drafts=2, completed=3)
    few = len(statements_for(app, client, "/installer/stations/"))
    _fleet(app, installer, drafts=10, completed=2 * PAGE_SIZE)
    many = len(statements_for(app, client, "/installer/stations/"))
    assert few == many
    assert many <= 6


def test_at_most_five_photos_and_at_least_one_to_continue(app, client, installer):
    base = draft_url(start(client))
    client.submit(f"{base}/location", LOCATION)
    client.submit(f"{base}/installation", INSTALLATION)
    client.submit(f"{base}/tests", TESTS)
    refused = client.submit(f"{base}/photos", {"continue": "1"})
    assert refused.status_code == 400
    assert "Add at least one photo" in refused.get_data(as_text=True)
    small = phone_photo(None, size=(800, 600))
    for _ in range(5):
        client.submit(f"{base}/photos", {"kind": "other", "add": "1", "photo": upload(small)},
                      content_type="multipart/form-data")
    page = client.get(f"{base}/photos").get_data(as_text=True)
    assert 'name="add"' not in page
    assert count(app, CommissioningPhoto) == 5
    sixth = client.submit(f"{base}/photos", {"kind": "other", "add": "1", "photo": upload(small)},
                          content_type="multipart/form-data")
    assert sixth.status_code == 400
    assert count(app, CommissioningPhoto) == 5
    photo_id = commissionings(app)[0].id
    with app.app_context():
        first = db.session.scalars(select(CommissioningPhoto.id)).first()
    client.submit(f"{base}/photos", {}, action=f"{base}/photos/{first}/remove")
    assert count(app, CommissioningPhoto) == 4
    assert photo_id


@pytest.mark.parametrize(("change", "message"), [
    ({"latitude": "91", "longitude": "10"}, "Latitude must be between -90 and 90."),
    ({"latitude": "59.9", "longitude": "-181"}, "Longitude must be between -180 and 180."),
    ({"latitude": "", "longitude": ""}, "Give the position"),
    ({"latitude": "north", "longitude": "10"}, "Give a number in decimal degrees, e.g. 59.913868."),
    ({"country": "US"}, "Not a valid choice"),
    ({"street": ""}, "This field is required."),
])
def test_a_bad_location_is_refused_and_nothing_is_saved(app, client, installer, change, message):
    base = draft_url(start(client))
    response = client.submit(f"{base}/location", {**LOCATION, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    (row,) = commissionings(app)
    assert row.location_saved_at is None
    assert row.street is None


@pytest.mark.parametrize(("change", "message"), [
    ({"breaker_a": "16", "max_current_a": "20"}, "it may not be more than the breaker rating"),
    ({"max_current_a": "4"}, "Give a current from 6 to 80 A."),
    ({"breaker_a": "sixteen"}, "Give a whole number of amperes."),
    ({"phases": "2"}, "Not a valid choice"),
    ({"earthing": "TN"}, "Not a valid choice"),
    ({"earthing": "IT"}, "An IT supply has no neutral and 230 V between phases: choose 230 V."),
    ({"earthing": "TN-S", "supply_v": "230"}, "A TN supply has a neutral and 400 V between phases"),
    ({"supply_v": "110"}, "Not a valid choice"),
    ({"breaker_curve": "D"}, "Not a valid choice"),
    ({"breaker_curve": ""}, "Choose the circuit breaker"),
    ({"rcd_type": "ccid20"}, "Not a valid choice"),
])
def test_a_bad_installation_is_refused_and_nothing_is_saved(app, client, installer, change, message):
    base = draft_url(start(client))
    client.submit(f"{base}/location", LOCATION)
    response = client.submit(f"{base}/installation", {**INSTALLATION, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    (row,) = commissionings(app)
    assert row.installation_saved_at is None
    assert row.breaker_a is None


def test_the_wizard_is_translated(app, client):
    register_stations(app)
    make_installer(app, client, locale="nb")
    base = draft_url(start(client))
    page = client.get(f"{base}/location").get_data(as_text=True)
    assert 'lang="nb"' in page
    assert "Plassering" in page
    response = client.submit(f"{base}/location", {**LOCATION, "latitude": "95"})
    assert "Breddegraden må være mellom -90 og 90." in response.get_data(as_text=True)


def test_someone_elses_draft_is_not_found(app, client, installer):
    base = draft_url(start(client))
    other = PortalClient(app.test_client())
    make_installer(app, other)
    assert other.get(f"{base}/location").status_code == 404
    assert other.get(f"{base}/report.pdf").status_code == 404


NORWAY_IT = {**INSTALLATION, "earthing": "IT", "supply_v": "230", "breaker_curve": "C"}
#: Typed as a Norwegian installer types them: decimal commas.
NORWAY_TESTS = {"continuity_ohm": "0,31", "insulation_mohm": "299", "electrode_ohm": "45,5", "double_fault_ohm": "0,3",
                "rcd_trip_ms": "22",
                "rcd_trip_ma": "21,5", "dc_6ma_ok": "pass", "phase_rotation_ok": "pass",
                "insulation_monitor_ok": "pass", "instrument": "Metrel MI 3152, 21430098"}


def test_a_norwegian_installer_records_an_it_system_and_its_measurements_on_the_report(app, client):
    register_stations(app)
    make_installer(app, client, locale="nb")
    base = draft_url(start(client))
    client.submit(f"{base}/location", LOCATION)
    installation = client.get(f"{base}/installation").get_data(as_text=True)
    assert "IT (230 V, uten nøytralleder)" in installation
    assert "De fleste norske boliger har 230 V mellom faser" in installation  # a site in Norway
    assert client.submit(f"{base}/installation", NORWAY_IT).status_code == 302
    page = client.get(f"{base}/tests").get_data(as_text=True)
    assert 'name="electrode_ohm"' in page            # RA, not Zs, on IT
    assert 'name="loop_impedance_ohm"' not in page
    assert 'name="insulation_monitor_ok"' in page
    assert 'name="double_fault_ohm"' in page           # the breaker clears the second fault
    assert client.submit(f"{base}/tests", NORWAY_TESTS).status_code == 302
    (row,) = commissionings(app)
    assert row.earthing == "IT"
    assert row.supply_v == 230
    assert row.electrode_ohm == Decimal("45.5")
    assert row.rcd_trip_ma == Decimal("21.5")
    assert row.rcd_trip_ms == 22
    assert row.insulation_monitor_ok is True
    assert row.double_fault_ohm == Decimal("0.3")
    assert row.loop_impedance_ohm is None
    client.submit(f"{base}/photos", {"kind": "station", "add": "1", "photo": upload(phone_photo(None))},
                  content_type="multipart/form-data")
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "12,7 kW" in review                      # 32 A on three phases of 230 V, not 22 kW
    assert client.submit(f"{base}/review", {}).status_code == 302

    text = " ".join(pdf_text(client.get(f"{base}/report.pdf").data).split())
    for expected in ("IT (230 V, uten nøytralleder)", "230 V mellom faser", "12,7 kW", "C32 A",
                     "Jordelektrodens overgangsmotstand (RA)", "45,5 Ω · Godkjent", "RA × 30 mA høyst 50 V",
                     "Isolasjonsresistans ved 500 V DC", "299 MΩ", "Minst 1 MΩ", "22 ms", "21,5 mA",
                     "Jordfeilvarsling Godkjent", "Metrel MI 3152, 21430098"):
        assert expected in text, expected
    assert "Zs" not in text


@pytest.mark.parametrize(("change", "message"), [
    ({"insulation_mohm": "lots"}, "Type the reading as a number with at most 2 decimals"),
    ({"insulation_mohm": "1e3"}, "Type the reading as a number with at most 2 decimals"),
    ({"loop_impedance_ohm": "0.456"}, "Type the reading as a number with at most 2 decimals"),
    ({"loop_impedance_ohm": "-0.4"}, "is not a reading this test gives"),
    ({"loop_impedance_ohm": "250"}, "250 Ω is not a reading this test gives: give one from 0 to 200 Ω."),
    ({"rcd_trip_ms": "24.5"}, "Type the reading as a whole number"),
    ({"rcd_trip_ms": "9000"}, "is not a reading this test gives"),
    ({"continuity_ohm": ""}, "This field is required."),
    ({"dc_6ma_ok": "maybe"}, "Not a valid choice"),
    ({"phase_rotation_ok": ""}, "Choose pass or fail."),
    ({"instrument": " "}, "make, model and serial number."),
])
def test_a_reading_that_is_not_one_is_refused_and_nothing_is_saved(app, client, installer, change, message):
    base = draft_url(start(client))
    client.submit(f"{base}/location", LOCATION)
    client.submit(f"{base}/installation", INSTALLATION)
    response = client.submit(f"{base}/tests", {**TESTS, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    (row,) = commissionings(app)
    assert row.tests_saved_at is None
    assert row.insulation_mohm is None


@pytest.mark.parametrize(("change", "reason"), [
    ({"insulation_mohm": "0.5"}, "Insulation resistance 0.5 MΩ is below 1 MΩ"),
    ({"loop_impedance_ohm": "1.38"}, "Zs 1.38 Ω is above 1.37 Ω, the most for a B32 circuit breaker"),
    ({"rcd_trip_ms": "301"}, "The RCD took 301 ms to trip: at 30 mA it must trip within 300 ms."),
    ({"rcd_trip_ma": "15"}, "The RCD tripped at 15 mA: it must trip above 15 mA and at 30 mA at most."),
    ({"rcd_trip_ma": "31"}, "The RCD tripped at 31 mA"),
    ({"dc_6ma_ok": "fail"}, "6 mA DC protection: failed (required: The station disconnects on 6 mA smooth DC)."),
    ({"phase_rotation_ok": "fail"}, "Phase rotation: failed"),
])
def test_a_failing_measurement_is_kept_but_stops_the_confirmation_and_says_why(app, client, installer, change,
                                                                                reason):
    base = walk_to_review(client, tests={**TESTS, **change})
    (row,) = commissionings(app)
    assert row.tests_saved_at is not None            # a valid reading is kept, failing or not
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "The commissioning cannot be confirmed yet" in review
    assert reason in review.replace("&#39;", "'")
    assert "Confirm the commissioning" not in review
    refused = client.submit(f"{base}/review", {}, action=f"{base}/review")
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True).replace("&#39;", "'")
    assert reason in page
    assert station(app).status == StationStatus.IN_STOCK
    assert count(app, CommissioningReport) == 0
    # Measured again after the fault is put right: now it confirms.
    assert client.submit(f"{base}/tests", TESTS).status_code == 302
    assert client.submit(f"{base}/review", {}).headers["Location"].endswith("/done")


def test_a_measurement_the_new_earthing_needs_is_missing_until_it_is_recorded(app, client, installer):
    base = walk_to_review(client)
    changed = client.submit(f"{base}/installation", {**INSTALLATION, "earthing": "TT"})
    assert changed.status_code == 302
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "Not recorded: Earth electrode resistance (RA)." in review
    assert client.submit(f"{base}/review", {}).status_code == 302
    assert station(app).status == StationStatus.IN_STOCK
    high = {**TESTS, "electrode_ohm": "1700"}
    del high["loop_impedance_ohm"]
    client.submit(f"{base}/tests", high)
    assert "RA × 30 mA is 51 V, more than 50 V." in client.get(f"{base}/review").get_data(as_text=True)
    client.submit(f"{base}/tests", {**high, "electrode_ohm": "120"})
    assert client.submit(f"{base}/review", {}).headers["Location"].endswith("/done")
    (row,) = commissionings(app)
    assert row.loop_impedance_ohm is None            # not asked on TT, so not kept


def test_a_north_american_installer_records_the_grounding_and_ground_fault_tests_only(app, client):
    register_stations(app)
    make_installer(app, client, region=Region.NORTH_AMERICA, country="US", phone="+12025550123")
    base = draft_url(start(client))
    us_site = {**LOCATION, "country": "US", "postal_code": "20001", "city": "Washington"}
    assert client.submit(f"{base}/location", us_site).status_code == 302
    installation = {"breaker_a": "40", "max_current_a": "32", "phases": "1", "rcd_type": "ccid20",
                    "network": "wifi", "access": "private"}
    page = client.get(f"{base}/installation").get_data(as_text=True)
    assert 'name="earthing"' not in page
    assert 'name="supply_v"' not in page
    assert client.submit(f"{base}/installation", installation).status_code == 302
    page = client.get(f"{base}/tests").get_data(as_text=True)
    assert 'name="continuity_ohm"' in page
    assert 'name="ground_fault_ok"' in page
    for european in ("insulation_mohm", "loop_impedance_ohm", "electrode_ohm", "rcd_trip_ms", "dc_6ma_ok"):
        assert f'name="{european}"' not in page
    tests = {"continuity_ohm": "0.18", "ground_fault_ok": "fail", "instrument": "Fluke 1664 FC, 12345678"}
    assert client.submit(f"{base}/tests", tests).status_code == 302
    client.submit(f"{base}/photos", {"kind": "station", "add": "1", "photo": upload(phone_photo(None))},
                  content_type="multipart/form-data")
    assert "Ground-fault protection (CCID or GFCI) test: failed" in client.get(f"{base}/review").get_data(
        as_text=True)
    client.submit(f"{base}/tests", {**tests, "ground_fault_ok": "pass"})
    assert client.submit(f"{base}/review", {}).headers["Location"].endswith("/done")


def test_the_norwegian_supply_hint_is_shown_for_sites_in_norway_only(app, client):
    register_stations(app)
    make_installer(app, client)
    base = draft_url(start(client))
    client.submit(f"{base}/location", {**LOCATION, "country": "NL", "postal_code": "1011 AB", "city": "Amsterdam"})
    assert "Most Norwegian homes" not in client.get(f"{base}/installation").get_data(as_text=True)
    client.submit(f"{base}/location", LOCATION)
    assert "Most Norwegian homes" in client.get(f"{base}/installation").get_data(as_text=True)
