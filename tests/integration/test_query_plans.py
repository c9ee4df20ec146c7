"""The console's searches and lists read indexes, not whole tables (PostgreSQL only).

The queries are the services' own, captured as they run, then EXPLAINed. The tables hold realistic numbers of rows
(up to 100,000, inserted with generate_series and ANALYZEd) rather than a handful under enable_seqscan = off:
the planner then chooses as it will in production, so a plan that could use an index but would not is caught too.
Everything happens in one transaction that is rolled back, statistics included.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from core.database import db
from core.mail.services import outbox_overview
from installer_portal.accounts.models import User
from installer_portal.commissioning.services import commissionings_of
from installer_portal.staff.audit import audit_records
from installer_portal.staff.models import AuditAction
from installer_portal.staff.people import person_overview, search_people
from installer_portal.stations.registry import search_stations, station_list
from installer_portal.stations.services import station_by_serial
from tests.helpers import recorded_statements

#: Tables that grow with the fleet: none of them may be read whole by a console page.
BIG_TABLES = {"users", "stations", "audit_records", "commissionings", "mail_outbox"}

#: Row counts: enough that a sequential scan costs the planner more than an index would. People are the issue's
#: 100,000: at 20,000 short rows the planner rightly prefers reading users whole to a trigram index.
SIZES = {"people": 100_000, "stations": 50_000, "fleet": 10_000, "records": 20_000, "commissionings": 20_000,
         "messages": 20_000}

FILL = [
    """INSERT INTO users (email, password_hash, region, locale, created_at, password_changed_at, first_name,
                           last_name, phone)
        SELECT 'person' || g || '@example.com', 'x', 'eu', 'en', now() - g * interval '1 minute', now(),
               'First' || g, 'Last' || g, '+4740' || lpad(g::text, 6, '0')
        FROM generate_series(1, :people) g""",
    """INSERT INTO stations (serial, mac, model, rated_power_kw, connectors, manufactured_on, status, created_at,
                              installer_id, commissioned_at)
        SELECT 'EVP-22-' || lpad(g::text, 7, '0'),
               '02:00:5E:' || substr(lpad(to_hex(g), 6, '0'), 1, 2) || ':' || substr(lpad(to_hex(g), 6, '0'), 3, 2)
               || ':' || substr(lpad(to_hex(g), 6, '0'), 5, 2),
               'Wallbox Pro 22', 22.0, 2, date '2026-08-14',
               CASE WHEN g <= :fleet THEN 'commissioned' ELSE 'in_stock' END, now() - g * interval '1 second',
               CASE WHEN g <= :fleet THEN (SELECT min(id) FROM users) END,
               CASE WHEN g <= :fleet THEN now() - g * interval '1 second' END
        FROM generate_series(1, :stations) g""",
    """INSERT INTO audit_records (at, actor_id, subject_type, subject_key, subject_id, action, reason, detail)
        SELECT now() - g * interval '1 second', u.first + g % 50, 'person', (u.first + g % :people)::text,
               u.first + g % :people, CASE WHEN g % 2 = 0 THEN 'revoke_installer' ELSE 'resend_confirmation' END,
               'reason', NULL
        FROM generate_series(1, :records) g, (SELECT min(id) AS first FROM users) u""",
    """INSERT INTO commissionings (station_id, installer_id, status, started_at, updated_at)
        SELECT s.first + g, u.first + g % 100, 'draft', now() - g * interval '1 second', now()
        FROM generate_series(0, :commissionings - 1) g, (SELECT min(id) AS first FROM users) u,
             (SELECT min(id) AS first FROM stations) s""",
    """INSERT INTO mail_outbox (message_id, to_address, template, locale, subject, status, attempts, created_at,
                                 next_attempt_at, sent_at)
        SELECT '<' || g || '@example.com>', 'person' || g || '@example.com', 'confirm_email', 'en', 'Subject',
               CASE WHEN g % 100 = 0 THEN 'failed' ELSE 'sent' END, 1, now() - g * interval '1 second', now(),
               now() - g * interval '1 second'
        FROM generate_series(1, :messages) g""",
]


def scanned_whole(plan: dict) -> list[str]:
    """The big tables a plan reads with a sequential scan."""
    found = [plan["Relation Name"]] if plan.get("Node Type") == "Seq Scan" and \
        plan.get("Relation Name") in BIG_TABLES else []
    for child in plan.get("Plans", []):
        found += scanned_whole(child)
    return found


def seq_scans(run: Callable[[], object]) -> list[tuple[str, str]]:
    """Each statement `run` makes that reads a big table whole, with the tables it reads so."""
    with recorded_statements(db.engine) as statements:
        run()
    assert statements
    problems = []
    connection = db.session.connection()
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        plan = plan if isinstance(plan, list) else json.loads(plan)
        tables = scanned_whole(plan[0]["Plan"])
        if tables:
            problems.append((", ".join(tables), statement))
    return problems


@pytest.fixture
def fleet(app):
    """A national-scale slice of the registry in an open transaction, ANALYZEd; rolled back afterwards."""
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("query plans are PostgreSQL's")
        for statement in FILL:
            db.session.execute(text(statement), SIZES)
        for table in BIG_TABLES:
            db.session.execute(text(f"ANALYZE {table}"))
        try:
            yield
        finally:
            db.session.rollback()


def _first_user_id() -> int:
    return db.session.scalar(select(func.min(User.id)))


def _person_page() -> object:
    installer = db.session.scalar(select(User).order_by(User.id).limit(1))
    staff = db.session.scalar(select(User).order_by(User.id.desc()).limit(1))
    page = person_overview(installer, staff)
    return person_overview(installer, staff, {"stations_after": page.stations.older or "",
                                              "commissionings_after": page.commissionings.older or ""})


def _my_stations() -> object:
    """An installer's "My stations" (200 open drafts in the fill), first page and the next."""
    installer = db.session.scalar(select(User).order_by(User.id).limit(1))
    page = commissionings_of(installer)
    return commissionings_of(installer, after=page.after)


