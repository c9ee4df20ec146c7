"""The markets the product serves: regions, their countries, paper size and support desk."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale

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

#: ISO 3166-1 alpha-2 codes of the countries each region serves.
COUNTRIES: dict[Region, tuple[str, ...]] = {
    Region.NORTH_AMERICA: ("US", "CA"),
    Region.EUROPE: (
        "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
        "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
        "SI", "SK",
    ),
}


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
