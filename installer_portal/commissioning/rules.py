"""The electrical rules of a commissioning, per region, and the choices an installer picks from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction

from flask_babel import format_decimal

from core.enums import LabelledEnum
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


class Earthing(LabelledEnum):
    """The installation's earthing system (Europe & UK only; IEC 60364-1, 312.2).

    - ``TN-S``, ``TN-C-S``: the network provides the protective conductor; 230/400 V with a neutral.
    - ``TT``: the installation's own earth electrode; 230/400 V, or 230 V between phases without a neutral
      (many Norwegian homes).
    - ``IT``: the source is not directly earthed (most other Norwegian homes): no neutral, 230 V between phases.
    """

    TN_S = "TN-S"
    TN_C_S = "TN-C-S"
    TT = "TT"
    IT = "IT", _l("IT (230 V, without neutral)")


TN = (Earthing.TN_S, Earthing.TN_C_S)
#: The supply's voltage between phases (Europe & UK), with what a person reads.
SUPPLIES = {400: _l("230/400 V, with neutral"), 230: _l("230 V between phases, without neutral")}
#: The tripping curves of the circuit breakers people choose from, with the multiple of the rating that trips
#: them magnetically (instantly): IEC 60898-1, the upper end of each curve's band.
BREAKER_CURVES = {"B": 5, "C": 10}
NETWORKS = {"wifi": _l("Wi-Fi"), "ethernet": _l("Ethernet"), "cellular": _l("Cellular (4G/5G)")}
ACCESS = {"private": _l("Private"), "public": _l("Public")}
#: IEC 61851's lowest charging current: a station cannot signal less.
MIN_CURRENT_A = 6
#: NEC 625.41: charging is a continuous load, so the circuit carries at most 80 % of its breaker's rating.
CONTINUOUS_LOAD_SHARE = Fraction(4, 5)


def choice_labels(region: Region) -> dict[str, dict]:
    """The labels of the installation's choices, for pages and the report."""
    return {"rcd_types": RCD_TYPES[region], "networks": NETWORKS, "access": ACCESS, "supplies": SUPPLIES}


def supply_problem(earthing: str, supply_v: int) -> str | None:
    """Why this supply voltage cannot go with this earthing system (None when it can)."""
    if earthing == Earthing.IT and supply_v != 230:
        return str(_l("An IT supply has no neutral and 230 V between phases: choose 230 V."))
    if earthing in TN and supply_v != 400:
        return str(_l("A TN supply has a neutral and 400 V between phases: choose 230/400 V."))
    return None


#: The voltage of a single-phase station: line to neutral on 230/400 V, between two lines on a 230 V supply.
SINGLE_PHASE_V = 230


def charging_power_kw(phases: int, supply_v: int, current_a: int) -> Decimal:
    """The most a station draws at `current_a`, in kW to one decimal (rounded down).

    Three phases: √3 × the voltage between phases × the current, so 32 A is 22.1 kW on 230/400 V but
    12.7 kW on a 230 V IT or TT supply.
    """
    volts = Decimal(SINGLE_PHASE_V) if phases == 1 else Decimal(3).sqrt() * supply_v
    return (volts * current_a / 1000).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


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


class Measurement(LabelledEnum):
    """What the tests step records; each value is the name of its column on the commissioning.

    Readings are numbers in a fixed unit (`READINGS`); the others are checks, passed or failed.
    """

    CONTINUITY = "continuity_ohm", _l("Continuity of the protective conductor (R1 + R2)")
    INSULATION = "insulation_mohm", _l("Insulation resistance at 500 V DC")
    LOOP_IMPEDANCE = "loop_impedance_ohm", _l("Earth fault loop impedance (Zs)")
    ELECTRODE = "electrode_ohm", _l("Earth electrode resistance (RA)")
    DOUBLE_FAULT = "double_fault_ohm", _l("Fault loop impedance for a second earth fault (IT)")
    RCD_TRIP_TIME = "rcd_trip_ms", _l("RCD trip time at 30 mA")
    RCD_TRIP_CURRENT = "rcd_trip_ma", _l("RCD trip current")
    DC_6MA = "dc_6ma_ok", _l("6 mA DC protection")
    PHASE_ROTATION = "phase_rotation_ok", _l("Phase rotation")
    INSULATION_MONITOR = "insulation_monitor_ok", _l("Insulation monitoring")
    GROUND_FAULT = "ground_fault_ok", _l("Ground-fault protection (CCID or GFCI) test")


@dataclass(frozen=True)
class Reading:
    """A reading's unit, decimals, and the largest value an instrument plausibly shows for it on this circuit."""

    unit: str
    places: int
    maximum: Decimal


