"""The electrical rules of a commissioning, per region, and the choices an installer picks from."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from core.i18n import _l

from ..markets import Region

#: Residual-current protection people choose from, per region.
RCD_TYPES = {
    Region.EUROPE: {"type_a_6ma": _l("Type A with 6 mA DC detection (RDC-DD in the station)"),
                    "type_b": _l("Type B"),
                    "type_f_6ma": _l("Type F with 6 mA DC detection (RDC-DD in the station)")},
    Region.NORTH_AMERICA: {"ccid20": _l("CCID20 in the station (charge circuit interrupting device)"),
                           "gfci_breaker": _l("GFCI circuit breaker")},
}
EARTHING_SYSTEMS = ("TN-S", "TN-C-S", "TT")
NETWORKS = {"wifi": _l("Wi-Fi"), "ethernet": _l("Ethernet"), "cellular": _l("Cellular (4G/5G)")}
ACCESS = {"private": _l("Private"), "public": _l("Public")}
#: IEC 61851's lowest charging current: a station cannot signal less.
MIN_CURRENT_A = 6
#: NEC 625.41: charging is a continuous load, so the circuit carries at most 80 % of its breaker's rating.
CONTINUOUS_LOAD_SHARE = Fraction(4, 5)


def choice_labels(region: Region) -> dict[str, dict]:
    """The labels of the installation's choices, for pages and the report."""
    return {"rcd_types": RCD_TYPES[region], "networks": NETWORKS, "access": ACCESS}


def max_current_allowed(region: Region, breaker_a: int) -> int:
    """The highest charging current the circuit allows, in whole amperes (rounded down).

    North America: at most `CONTINUOUS_LOAD_SHARE` of the breaker rating. Europe & UK: at most the rating.
    """
    return int(breaker_a * CONTINUOUS_LOAD_SHARE) if region == Region.NORTH_AMERICA else breaker_a


def current_problem(region: Region, breaker_a: int, max_current_a: int) -> str | None:
    """Why this maximum current does not suit this breaker (None when it does)."""
    allowed = max_current_allowed(region, breaker_a)
    if max_current_a < MIN_CURRENT_A:
        return str(_l("The maximum current must be at least %(amps)s A.", amps=MIN_CURRENT_A))
    if max_current_a > allowed:
        if region == Region.NORTH_AMERICA:
            return str(_l("With a %(breaker)s A breaker the maximum current is %(allowed)s A: charging is a "
                          "continuous load, so at most 80%% of the breaker rating.", breaker=breaker_a,
                          allowed=allowed))
        return str(_l("With a %(breaker)s A breaker the maximum current is %(allowed)s A: it may not be more "
                      "than the breaker rating.", breaker=breaker_a, allowed=allowed))
    return None


def position_problem(latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    """Why a GPS position is not one (None when it is)."""
    if latitude is None or longitude is None:
        return str(_l("Give the position: tap “Use my position” or type the latitude and longitude."))
    if not Decimal(-90) <= latitude <= Decimal(90):
        return str(_l("Latitude must be between -90 and 90."))
    if not Decimal(-180) <= longitude <= Decimal(180):
        return str(_l("Longitude must be between -180 and 180."))
    if latitude == 0 and longitude == 0:
        return str(_l("0, 0 is in the ocean: the phone did not find its position. Try again outdoors, "
                      "or type the position."))
    return None
