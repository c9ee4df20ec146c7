"""Build the scale database of issue 13: a national fleet on PostgreSQL, with the app's own migrations.

Drops and recreates the database named in the URL, runs the migrations, then adds:
- a support staff member (SUPPORT_EMAIL) and a fleet installer (FLEET_EMAIL), both made by the test factories
  (tests/factories.py: the installer with certificate, invitation and installer account), password PASSWORD;
- 100,000 more people (2,000 of them installers by role), bulk-inserted: 100,002 people in all;
- 1,000,000 stations: the fleet installer's 10,000 and 57,000 of the other installers' commissioned, the rest in
  stock; 67,000 completed commissionings, one per commissioned station;
- 50,000 audit records by the staff member, half about people (resent confirmations) and half about stations
  (transfers, 25 of them about the fleet's first station, SUPPORT_SERIAL);
then ANALYZE. Rows are made with `INSERT … SELECT generate_series` in the database: nothing crosses the wire.
bench/scale.py measures the console and the installer pages on it. The data is not committed anywhere.

Run: .venv/bin/python bench/scale_data.py [postgresql+psycopg://postgres@127.0.0.1:5432/portal_scale]
Another checkout's code (its migrations): PYTHONPATH=/path/to/checkout .venv/bin/python bench/scale_data.py URL
"""

# ruff: noqa: S608 -- the statements are built from this file's constants and table names, never from input

from __future__ import annotations

import os
import sys
import time

import isolation  # noqa: F401  (first: the project on the path, development settings)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_scale"
SUPPORT_EMAIL = "support@scale.example.com"
FLEET_EMAIL = "fleet@scale.example.com"
SUPPORT_SERIAL = "EVP-22-0000001"
STATIONS = 1_000_000
PEOPLE = 100_000  # besides the staff member and the fleet installer
INSTALLER_EVERY = 50  # every 50th person is an installer: 2,000
FLEET_STATIONS = 10_000
COMMISSIONED = 67_000
AUDIT_RECORDS = 50_000

FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Lars", "Sofie", "Jan", "Emma", "Pieter", "Anouk", "Liam", "Noah", "Olivia",
               "Mia", "Lucas", "Sanne", "Bram", "Nora", "Henrik", "Maja", "Daan"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "de Vries", "Jansen", "Bakker", "Visser", "Smith", "Brown",
              "Wilson", "Berg", "Haugen", "Dijkstra", "Mulder", "Taylor", "Larsen", "Moen", "Smit", "Meijer"]


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + word.replace("'", "''") + "'" for word in words) + "]"


