"""Regions people sign up in, and the countries each region covers."""

from __future__ import annotations

from enum import StrEnum

from babel import Locale

from ..i18n import _l


class Region(StrEnum):
    """Where a person installs. It decides the courses, the electrical code and the support desk.

    - ``na``: North America (United States and Canada; NEC / CEC).
    - ``eu``: Europe & UK (IEC 60364 and national rules).
    """

    NORTH_AMERICA = "na"
    EUROPE = "eu"

    @property
    def label(self) -> str:
        return str(_REGION_LABELS[self])

    @property
    def countries(self) -> tuple[str, ...]:
        return COUNTRIES[self]


_REGION_LABELS = {
    Region.NORTH_AMERICA: _l("North America"),
    Region.EUROPE: _l("Europe & UK"),
}

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
