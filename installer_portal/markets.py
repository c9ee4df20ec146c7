"""The markets the product serves: regions, their countries, paper size, support desk, time zones and formats."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.dates import get_timezone_location

from core.enums import LabelledEnum
from core.i18n import _l


class Region(LabelledEnum):
    """Where a person installs. It decides the courses, the electrical code, the paper and the support desk.

    - ``na``: North America (United States and Canada; NEC / CEC).
    - ``eu``: Europe & UK (IEC 60364 and national rules).
    """

    NORTH_AMERICA = "na", _l("North America")
    EUROPE = "eu", _l("Europe & UK")

    @property
    def countries(self) -> tuple[str, ...]:
        return COUNTRIES[self]

    @property
    def paper_size(self) -> str:
        """The CSS page size of printed documents: US Letter in North America, A4 elsewhere."""
        return "letter" if self == Region.NORTH_AMERICA else "A4"

    @property
    def support(self) -> SupportContact:
        return SUPPORT_CONTACTS[self]

    @property
    def english(self) -> str:
        """The locale English is written in: British in Europe & UK, American in North America."""
        return "en_US" if self == Region.NORTH_AMERICA else "en_GB"

    @property
    def time_zones(self) -> tuple[str, ...]:
        """The IANA zones a person in the region may choose for the times they read."""
        return TIME_ZONES[self]


#: ISO 3166-1 alpha-2 codes of the countries each region serves.
COUNTRIES: dict[Region, tuple[str, ...]] = {
    Region.NORTH_AMERICA: ("US", "CA"),
    Region.EUROPE: (
        "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
        "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
        "SI", "SK",
    ),
}


#: The IANA zone of each country; the United States and Canada get their most populous zone.
COUNTRY_ZONES: dict[str, str] = {
    "US": "America/New_York", "CA": "America/Toronto",
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "CH": "Europe/Zurich",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn", "ES": "Europe/Madrid", "FI": "Europe/Helsinki", "FR": "Europe/Paris",
    "GB": "Europe/London", "GR": "Europe/Athens", "HR": "Europe/Zagreb", "HU": "Europe/Budapest",
    "IE": "Europe/Dublin", "IS": "Atlantic/Reykjavik", "IT": "Europe/Rome", "LI": "Europe/Vaduz",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "LV": "Europe/Riga", "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam", "NO": "Europe/Oslo", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest", "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava",
}

#: The zones offered in the profile: each country's, and the others its people live in.
TIME_ZONES: dict[Region, tuple[str, ...]] = {
    Region.NORTH_AMERICA: (
        "America/St_Johns", "America/Halifax", "America/Toronto", "America/New_York", "America/Chicago",
        "America/Winnipeg", "America/Regina", "America/Denver", "America/Edmonton", "America/Phoenix",
        "America/Los_Angeles", "America/Vancouver", "America/Anchorage", "Pacific/Honolulu",
    ),
    Region.EUROPE: (*(COUNTRY_ZONES[code] for code in COUNTRIES[Region.EUROPE]), "Atlantic/Canary",
                    "Atlantic/Madeira", "Atlantic/Azores"),
}


def zone_of(region: Region, country: str | None) -> str:
    """The zone times are shown in when a person chose none: their country's, else their support desk's."""
    return COUNTRY_ZONES.get(country or "") or region.support.timezone


def locale_for(language: str, region: Region | None) -> str:
    """The locale dates and numbers are written in. English follows the region (one catalog serves both);
    other languages need no region (Dutch and Norwegian are written alike wherever their readers install)."""
    return region.english if language == "en" and region else language


def zone_choices(region: Region, locale: str) -> list[tuple[str, str]]:
    """The region's zones as (IANA name, the zone's place in `locale`), sorted by name."""
    return sorted(((zone, get_timezone_location(zone, locale=locale)) for zone in region.time_zones),
                  key=lambda item: item[1])


def country_choices(region: Region, locale: str) -> list[tuple[str, str]]:
    """The region's countries as (code, name in `locale`), sorted by name."""
    names = Locale.parse(locale).territories
    return sorted(((code, names.get(code, code)) for code in region.countries), key=lambda item: item[1])


@dataclass(frozen=True)
class SupportContact:
    """How a region's support desk is reached. Hours are local to the desk."""

    email: str
    phone: str
    #: Opening hours as a translatable sentence.
    hours: object
    #: IANA time zone the hours are in.
    timezone: str


SUPPORT_CONTACTS = {
    Region.NORTH_AMERICA: SupportContact(
        email="support-na@installer-portal.example",
        phone="+1 888 555 0142",
        hours=_l("Monday to Friday, 8:00 to 18:00 Eastern Time"),
        timezone="America/New_York",
    ),
    Region.EUROPE: SupportContact(
        email="support-eu@installer-portal.example",
        phone="+31 20 555 0142",
        hours=_l("Monday to Friday, 8:00 to 17:00 Central European Time (7:00 to 16:00 in the UK)"),
        timezone="Europe/Amsterdam",
    ),
}
