"""`flask stations import`: valid rows in, each bad row reported with its line, twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core.database import db
from installer_portal.stations.models import Station, StationStatus

HEADER = "serial,mac,model,rated_power_kw,connectors,manufactured_on,colour\n"
GOOD = (
    "EVP-0001,00:1A:2B:3C:4D:5E,Wallbox Pro 22,22,2,2026-09-01,red\n"
    "EVP-0002,00-1a-2b-3c-4d-5f,Wallbox Pro 11,11,1,2026-09-02,\n"
    "EVP-0003,001a.2b3c.4d60,Wallbox Pro 7,7.4,1,2026-09-03,blue\n"
)


def run(app, tmp_path, text, name="stations.csv"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return app.test_cli_runner().invoke(args=["stations", "import", str(path)])


def stations(app) -> dict[str, Station]:
    with app.app_context():
        return {s.serial: s for s in db.session.scalars(select(Station))}


def test_valid_rows_are_imported_with_normalized_macs_and_other_columns_ignored(app, tmp_path):
    result = run(app, tmp_path, HEADER + GOOD)
    assert result.exit_code == 0, result.output
    assert "3 imported, 0 already registered, 0 refused." in result.output
    rows = stations(app)
    assert [rows[s].mac for s in sorted(rows)] == ["00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5F", "00:1A:2B:3C:4D:60"]
    assert str(rows["EVP-0003"].rated_power_kw) == "7.4"
    assert rows["EVP-0001"].status == StationStatus.IN_STOCK


def test_importing_the_same_file_twice_changes_nothing(app, tmp_path):
    run(app, tmp_path, HEADER + GOOD)
    again = run(app, tmp_path, HEADER + GOOD)
    assert again.exit_code == 0
    assert "0 imported, 3 already registered, 0 refused." in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 3


def test_each_bad_row_is_reported_with_its_line_and_reason_and_the_good_ones_are_imported(app, tmp_path):
    run(app, tmp_path, HEADER + GOOD)
    text = HEADER + (
        "EVP-0010,00:1A:2B:3C:4D:70,Wallbox Pro 22,22,2,2026-09-01,\n"      # 2: good
        "EVP-0011,00:1A:2B:3C:4D:ZZ,Wallbox Pro 22,22,2,2026-09-01,\n"      # 3: malformed MAC
        "EVP-0012,00:1A:2B:3C:4D:70,Wallbox Pro 22,22,2,2026-09-01,\n"      # 4: duplicate MAC in the file
        "EVP-0010,00:1A:2B:3C:4D:71,Wallbox Pro 22,22,2,2026-09-01,\n"      # 5: duplicate serial in the file
        "EVP-0013,,Wallbox Pro 22,22,2,2026-09-01,\n"                        # 6: missing MAC
        "EVP-0014,00:1A:2B:3C:4D:5E,Wallbox Pro 22,22,2,2026-09-01,\n"      # 7: MAC registered to EVP-0001
        "EVP-0001,00:1A:2B:3C:4D:72,Wallbox Pro 22,22,2,2026-09-01,\n"      # 8: serial registered, other details
        "EVP-0015,00:1A:2B:3C:4D:73,Wallbox Pro 22,lots,2,2026-09-01,\n"    # 9: power not a number
        "EVP-0016,00:1A:2B:3C:4D:74,Wallbox Pro 22,22,2,21/09/2026,\n"      # 10: date
        "EVP-0017,00:1A:2B:3C:4D:75,Wallbox Pro 22,22,0,2026-09-01,\n"      # 11: connectors
    )
    result = run(app, tmp_path, text, "mixed.csv")
    assert result.exit_code == 1
    output = result.output
    for line, reason in [(3, "malformed MAC address 00:1A:2B:3C:4D:ZZ"), (4, "duplicate MAC address (also on line 2)"),
                         (5, "duplicate serial number (also on line 2)"), (6, "missing mac"),
                         (7, "MAC address already registered to serial number EVP-0001"),
                         (8, "serial number already registered with other details"),
                         (9, "rated_power_kw must be a number of kW"),
                         (10, "manufactured_on must be a date like 2026-11-21"),
                         (11, "connectors must be a whole number from 1 to 16")]:
        assert f"mixed.csv:{line}: {reason}" in output, (line, output)
    assert "1 imported, 0 already registered, 9 refused." in output
    assert set(stations(app)) == {"EVP-0001", "EVP-0002", "EVP-0003", "EVP-0010"}
    assert stations(app)["EVP-0001"].mac == "00:1A:2B:3C:4D:5E"


def test_a_file_without_the_needed_columns_imports_nothing(app, tmp_path):
    result = run(app, tmp_path, "serial,model\nEVP-1,Wallbox\n")
    assert result.exit_code != 0
    assert "the header lacks mac, rated_power_kw, connectors, manufactured_on; nothing imported" in result.output
    assert stations(app) == {}


def test_headers_are_matched_loosely_and_a_byte_order_mark_is_ignored(app, tmp_path):
    result = run(app, tmp_path, "\ufeff Serial , MAC ,Model,Rated_Power_kW,Connectors,Manufactured_On\n"
                                "EVP-0001,001A2B3C4D5E,Wallbox,22,2,2026-09-01\n")
    assert result.exit_code == 0, result.output
    assert stations(app)["EVP-0001"].mac == "00:1A:2B:3C:4D:5E"