READINGS = {
    Measurement.CONTINUITY: Reading("Ω", 2, Decimal(200)),
    Measurement.INSULATION: Reading("MΩ", 2, Decimal(10000)),
    Measurement.LOOP_IMPEDANCE: Reading("Ω", 2, Decimal(200)),
    Measurement.ELECTRODE: Reading("Ω", 2, Decimal(20000)),
    Measurement.DOUBLE_FAULT: Reading("Ω", 2, Decimal(200)),
    Measurement.RCD_TRIP_TIME: Reading("ms", 0, Decimal(5000)),
    Measurement.RCD_TRIP_CURRENT: Reading("mA", 1, Decimal(500)),
}
#: Residual-current protection on every European charging circuit is rated 30 mA (IEC 60364-7-722, 722.531.3).
RCD_RATED_MA = 30
#: The highest touch voltage that may persist: RA × IΔn ≤ 50 V (IEC 60364-4-41, 411.5.3).
TOUCH_VOLTAGE_LIMIT = 50
#: A general-type RCD may take up to 300 ms to trip at 1 × IΔn (IEC 61008-1 / 61009-1).
RCD_TRIP_MS_LIMIT = 300
#: Insulation resistance of a circuit up to 500 V, tested at 500 V DC (IEC 60364-6, Table 6.1).
INSULATION_MIN_MOHM = 1
#: Zs limits allow for a supply 5 % below 230 V (Cmin 0.95), as BS 7671's Table 41.3 does.
CMIN = Decimal("0.95")
U0 = 230


def zs_limit(curve: str, breaker_a: int) -> Decimal:
    """The highest Zs at which a breaker of this curve and rating still trips instantly (so within 0.4 s).

    Zs × Ia ≤ Cmin × U0 (IEC 60364-4-41, 411.4.4), Ia being the curve's instant-trip multiple of the rating;
    to two decimals, as tabulated (B32: 1.37 Ω, C32: 0.68 Ω).
    """
    limit = CMIN * U0 / (BREAKER_CURVES[curve] * breaker_a)
    return limit.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Circuit:
    """What the wizard knows about the circuit that decides which tests it needs and their limits."""

    region: Region
    phases: int
    rcd_type: str
    breaker_a: int
    earthing: str | None = None
    breaker_curve: str | None = None

    @property
    def breaker(self) -> str:
        """The breaker as its label reads, e.g. B32."""
        return f"{self.breaker_curve or ''}{self.breaker_a}"


def double_fault_limit(curve: str, breaker_a: int) -> Decimal:
    """The highest loop impedance at which a second earth fault on a 230 V IT supply (no neutral) still trips the
    breaker instantly: Zs ≤ Cmin × U / (2 × Ia), U being the 230 V between phases and the fault current flowing
    through both faults (IEC 60364-4-41, 411.6.4 b); B32: 0.68 Ω.
    """
    limit = CMIN * U0 / (2 * BREAKER_CURVES[curve] * breaker_a)
    return limit.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _double_fault_limit(circuit: Circuit) -> Decimal:
    if circuit.breaker_curve is None:
        raise ValueError("an IT circuit without its breaker curve")
    return double_fault_limit(circuit.breaker_curve, circuit.breaker_a)


def _zs_limit(circuit: Circuit) -> Decimal:
    """The Zs limit of a TN circuit; the installation step records the curve of every European breaker."""
    if circuit.breaker_curve is None:
        raise ValueError("a TN circuit without its breaker curve")
    return zs_limit(circuit.breaker_curve, circuit.breaker_a)


def required_measurements(circuit: Circuit) -> list[Measurement]:
    """The measurements this circuit's region and earthing system require, in the order they are taken."""
    if circuit.region == Region.NORTH_AMERICA:
        needed = {Measurement.CONTINUITY, Measurement.GROUND_FAULT}
    else:
        needed = {Measurement.CONTINUITY, Measurement.INSULATION, Measurement.RCD_TRIP_TIME,
                  Measurement.RCD_TRIP_CURRENT,
                  Measurement.LOOP_IMPEDANCE if circuit.earthing in TN else Measurement.ELECTRODE}
        if circuit.rcd_type.endswith("_6ma"):
            needed.add(Measurement.DC_6MA)
        if circuit.earthing == Earthing.IT:
            # The first fault is only indicated; the breaker must clear the second (through both faults).
            needed |= {Measurement.INSULATION_MONITOR, Measurement.DOUBLE_FAULT}
    if circuit.phases == 3:
        needed.add(Measurement.PHASE_ROTATION)
    return [measurement for measurement in Measurement if measurement in needed]


def _number(value: Decimal | int) -> str:
    return format_decimal(value)


