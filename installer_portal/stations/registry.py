"""The station registry: import from the manufacturer's CSV, row by row, reporting each bad row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from core.database import contains_pattern, db
from core.i18n import _l
from core.numbers import parse_int
from core.pages import Page, keyset_page
from core.requests import has_control_characters

from .mac import assignable, normalize_mac
from .models import SERIAL, Station

COLUMNS = ("serial", "mac", "model", "rated_power_kw", "connectors", "manufactured_on")
#: No registry field is longer; a longer one is a broken file, refused before anything else looks at it.
MAX_FIELD = 200
MAX_ROWS = 20000
#: The most stations a search lists; a fragment matching more asks for a longer one.
SEARCH_LIMIT = 50
#: The shortest fragment searched for: a trigram index cannot narrow down a shorter one.
FRAGMENT_LENGTH = 3


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


def _parse(row: dict[str, str]) -> tuple[dict, str | None]:
    """The row's values, or the first reason it is not valid."""
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for name in COLUMNS:
        if not values[name]:
            return values, str(_l("missing %(field)s", field=name))
        if has_control_characters(values[name]) or len(values[name]) > MAX_FIELD:
            return {**values, name: ""}, str(_l("%(field)s is not text of at most %(count)s characters",
                                                 field=name, count=MAX_FIELD))
    if not SERIAL.fullmatch(values["serial"]):
        return values, str(_l("serial number may hold letters, digits and . _ - (3 to 40 characters): it is "
                              "printed in the label's web address"))
    mac = normalize_mac(values["mac"])
    if mac is None:
        return values, str(_l("malformed MAC address %(mac)s", mac=values["mac"][:40]))
    if not assignable(mac):
        return values, str(_l("MAC address %(mac)s cannot be a station's own (all zeros, broadcast or multicast)",
                              mac=mac))
    try:
        power = Decimal(values["rated_power_kw"].replace(",", "."))
        if not Decimal("0.1") <= power <= Decimal("1000"):
            raise InvalidOperation
    except InvalidOperation:
        return values, str(_l("rated_power_kw must be a number of kW"))
    connectors = parse_int(values["connectors"], minimum=1, maximum=16)
    if connectors is None:
        return values, str(_l("connectors must be a whole number from 1 to 16"))
    try:
        made = date.fromisoformat(values["manufactured_on"])
    except ValueError:
        return values, str(_l("manufactured_on must be a date like 2026-11-21"))
    if len(values["model"]) > 100:
        return values, str(_l("model is too long"))
    return {"serial": values["serial"], "mac": mac, "model": values["model"], "rated_power_kw": power,
            "connectors": connectors, "manufactured_on": made}, None


def import_stations(text: str) -> ImportReport:
    """Import every valid row; report each bad row with its line and reason. Importing twice changes nothing.

    Other columns are ignored; MACs are accepted in any common notation and stored normalized.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[int, dict, str | None]] = []
    try:
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        report.missing_columns = [name for name in COLUMNS if name not in reader.fieldnames]
        if report.missing_columns:
            return report
        for row in reader:
            if len(rows) >= MAX_ROWS:
                report.problems.append(RowProblem(reader.line_num,
                                                  str(_l("too many rows; import the rest separately"))))
                break
            rows.append((reader.line_num, *_parse(row)))
    except csv.Error:
        # A field longer than the csv module reads (128 KiB) or a broken quote: the rest cannot be trusted.
        report.problems.append(RowProblem(reader.line_num + 1, str(_l(
            "this line is not CSV this importer can read (a field of over 128 KiB, or an unclosed quote); "
            "it and the lines after it were not imported"))))
    serials = [values["serial"] for _line, values, _problem in rows]
    macs = [values["mac"] for _line, values, problem in rows if problem is None]
    known = list(db.session.scalars(select(Station).where(or_(Station.serial.in_(serials), Station.mac.in_(macs)))))
    by_serial = {station.serial: station for station in known}
    by_mac = {station.mac: station for station in known}
    seen_serials: dict[str, int] = {}
    seen_macs: dict[str, int] = {}
    for line, values, problem in rows:
        if problem is None and values["serial"] in seen_serials:
            problem = str(_l("duplicate serial number (also on line %(line)s)", line=seen_serials[values["serial"]]))
        if problem is None and values["mac"] in seen_macs:
            problem = str(_l("duplicate MAC address (also on line %(line)s)", line=seen_macs[values["mac"]]))
        if problem is None:
            seen_serials[values["serial"]] = line
            seen_macs[values["mac"]] = line
            existing = by_serial.get(values["serial"])
            other = by_mac.get(values["mac"])
            if existing is not None and all(getattr(existing, name) == value for name, value in values.items()):
                report.unchanged += 1
                continue
            if existing is not None:
                problem = str(_l("serial number already registered with other details"))
            elif other is not None:
                problem = str(_l("MAC address already registered to serial number %(serial)s", serial=other.serial))
        if problem is not None:
            report.problems.append(RowProblem(line, problem))
            continue
        db.session.add(Station(**values))
        report.imported += 1
    db.session.flush()
    report.problems.sort(key=lambda problem: problem.line)
    return report


def registered_stations(serials: list[str], limit: int = 500) -> list[Station]:
    """Stations by serial number, newest first."""
    return list(db.session.scalars(select(Station).where(Station.serial.in_(serials[:limit]))
                                   .order_by(Station.created_at.desc(), Station.serial).limit(limit)))


def newest_stations(limit: int) -> list[Station]:
    """The `limit` newest stations (an index range scan on (created_at, id))."""
    return list(db.session.scalars(select(Station).order_by(Station.created_at.desc(), Station.id.desc()).limit(limit)))


def station_list(after: str | None = None, before: str | None = None) -> Page[Station]:
    """Every registered station, newest first, a page at a time (an index range scan on (created_at, id))."""
    return keyset_page(select(Station), Station.created_at, Station.id, after=after, before=before)


def search_stations(search: str, limit: int = SEARCH_LIMIT) -> list[Station]:
    """The station with this exact serial number or MAC address (in any notation); failing that, stations whose
    serial contains `search`, newest first.

    The exact lookups run alone, on the unique indexes: an `OR` with the fragment search would keep the planner
    off them. The fragment search matches the trigram index on `lower(serial)` (PostgreSQL).
    """
    search = search.strip()[:40]
    if not search:
        return []
    exact = db.session.scalar(select(Station).where(Station.serial == search))
    mac = normalize_mac(search)
    if exact is None and mac is not None:
        exact = db.session.scalar(select(Station).where(Station.mac == mac))
    if exact is not None:
        return [exact]
    if len(search) < FRAGMENT_LENGTH:
        return []
    return list(db.session.scalars(
        select(Station).where(func.lower(Station.serial).like(contains_pattern(search), escape="\\"))
        .order_by(Station.created_at.desc(), Station.id.desc()).limit(limit)))
