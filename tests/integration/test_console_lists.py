"""The support console at scale: lists read a page at a time with links that keep the filters, searches that
look up exact identifiers first, and pages whose statement count does not grow with their rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from core.database import db, utcnow
from core.mail.models import MailStatus, OutboxMessage
from core.pages import PAGE_SIZE
from installer_portal.commissioning.models import Commissioning
from installer_portal.staff.models import AuditAction, AuditRecord, SubjectType
from installer_portal.stations.models import Station, StationStatus
from tests.factories import InstallerFactory, UserFactory
from tests.helpers import log_in, make_user, statements_for, user_row


@pytest.fixture
def staff(app, client):
    email = make_user(app, support=True)
    log_in(client, email)
    return email


def add_stations(app, count: int, *, installer_id: int | None = None, start: int = 0) -> None:
    """`count` stations in one INSERT, a minute apart, the highest number newest."""
    now = utcnow()
    rows = [{"serial": f"SCALE-{n:06d}", "mac": f"02:AA:00:{n >> 16 & 0xFF:02X}:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}",
             "model": "Wallbox Pro 22", "rated_power_kw": Decimal("22.0"), "connectors": 2,
             "manufactured_on": date(2026, 8, 14), "created_at": now - timedelta(minutes=10_000 - n),
             "status": StationStatus.COMMISSIONED if installer_id else StationStatus.IN_STOCK,
             "installer_id": installer_id,
             "commissioned_at": now - timedelta(minutes=10_000 - n) if installer_id else None}
            for n in range(start, start + count)]
    with app.app_context():
        db.session.execute(insert(Station), rows)
        db.session.commit()


def add_records(app, count: int, *, actor_email: str) -> None:
    """`count` audit records, each about a different person (so each row names someone else)."""
    with app.app_context():
        actor = user_row(app, actor_email)
        people = UserFactory.create_batch(count)
        now = utcnow()
        db.session.execute(insert(AuditRecord), [
            {"actor_id": actor.id, "subject_type": SubjectType.PERSON, "subject_key": str(person.id),
             "subject_id": person.id,
             "action": AuditAction.RESEND_CONFIRMATION if n % 2 else AuditAction.REVOKE_INSTALLER,
             "reason": f"reason {n}", "detail": person.email, "at": now - timedelta(minutes=count - n)}
            for n, person in enumerate(people)])
        db.session.commit()


def add_commissionings(app, installer_id: int, count: int, *, start: int) -> None:
    """`count` drafts by the installer, of stations in stock (not on their page's list of stations)."""
    add_stations(app, count, start=start)
    with app.app_context():
        station_ids = db.session.scalars(select(Station.id).where(Station.serial >= f"SCALE-{start:06d}",
                                                                  Station.serial < f"SCALE-{start + count:06d}"))
        db.session.execute(insert(Commissioning), [{"station_id": station_id, "installer_id": installer_id}
                                                   for station_id in station_ids])
        db.session.commit()


def next_link(html: str) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


def newer_link(html: str) -> str | None:
    found = re.search(r'rel="prev" href="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


# Statements per page --------------------------------------------------------------------------------


def test_the_audit_log_runs_as_many_statements_for_a_full_page_as_for_two_rows(app, client, staff):
    add_records(app, 2, actor_email=staff)
    few = len(statements_for(app, client, "/support/audit"))
    add_records(app, PAGE_SIZE + 5, actor_email=staff)
    full = len(statements_for(app, client, "/support/audit"))
    assert full == few <= 8


def test_the_station_list_and_a_fleet_installers_page_do_not_grow_with_their_rows(app, client, staff):
    with app.app_context():
        installer = InstallerFactory()
        installer_id, other_id = installer.id, InstallerFactory(email="other@example.com").id
    add_stations(app, 2, installer_id=installer_id)
    add_stations(app, 2, installer_id=other_id, start=100)
    add_commissionings(app, installer_id, 2, start=1000)
    list_few = len(statements_for(app, client, "/support/stations"))
    person_few = len(statements_for(app, client, f"/support/people/{installer_id}"))
    add_stations(app, PAGE_SIZE + 5, installer_id=installer_id, start=200)
    add_commissionings(app, installer_id, PAGE_SIZE + 5, start=2000)
    assert len(statements_for(app, client, "/support/stations")) == list_few
    assert len(statements_for(app, client, f"/support/people/{installer_id}")) == person_few


# Keyset pages -------------------------------------------------------------------------------------------


def test_the_station_list_pages_newest_first_with_next_and_newer_links(app, client, staff):
    add_stations(app, PAGE_SIZE + 3)
    first = client.get("/support/stations").get_data(as_text=True)
    newest = f"SCALE-{PAGE_SIZE + 2:06d}"
    assert newest in first
    assert "SCALE-000002" not in first
    assert newer_link(first) is None
    second = client.get(next_link(first)).get_data(as_text=True)
    assert "SCALE-000000" in second
    assert "SCALE-000002" in second
    assert newest not in second
    assert next_link(second) is None
    back = client.get(newer_link(second)).get_data(as_text=True)
    assert newest in back
    assert "SCALE-000002" not in back
    assert newer_link(back) is None


def test_the_audit_log_keeps_its_filters_on_the_next_page(app, client, staff):
    add_records(app, 2 * PAGE_SIZE + 10, actor_email=staff)
    first = client.get("/support/audit", query_string={"action": "revoke_installer", "staff": staff})
    html = first.get_data(as_text=True)
    link = next_link(html)
    assert "action=revoke_installer" in link
    assert "staff=" in link
    second = client.get(link).get_data(as_text=True)
    assert "<strong>Installer role revoked" in second
    assert "<strong>Confirmation email sent again" not in second
    reasons = set(re.findall(r"reason \d+", html)) | set(re.findall(r"reason \d+", second))
    assert len(reasons) == PAGE_SIZE + 5


def test_a_fleet_installers_stations_page_separately_from_the_rest_of_the_person_page(app, client, staff):
    with app.app_context():
        installer_id = InstallerFactory().id
    add_stations(app, PAGE_SIZE + 1, installer_id=installer_id)
    first = client.get(f"/support/people/{installer_id}").get_data(as_text=True)
    assert first.count(">SCALE-0") == PAGE_SIZE
    link = next_link(first)
    assert "stations_after=" in link
    assert link.endswith("#stations")
    second = client.get(link).get_data(as_text=True)
    assert "SCALE-000000" in second
    assert 'data-msg="timeline"' in second


def test_the_outbox_pages_each_group_on_its_own(app, client, staff):
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(OutboxMessage), [
            {"message_id": f"<m{n}@example.com>", "to_address": f"to{n}@example.com", "template": "confirm_email",
             "locale": "en", "subject": f"Subject {n}", "status": MailStatus.SENT,
             "sent_at": now - timedelta(minutes=n), "created_at": now - timedelta(minutes=n)}
            for n in range(PAGE_SIZE + 2)])
        db.session.commit()
    first = client.get("/support/outbox").get_data(as_text=True)
    assert f"Subject {PAGE_SIZE + 1}" not in first
    second = client.get(next_link(first)).get_data(as_text=True)
    assert f"Subject {PAGE_SIZE + 1}" in second
    assert "Subject 0<" not in second


@pytest.mark.parametrize("cursor", ["nonsense", "2026-13-45T00:00:00~1", "2026-12-01T00:00:00~99999999999",
                                    "~", "x" * 5000, "2026-12-01T00:00:00+00:00~-4", "3000-01-01T00:00:00~1"])
def test_a_bad_cursor_shows_the_first_page(app, client, staff, cursor):
    add_stations(app, 3)
    for url in ("/support/stations", "/support/audit", "/support/outbox", f"/support/people/{user_row(app, staff).id}"):
        for name in ("after", "before", "stations_after", "sent_before"):
            response = client.get(url, query_string={name: cursor})
            assert response.status_code == 200, (url, name)
    assert "SCALE-000002" in client.get("/support/stations", query_string={"after": cursor}).get_data(as_text=True)


def test_a_cursor_with_a_nul_is_refused_at_the_edge(app, client, staff):
    assert client.get("/support/stations", query_string={"after": "2026-12-01T00:00:00\x00~1"}).status_code == 400
    assert client.get("/support/audit", query_string={"before": "\x00"}).status_code == 400


# Searches ------------------------------------------------------------------------------------------------


def test_a_full_mac_or_serial_finds_exactly_that_station(app, client, staff):
    add_stations(app, 20)
    for query in ("02-aa-00-00-00-0b", "02AA0000000B", "SCALE-000011"):
        html = client.get("/support/stations", query_string={"q": query}).get_data(as_text=True)
        assert "SCALE-000011" in html, query
        assert html.count("SCALE-0000") == html.count("SCALE-000011"), query


def test_a_serial_fragment_lists_the_stations_containing_it(app, client, staff):
    add_stations(app, 20)
    html = client.get("/support/stations", query_string={"q": "scale-00001"}).get_data(as_text=True)
    assert all(f"SCALE-0000{n}" in html for n in range(10, 20))
    assert "SCALE-000009" not in html


@pytest.mark.parametrize("query", ["sc", "%%%", "02:AA"])
def test_a_too_short_station_search_says_how_to_search(app, client, staff, query):
    add_stations(app, 3)
    html = client.get("/support/stations", query_string={"q": query}).get_data(as_text=True)
    assert 'data-msg="no_station_found"' in html
    assert "at least three characters" in html


def test_a_full_email_address_finds_only_that_person(app, client, staff):
    make_user(app, email="kari@example.com")
    make_user(app, email="kari@example.com.au")
    html = client.get("/support/", query_string={"q": "KARI@example.com"}).get_data(as_text=True)
    assert "kari@example.com<" in html.replace(" ", "") or "kari@example.com ·" in html
    assert "kari@example.com.au" not in html
    fragment = client.get("/support/", query_string={"q": "kari@example"}).get_data(as_text=True)
    assert "kari@example.com.au" in fragment