def _next_pages() -> object:
    stations = station_list()
    records = audit_records(action=AuditAction.REVOKE_INSTALLER)
    sent = outbox_overview()["sent"]
    return (station_list(after=stations.older), station_list(before=stations.older),
            audit_records(action=AuditAction.REVOKE_INSTALLER, after=records.older),
            outbox_overview({"sent_after": sent.older or "", "failing_before": sent.older or ""}))


QUERIES: dict[str, Callable[[], object]] = {
    "people by exact email": lambda: search_people("person123@example.com"),
    "people by email fragment": lambda: search_people("on1234@exa"),
    "people by name fragment": lambda: search_people("last1234"),
    "people by first and last name": lambda: search_people("First12 Last12"),
    "people by phone digits": lambda: search_people("4740 0012 34"),
    "station by exact MAC": lambda: search_stations("02-00-5e-00-30-39"),
    "station by exact serial": lambda: search_stations("EVP-22-0012345"),
    "stations by serial fragment": lambda: search_stations("0012345"),
    "station list": station_list,
    "audit log": audit_records,
    "audit log by staff member": lambda: audit_records(actor_id=_first_user_id()),
    "audit log by person": lambda: audit_records(person_id=_first_user_id() + 7),
    "audit log by action": lambda: audit_records(action=AuditAction.REVOKE_INSTALLER),
    "station history": lambda: audit_records(subject=station_by_serial("EVP-22-0000042")),
    "outbox": outbox_overview,
    "a fleet installer's person page": _person_page,
    "My stations": _my_stations,
    "next and newer pages": _next_pages,
}


def test_console_searches_and_lists_read_indexes_not_whole_tables(fleet):
    # One fill for all the queries: it takes seconds, the EXPLAINs milliseconds.
    problems = {name: found for name, run in QUERIES.items() if (found := seq_scans(run))}
    assert not problems, "\n".join(f"{name}: Seq Scan on {tables}: {statement}"
                                    for name, found in problems.items() for tables, statement in found)