def requirement(measurement: Measurement, circuit: Circuit) -> str:
    """What the measurement must show on this circuit, for the tests step and the report."""
    match measurement:
        case Measurement.CONTINUITY:
            return str(_l("Continuous"))
        case Measurement.INSULATION:
            return str(_l("At least %(limit)s MΩ", limit=INSULATION_MIN_MOHM))
        case Measurement.LOOP_IMPEDANCE:
            return str(_l("At most %(limit)s Ω for a %(breaker)s circuit breaker", limit=_number(_zs_limit(circuit)),
                          breaker=circuit.breaker))
        case Measurement.DOUBLE_FAULT:
            return str(_l("At most %(limit)s Ω for a %(breaker)s circuit breaker",
                          limit=_number(_double_fault_limit(circuit)), breaker=circuit.breaker))
        case Measurement.ELECTRODE:
            return str(_l("RA × %(rcd)s mA at most %(volts)s V", rcd=RCD_RATED_MA, volts=TOUCH_VOLTAGE_LIMIT))
        case Measurement.RCD_TRIP_TIME:
            return str(_l("At most %(limit)s ms", limit=RCD_TRIP_MS_LIMIT))
        case Measurement.RCD_TRIP_CURRENT:
            return str(_l("More than %(half)s mA, at most %(rated)s mA", half=RCD_RATED_MA // 2, rated=RCD_RATED_MA))
        case Measurement.DC_6MA:
            return str(_l("The station disconnects on 6 mA smooth DC"))
        case Measurement.PHASE_ROTATION:
            return str(_l("Clockwise, or as the station's phase mapping is set"))
        case Measurement.INSULATION_MONITOR:
            return str(_l("A test earth fault is indicated"))
        case Measurement.GROUND_FAULT:
            return str(_l("The device trips"))


def failure(measurement: Measurement, value: Decimal | int | bool, circuit: Circuit) -> str | None:
    """Why a recorded value does not meet the requirement (None when it does)."""
    if isinstance(value, bool):
        return None if value else str(_l("%(measurement)s: failed (required: %(requirement)s).",
                                         measurement=measurement.label,
                                         requirement=requirement(measurement, circuit)))
    shown = _number(value)
    match measurement:
        case Measurement.INSULATION if value < INSULATION_MIN_MOHM:
            return str(_l("Insulation resistance %(value)s MΩ is below %(limit)s MΩ: find the fault and "
                          "measure again.", value=shown, limit=INSULATION_MIN_MOHM))
        case Measurement.LOOP_IMPEDANCE if value > _zs_limit(circuit):
            return str(_l("Zs %(value)s Ω is above %(limit)s Ω, the most for a %(breaker)s circuit breaker: it "
                          "would not disconnect a fault in time.", value=shown, limit=_number(_zs_limit(circuit)),
                          breaker=circuit.breaker))
        case Measurement.DOUBLE_FAULT if value > _double_fault_limit(circuit):
            return str(_l("The loop impedance for a second earth fault, %(value)s Ω, is above %(limit)s Ω, the most "
                          "for a %(breaker)s circuit breaker: a second fault would not be disconnected in time.",
                          value=shown, limit=_number(_double_fault_limit(circuit)), breaker=circuit.breaker))
        case Measurement.ELECTRODE if value * RCD_RATED_MA > TOUCH_VOLTAGE_LIMIT * 1000:
            volts = (Decimal(value) * RCD_RATED_MA / 1000).quantize(Decimal("0.1"), rounding=ROUND_UP)
            return str(_l("RA %(value)s Ω is too high: RA × %(rcd)s mA is %(volts)s V, more than %(limit)s V.",
                          value=shown, rcd=RCD_RATED_MA, limit=TOUCH_VOLTAGE_LIMIT, volts=_number(volts)))
        case Measurement.RCD_TRIP_TIME if value > RCD_TRIP_MS_LIMIT:
            return str(_l("The RCD took %(value)s ms to trip: at %(rcd)s mA it must trip within %(limit)s ms.",
                          value=shown, rcd=RCD_RATED_MA, limit=RCD_TRIP_MS_LIMIT))
        case Measurement.RCD_TRIP_CURRENT if not RCD_RATED_MA // 2 < value <= RCD_RATED_MA:
            return str(_l("The RCD tripped at %(value)s mA: it must trip above %(half)s mA and at %(rated)s mA "
                          "at most.", value=shown, half=RCD_RATED_MA // 2, rated=RCD_RATED_MA))
    return None


@dataclass(frozen=True)
class Result:
    """One required measurement as recorded: its value, what it must show, and why it does not (if so)."""

    measurement: Measurement
    value: Decimal | int | bool | None
    requirement: str
    problem: str | None

    @property
    def unit(self) -> str | None:
        reading = READINGS.get(self.measurement)
        return reading.unit if reading else None

    @property
    def passed(self) -> bool:
        return self.problem is None


Values = dict[Measurement, Decimal | int | bool | None]


def results(circuit: Circuit, values: Values) -> list[Result]:
    """Each measurement this circuit requires, judged: missing and failing ones say why, by name."""
    judged = []
    for measurement in required_measurements(circuit):
        value = values.get(measurement)
        problem = (str(_l("Not recorded: %(measurement)s.", measurement=measurement.label)) if value is None
                   else failure(measurement, value, circuit))
        judged.append(Result(measurement, value, requirement(measurement, circuit), problem))
    return judged


def measurement_problems(circuit: Circuit, values: Values) -> list[str]:
    """Why the recorded measurements do not allow confirming (empty when they do)."""
    return [result.problem for result in results(circuit, values) if result.problem]