#: (what, statement) in order; :hash, :staff and :fleet are bound. g runs from 1.
STEPS = [
    ("people", f"""
        INSERT INTO users (email, password_hash, region, locale, created_at, email_confirmed_at, password_changed_at,
                           first_name, last_name, phone, country, profile_completed_at)
        SELECT lower(replace(f, ' ', '') || '.' || replace(l, ' ', '') || g) || '@example.com', :hash,
               CASE WHEN g % 3 = 0 THEN 'na' ELSE 'eu' END, 'en', now() - g * interval '5 minutes',
               now() - g * interval '5 minutes', now() - g * interval '5 minutes', f, l,
               '+4740' || lpad(g::text, 6, '0'), CASE WHEN g % 3 = 0 THEN 'US' ELSE 'NO' END,
               now() - g * interval '5 minutes'
        FROM generate_series(1, {PEOPLE}) AS g,
             LATERAL (SELECT ({_sql_array(FIRST_NAMES)})[1 + g % {len(FIRST_NAMES)}] AS f,
                             ({_sql_array(LAST_NAMES)})[1 + (g / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}] AS l) AS n
    """),
    ("installer roles", f"""
        INSERT INTO role_grants (user_id, role, granted_at)
        SELECT id, 'installer', created_at FROM users WHERE id > :fleet AND id % {INSTALLER_EVERY} = 0
    """),
    ("stations", f"""
        WITH installers AS (
            SELECT array_agg(user_id ORDER BY user_id) AS ids FROM role_grants
            WHERE role = 'installer' AND user_id <> :fleet)
        INSERT INTO stations (serial, mac, model, rated_power_kw, connectors, manufactured_on, status, created_at,
                              installer_id, commissioned_at)
        SELECT 'EVP-22-' || lpad(g::text, 7, '0'),
               '02:00:5F:' || upper(lpad(to_hex((g >> 16) & 255), 2, '0') || ':' || lpad(to_hex((g >> 8) & 255), 2, '0')
                                    || ':' || lpad(to_hex(g & 255), 2, '0')),
               CASE WHEN g % 4 = 0 THEN 'Wallbox Pro 11' ELSE 'Wallbox Pro 22' END,
               CASE WHEN g % 4 = 0 THEN 11.0 ELSE 22.0 END, 1 + g % 2, date '2026-01-01' + (g % 300),
               CASE WHEN g <= {COMMISSIONED} THEN 'commissioned' ELSE 'in_stock' END,
               now() - interval '400 days' + g * interval '30 seconds',
               CASE WHEN g <= {FLEET_STATIONS} THEN :fleet
                    WHEN g <= {COMMISSIONED} THEN ids[1 + g % array_length(ids, 1)] END,
               CASE WHEN g <= {COMMISSIONED} THEN now() - interval '1 day' * (g % 365) END
        FROM generate_series(1, {STATIONS}) AS g, installers
    """),
    ("commissionings", """
        INSERT INTO commissionings (station_id, installer_id, status, started_at, updated_at, completed_at, site_name,
            street, postal_code, city, country, latitude, longitude, accuracy_m, parking_bay, location_saved_at,
            breaker_a, max_current_a, phases, earthing, supply_v, breaker_curve, rcd_type, network, access,
            installation_saved_at, continuity_ohm, insulation_mohm, loop_impedance_ohm, rcd_trip_ms, rcd_trip_ma,
            dc_6ma_ok, phase_rotation_ok, instrument, tests_saved_at, certificate_number, certificate_expires_at)
        SELECT id, installer_id, 'completed', commissioned_at - interval '2 hours', commissioned_at, commissioned_at,
               'Site ' || id, 'Storgata ' || (id % 200 + 1), '0155', 'Oslo', 'NO', 59.913868, 10.752245, 8, 'P3',
               commissioned_at, 32, 32, 3, 'TN-C-S', 400, 'B', 'type_a_6ma', 'wifi', 'private', commissioned_at,
               0.22, 299, 0.45, 24, 22.5, true, true, 'Fluke 1664 FC, 12345678', commissioned_at,
               'EU-2026-' || lpad(installer_id::text, 6, '0'), commissioned_at + interval '3 years'
        FROM stations WHERE status = 'commissioned' ORDER BY id
    """),
    ("audit records", f"""
        INSERT INTO audit_records (at, actor_id, subject_id, action, reason, detail, subject_type, subject_key, ip)
        SELECT now() - g * interval '7 minutes', :staff,
               CASE WHEN g % 2 = 0 THEN u.id ELSE s.installer_id END,
               CASE WHEN g % 2 = 0 THEN 'resend_confirmation' ELSE 'transfer_station' END,
               'Asked on the phone, ticket ' || g,
               CASE WHEN g % 2 = 0 THEN u.email ELSE s.serial END,
               CASE WHEN g % 2 = 0 THEN 'person' ELSE 'station' END,
               CASE WHEN g % 2 = 0 THEN u.id::text ELSE s.serial END, '192.0.2.10'
        FROM generate_series(1, {AUDIT_RECORDS}) AS g
        JOIN users AS u ON u.id = :fleet + 1 + (g::bigint * 7919) % {PEOPLE}
        JOIN stations AS s
          ON s.id = CASE WHEN g % 2 = 1 AND g < 50 THEN 1 ELSE 1 + (g::bigint * 104729) % {COMMISSIONED} END
    """),
]


def build(url: str) -> dict[str, float]:
    """The database at `url` built afresh; returns the seconds each step took."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from core.database import db
    from installer_portal.accounts.passwords import hash_password
    from installer_portal.app import create_app
    from tests.factories import PASSWORD, InstallerFactory, UserFactory

    server = sa.make_url(url)
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{server.database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{server.database}"'))
    admin.dispose()

    timings: dict[str, float] = {}
    os.environ["DATABASE_URL"] = url  # the engine options follow the URL's kind
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        timings["migrations"] = time.perf_counter() - started
        staff = UserFactory(email=SUPPORT_EMAIL, support=True, with_profile=True, first_name="Sam",
                            last_name="Support")
        fleet = InstallerFactory(email=FLEET_EMAIL, first_name="Fleet", last_name="Installer")
        values = {"hash": hash_password(PASSWORD), "staff": staff.id, "fleet": fleet.id}
        for what, statement in STEPS:
            started = time.perf_counter()
            db.session.execute(sa.text(statement), values)
            db.session.commit()
            timings[what] = time.perf_counter() - started
        started = time.perf_counter()
        for table in ("users", "stations", "commissionings", "audit_records", "role_grants"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
        timings["vacuum analyze"] = time.perf_counter() - started
        counts = {table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                  for table in ("users", "stations", "commissionings", "audit_records")}
    print("rows:", ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    return timings


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL
    started = time.perf_counter()
    timings = build(url)
    for what, seconds in timings.items():
        print(f"{what:>16}: {seconds:7.1f} s")
    print(f"{'total':>16}: {time.perf_counter() - started:7.1f} s")


if __name__ == "__main__":
    main()
