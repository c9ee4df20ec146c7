"""Finding the station an installer stands at: from a QR code's text, a typed MAC address or a serial number."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from core.database import db
from core.enums import LabelledEnum
from core.errors import ProblemRefusal
from core.i18n import _l
from core.photos import decode_qr, open_photo, photo_slot

from .labels import STATION_PATH
from .mac import normalize_mac
from .models import Station


class FindProblem(LabelledEnum):
    """Why a code or MAC address does not lead to a station."""

    NO_QR_CODE = "no_qr_code", _l("We found no QR code in this photo. Take it again, closer and straight on, "
                                  "with the whole code in the picture.")
    NOT_A_STATION_CODE = "not_a_station_code", _l("This QR code is not a station code. Scan the QR code on the "
                                                  "station's label.")
    UNKNOWN_STATION = "unknown_station", _l("We don't know this station. Check the label, or contact support.")
    MALFORMED_MAC = "malformed_mac", _l("This is not a MAC address. It has 12 characters from 0 to 9 and A to F, "
                                        "like 00:1A:2B:3C:4D:5E.")
    UNKNOWN_MAC = "unknown_mac", _l("No station has this MAC address. Check it against the label.")


class FindError(ProblemRefusal[FindProblem]):
    """A code or MAC address that does not lead to a registered station."""

    def __init__(self, problem: FindProblem, suggestions: list[Station] | None = None) -> None:
        super().__init__(problem)
        #: Registered stations whose MAC is one character away from what was typed.
        self.suggestions = suggestions or []


class CodeKind(StrEnum):
    """What a station code names: the station's MAC address or its serial number."""

    MAC = "mac"
    SERIAL = "serial"


#: Serial numbers as manufacturers print them: letters, digits and - _ . / (no spaces).
_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{2,39}$")
_LABEL_PATH = re.compile(re.escape(STATION_PATH) + r"/([^/]+)/?$")


def parse_code(text: str) -> tuple[CodeKind, str]:
    """What a QR code points at: (MAC, the normalized MAC) or (SERIAL, the serial number).

    Accepted: our label URL (…/s/<serial>), a URL with a ``mac=`` or ``serial=`` parameter,
    a bare MAC address in any common notation, or a bare serial number.
    """
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise FindError(FindProblem.NOT_A_STATION_CODE)
    if re.match(r"^https?://", text, re.IGNORECASE):
        url = urlsplit(text)
        query = parse_qs(url.query)
        if query.get("mac"):
            mac = normalize_mac(query["mac"][0])
            if mac:
                return CodeKind.MAC, mac
        if query.get("serial") and _SERIAL.match(query["serial"][0].strip()):
            return CodeKind.SERIAL, query["serial"][0].strip()
        label = _LABEL_PATH.search(url.path)
        if label and _SERIAL.match(unquote(label.group(1))):
            return CodeKind.SERIAL, unquote(label.group(1))
        raise FindError(FindProblem.NOT_A_STATION_CODE)
    mac = normalize_mac(text)
    if mac:
        return CodeKind.MAC, mac
    if _SERIAL.match(text):
        return CodeKind.SERIAL, text
    raise FindError(FindProblem.NOT_A_STATION_CODE)


def station_for_code(text: str) -> Station:
    """The registered station a QR code's text points at."""
    kind, value = parse_code(text)
    column = Station.mac if kind == CodeKind.MAC else Station.serial
    station = db.session.scalar(select(Station).where(column == value))
    if station is None:
        raise FindError(FindProblem.UNKNOWN_STATION)
    return station


def station_in_photo(data: bytes) -> Station:
    """The station whose QR code is in a photo (the first code that is a known station's).

    :raises PhotoError: the file is not a usable photo; FindError: no code that leads to a known station.
    """
    with photo_slot():
        codes = decode_qr(open_photo(data))
    if not codes:
        raise FindError(FindProblem.NO_QR_CODE)
    refusals = []
    for code in codes:
        try:
            return station_for_code(code)
        except FindError as error:
            refusals.append(error)
    raise refusals[0]


#: Characters people misread on labels, mapped to the hex digit they stand for.
_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "I": "1", "L": "1", "S": "5", "G": "6", "Z": "2"})
#: Hex digits that look alike, tried first when suggesting.
_CONFUSABLE = {"0": "D", "D": "0", "8": "B", "B": "8", "1": "7", "7": "1", "5": "6", "6": "5"}
_HEX = "0123456789ABCDEF"


def _typed_digits(raw: str) -> str:
    """The characters someone typed for a MAC, separators dropped and look-alike letters read as digits."""
    return re.sub(r"[\s:.\-]", "", (raw or "").upper()).translate(_LOOKALIKES)[:16]


def _neighbours(digits: str) -> list[str]:
    """12-digit MACs one character away from `digits` (one changed, missing or extra), look-alikes first."""
    found: list[str] = []
    if len(digits) == 12 and all(c in _HEX for c in digits):
        found.append(digits)
        for i, c in enumerate(digits):
            if c in _CONFUSABLE:
                found.append(digits[:i] + _CONFUSABLE[c] + digits[i + 1:])
        found += [digits[:i] + h + digits[i + 1:] for i in range(12) for h in _HEX if h != digits[i]]
    elif len(digits) == 11 and all(c in _HEX for c in digits):
        found += [digits[:i] + h + digits[i:] for i in range(12) for h in _HEX]
    elif len(digits) == 13 and all(c in _HEX for c in digits):
        found += [digits[:i] + digits[i + 1:] for i in range(13)]
    return list(dict.fromkeys(":".join(d[i:i + 2] for i in range(0, 12, 2)) for d in found))


def mac_suggestions(raw: str, limit: int = 5) -> list[Station]:
    """Registered stations whose MAC is what was typed with one character fixed (0/O, 1/I, 8/B, 5/S first)."""
    candidates = _neighbours(_typed_digits(raw))
    if not candidates:
        return []
    rank = {mac: position for position, mac in enumerate(candidates)}
    stations = db.session.scalars(select(Station).where(Station.mac.in_(candidates))).all()
    return sorted(stations, key=lambda station: rank[station.mac])[:limit]


def station_for_mac(raw: str) -> Station:
    """The station with this MAC; if none, the error carries the registered MACs one character away."""
    mac = normalize_mac(raw)
    if mac is not None:
        station = db.session.scalar(select(Station).where(Station.mac == mac))
        if station is not None:
            return station
    suggestions = mac_suggestions(raw)
    raise FindError(FindProblem.MALFORMED_MAC if mac is None else FindProblem.UNKNOWN_MAC, suggestions)
