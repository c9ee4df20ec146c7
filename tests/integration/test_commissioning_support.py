"""Commissioning seen from support and the command line, and the one-winner rule under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.database import db
from installer_portal.accounts.models import User
from installer_portal.commissioning.models import (
    Commissioning,
    CommissioningReport,
    CommissioningStatus,
)
from installer_portal.commissioning.services import StationTaken, confirm_commissioning
from installer_portal.staff.models import AuditAction, AuditRecord
from installer_portal.stations.models import Station, StationStatus
from tests.commissioning import (
    SERIAL,
    commission,
    make_installer,
    new_installer,
    phone_photo,
    register_stations,
    station,
    upload,
    walk_to_review,
)
from tests.conftest import BASE_URL, PortalClient
from tests.helpers import log_in, make_user


@pytest.fixture
def commissioned(app, client):
    """A station commissioned by the installer logged in on `client` (from the factories); returns their email.

    The wizard itself is walked in test_commissioning.py.
    """
    register_stations(app)
    email = make_installer(app, client)
    commission(app, email, completed=True)
    return email


@pytest.fixture
def staff_client(app):
    staff = PortalClient(app.test_client())
    log_in(staff, make_user(app, support=True))
    return staff


def staff_act(staff, action: str, **fields):
    page = f"/support/stations/{SERIAL}/"
    return staff.submit(page, fields, action=f"/support/stations/{SERIAL}/actions/{action}")


def records(app) -> list[AuditRecord]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_person_page_lists_their_stations_and_the_station_page_its_history(app, commissioned, staff_client):
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.email == commissioned))
    person = staff_client.get(f"/support/people/{person_id}").get_data(as_text=True)
    assert f'href="/support/stations/{SERIAL}/"' in person
    history = staff_client.get(f"/support/stations/{SERIAL}/").get_data(as_text=True)
    assert commissioned in history
    assert "Hansen, driveway" in history
    assert "Commissioning report (PDF)" in history
    with app.app_context():
        commissioning_id = db.session.scalar(select(Commissioning.id))
    report = staff_client.get(f"/support/commissionings/{commissioning_id}/report.pdf")
    assert report.status_code == 200
    assert report.data.startswith(b"%PDF")


def test_decommissioning_needs_a_reason_is_audited_and_lets_the_station_be_commissioned_again(app, client,
                                                                                             commissioned,
                                                                                             staff_client):
    refused = staff_act(staff_client, "decommission_station", reason="  ")
    assert refused.status_code == 302
    assert station(app).status == StationStatus.COMMISSIONED
    staff_act(staff_client, "decommission_station", reason="Replaced under warranty")
    assert station(app).status == StationStatus.DECOMMISSIONED
    (record,) = records(app)
    assert record.action == AuditAction.DECOMMISSION_STATION
    assert record.detail == SERIAL
    assert record.reason == "Replaced under warranty"
    # A decommissioned station can be commissioned again, e.g. at a new site.
    base = walk_to_review(client)
    assert client.submit(f"{base}/review", {}).status_code == 302
    assert station(app).status == StationStatus.COMMISSIONED


def test_transferring_moves_the_station_to_another_installer(app, commissioned, staff_client):
    other = PortalClient(app.test_client())
    new_owner = make_installer(app, other)
    staff_act(staff_client, "transfer_station", email="nobody@example.com", reason="Took over the site")
    learner = make_user(app, with_profile=True)
    staff_act(staff_client, "transfer_station", email=learner, reason="Took over the site")
    assert records(app) == []
    staff_act(staff_client, "transfer_station", email=new_owner, reason="Took over the site")
    with app.app_context():
        assert db.session.get(User, station(app).installer_id).email == new_owner
    (record,) = records(app)
    assert record.action == AuditAction.TRANSFER_STATION
    assert "You are the installer responsible for this station" in other.get(f"/s/{SERIAL}").get_data(as_text=True)


def test_station_actions_need_a_recent_password(app, commissioned, staff_client):
    with staff_client.raw.session_transaction() as session:
        session.pop("authenticated_at", None)
    response = staff_act(staff_client, "decommission_station", reason="Faulty")
    assert response.status_code == 302
    assert "/support/confirm-password" in response.headers["Location"]
    assert station(app).status == StationStatus.COMMISSIONED


def test_staff_import_stations_from_an_upload_with_each_bad_row_reported(app, staff_client):
    csv = ("serial,mac,model,rated_power_kw,connectors,manufactured_on\n"
           "EVP-1,00:1A:2B:3C:4D:01,Wallbox,22,2,2026-08-14\n"
           "EVP-2,00:1A:2B:3C:4D:ZZ,Wallbox,22,2,2026-08-14\n")
    page = "/support/stations/import"
    response = staff_client.submit(page, {"file": upload(csv.encode(), "stations.csv")},
                                   content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "1 imported, 0 already registered, 1 refused." in html
    assert "Line 3: malformed MAC address 00:1A:2B:3C:4D:ZZ" in html
    again = staff_client.submit(page, {"file": upload(csv.encode(), "stations.csv")},
                                content_type="multipart/form-data").get_data(as_text=True)
    assert "0 imported, 1 already registered, 1 refused." in again


def test_staff_check_a_photo_an_installer_sent(app, staff_client):
    register_stations(app)
    page = "/support/stations/check-photo"
    good = staff_client.submit(page, {"photo": upload(phone_photo(f"{BASE_URL}/s/{SERIAL}"))},
                               content_type="multipart/form-data")
    assert good.status_code == 200
    assert "00:1A:2B:3C:4D:01" in good.get_data(as_text=True)
    bad = staff_client.submit(page, {"photo": upload(phone_photo(None))}, content_type="multipart/form-data")
    assert bad.status_code == 400
    assert "We found no QR code" in bad.get_data(as_text=True)


def test_decode_qr_prints_one_line_per_photo_and_fails_if_any_did_not_resolve(app, tmp_path):
    register_stations(app)
    photos = {"good.jpg": phone_photo(f"{BASE_URL}/s/{SERIAL}"), "mac.jpg": phone_photo("001a2b3c4d02"),
              "wall.jpg": phone_photo(None), "menu.jpg": phone_photo("https://example.com/menu"),
              "unknown.jpg": phone_photo("EVP-99-999999"), "text.jpg": b"not a photo"}
    for name, data in photos.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / name) for name in photos]
    result = app.test_cli_runner().invoke(args=["stations", "decode-qr", *paths])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert len(lines) == len(photos)
    assert lines[0] == f"{paths[0]}: {SERIAL} 00:1A:2B:3C:4D:01"
    assert lines[1] == f"{paths[1]}: EVP-22-000102 00:1A:2B:3C:4D:02"
    assert lines[2].startswith(f"{paths[2]}: We found no QR code")
    assert lines[3].startswith(f"{paths[3]}: This QR code is not a station code")
    assert lines[4].startswith(f"{paths[4]}: We don't know this station")
    assert lines[5].startswith(f"{paths[5]}: ")
    only_good = app.test_cli_runner().invoke(args=["stations", "decode-qr", paths[0]])
    assert only_good.exit_code == 0


def test_two_installers_confirming_the_same_station_at_once_one_wins(app):
    """On PostgreSQL this is a true race; on SQLite the write lock orders the two."""
    register_stations(app)
    drafts = []
    for _ in range(2):
        drafts.append(str(commission(app, new_installer(app), with_photo=True)))
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def confirm(draft_id: str):
        with app.app_context():
            draft = db.session.get(Commissioning, int(draft_id))
            user = draft.installer
            _ = draft.station, draft.photos
            db.session.commit()
            barrier.wait()
            try:
                confirm_commissioning(draft, user)
                db.session.commit()
                outcomes.append("ok")
            except StationTaken:
                db.session.rollback()
                outcomes.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(draft_id,)) for draft_id in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "taken"]
    with app.app_context():
        statuses = sorted(db.session.scalars(select(Commissioning.status)))
        assert statuses == [CommissioningStatus.COMPLETED, CommissioningStatus.SUPERSEDED]
        assert db.session.scalar(select(func.count()).select_from(CommissioningReport)) == 1
        winner = db.session.scalar(select(Commissioning).where(Commissioning.status == CommissioningStatus.COMPLETED))
        assert db.session.scalar(select(Station.installer_id).where(Station.serial == SERIAL)) == winner.installer_id


def test_staff_pages_for_stations_are_refused_to_installers(app, client, commissioned):
    assert client.get(f"/support/stations/{SERIAL}/").status_code == 403
    assert client.get("/support/stations/import").status_code == 403


@pytest.mark.parametrize(("query", "found"), [("22-0001", {"EVP-22-000101", "EVP-22-000102"}),
                                              ("evp-11", {"EVP-11-000103"}),
                                              ("001a.2b3c.4d02", {"EVP-22-000102"}),
                                              ("%", set()), ("nothing", set())])
def test_staff_find_a_station_by_serial_or_mac(app, staff_client, query, found):
    register_stations(app)
    html = staff_client.get("/support/stations", query_string={"q": query}).get_data(as_text=True)
    listed = {serial for serial in ("EVP-22-000101", "EVP-22-000102", "EVP-11-000103")
              if f'value="{serial}"' in html}
    assert listed == found
    if not found:
        assert 'data-msg="no_station_found"' in html
