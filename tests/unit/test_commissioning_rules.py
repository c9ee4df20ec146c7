"""What a QR code may hold, and the current rules for the circuit (no database needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.numbers import parse_decimal
from installer_portal.commissioning.rules import (
    Circuit,
    Earthing,
    Measurement,
    charging_power_kw,
    current_problem,
    double_fault_limit,
    max_current_allowed,
    measurement_problems,
    position_problem,
    required_measurements,
    supply_problem,
    zs_limit,
)
from installer_portal.markets import Region
from installer_portal.stations.finding import FindError, FindProblem, _neighbours, _typed_digits, parse_code


@pytest.mark.parametrize(("text", "expected"), [
    ("https://portal.example.com/s/EVP-22-000101", ("serial", "EVP-22-000101")),
    ("http://localhost:5000/s/EVP-22-000101/", ("serial", "EVP-22-000101")),
    ("https://portal.example.com/s/EVP%2F22%2F7", ("serial", "EVP/22/7")),
    ("00:1A:2B:3C:4D:5E", ("mac", "00:1A:2B:3C:4D:5E")),
    ("001a.2b3c.4d5e", ("mac", "00:1A:2B:3C:4D:5E")),
    (" 00-1a-2b-3c-4d-5e\n", ("mac", "00:1A:2B:3C:4D:5E")),
    ("EVP-22-000101", ("serial", "EVP-22-000101")),
    ("https://maker.example/device?mac=00-1A-2B-3C-4D-5E&x=1", ("mac", "00:1A:2B:3C:4D:5E")),
    ("https://maker.example/device?serial=EVP-22-000101", ("serial", "EVP-22-000101")),
    ("HTTPS://PORTAL.EXAMPLE.COM/s/EVP-1", ("serial", "EVP-1")),
])
def test_station_codes(text, expected):
    assert parse_code(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "https://example.com/", "https://example.com/products/wallbox", "WIFI:S:home;T:WPA;P:secret;;",
    "hello world", "https://portal.example.com/s/", "https://x.example/?mac=zz", "mailto:a@b.c", "x" * 600,
    "https://x.example/?serial=has%20space",
])
def test_anything_else_is_not_a_station_code(text):
    with pytest.raises(FindError) as error:
        parse_code(text)
    assert error.value.problem == FindProblem.NOT_A_STATION_CODE


def test_look_alike_letters_are_read_as_the_digits_they_stand_for():
    assert _typed_digits("OO:1A:2B:3C:4D:SE") == "001A2B3C4D5E"
    assert _typed_digits("00-IA-2B-3C-4D-5E") == "001A2B3C4D5E"


def test_neighbours_are_one_character_away_and_look_alikes_come_first():
    near = _neighbours("001A2B3C4D5E")
    assert near[0] == "00:1A:2B:3C:4D:5E"
    assert "00:1A:28:3C:4D:5E" in near[:12]          # B -> 8 is tried before arbitrary changes
    assert len(near) == 1 + 12 * 15                  # itself and every single-digit change
    assert all(sum(a != b for a, b in zip(m.replace(":", ""), "001A2B3C4D5E", strict=True)) <= 1 for m in near)
    assert "00:1A:2B:3C:4D:5E" in _neighbours("001A2B3C4D5")       # one missing
    assert "00:1A:2B:3C:4D:5E" in _neighbours("001A2B3C4D5E0")     # one extra
    assert _neighbours("001A") == []


@pytest.mark.parametrize(("region", "breaker", "allowed"), [
    (Region.NORTH_AMERICA, 40, 32), (Region.NORTH_AMERICA, 50, 40), (Region.NORTH_AMERICA, 60, 48),
    (Region.NORTH_AMERICA, 25, 20), (Region.EUROPE, 32, 32), (Region.EUROPE, 16, 16),
])
def test_the_highest_current_the_breaker_allows(region, breaker, allowed):
    assert max_current_allowed(region, breaker) == allowed
    assert current_problem(region, breaker, allowed) is None
    assert current_problem(region, breaker, allowed + 1) is not None


def test_the_north_american_message_explains_the_continuous_load_rule():
    message = current_problem(Region.NORTH_AMERICA, 40, 40)
    assert "32 A" in message
    assert "80%" in message
    assert "more than the breaker" in current_problem(Region.EUROPE, 16, 20)
    assert "at least 6 A" in current_problem(Region.EUROPE, 16, 5)


@pytest.mark.parametrize(("lat", "lon", "ok"), [
    ("59.913868", "10.752245", True), ("-90", "180", True), ("90.000001", "10", False), ("10", "-180.5", False),
    ("0", "0", False), (None, "10", False),
])
def test_positions_are_range_checked(lat, lon, ok):
    problem = position_problem(Decimal(lat) if lat else None, Decimal(lon) if lon else None)
    assert (problem is None) is ok


@pytest.mark.parametrize(("phases", "supply_v", "amps", "kw"), [
    (3, 400, 32, "22.1"), (3, 230, 32, "12.7"), (3, 400, 16, "11.0"), (3, 230, 16, "6.3"),
    (1, 400, 32, "7.3"), (1, 230, 32, "7.3"),
])
def test_charging_power_follows_the_voltage_between_phases(phases, supply_v, amps, kw):
    assert charging_power_kw(phases, supply_v, amps) == Decimal(kw)


def test_it_has_no_neutral_and_tn_has_one():
    assert supply_problem(Earthing.IT, 400) is not None
    assert supply_problem(Earthing.IT, 230) is None
    assert supply_problem(Earthing.TN_C_S, 230) is not None
    assert supply_problem(Earthing.TT, 230) is None
    assert supply_problem(Earthing.TT, 400) is None


@pytest.mark.parametrize(("curve", "amps", "limit"), [
    # BS 7671 Table 41.3 (0.4 s, Cmin 0.95), the figures electricians look up.
    ("B", 6, "7.28"), ("B", 16, "2.73"), ("B", 20, "2.19"), ("B", 32, "1.37"), ("B", 40, "1.09"),
    ("C", 16, "1.37"), ("C", 32, "0.68"), ("C", 40, "0.55"),
])
def test_zs_limits_match_the_published_table(curve, amps, limit):
    assert zs_limit(curve, amps) == Decimal(limit)


@pytest.mark.parametrize(("curve", "amps", "limit"), [("B", 32, "0.68"), ("C", 32, "0.34"), ("B", 16, "1.37")])
def test_a_second_fault_on_it_must_clear_at_half_the_tn_limit(curve, amps, limit):
    # 0.95 × 230 V / (2 × Ia): the fault current flows through both faults, between two phases.
    assert double_fault_limit(curve, amps) == Decimal(limit)


TN3 = Circuit(Region.EUROPE, 3, "type_a_6ma", 32, Earthing.TN_C_S, "B")
IT1 = Circuit(Region.EUROPE, 1, "type_b", 32, Earthing.IT, "C")
M = Measurement


def test_the_region_and_earthing_system_decide_what_is_measured():
    assert required_measurements(TN3) == [M.CONTINUITY, M.INSULATION, M.LOOP_IMPEDANCE, M.RCD_TRIP_TIME,
                                          M.RCD_TRIP_CURRENT, M.DC_6MA, M.PHASE_ROTATION]
    # IT: the electrode, not the loop; the loop of a second fault; the insulation monitoring; a type B RCD
    # needs no 6 mA DC check.
    assert required_measurements(IT1) == [M.CONTINUITY, M.INSULATION, M.ELECTRODE, M.DOUBLE_FAULT, M.RCD_TRIP_TIME,
                                          M.RCD_TRIP_CURRENT, M.INSULATION_MONITOR]
    assert required_measurements(Circuit(Region.NORTH_AMERICA, 1, "ccid20", 40)) == [M.CONTINUITY, M.GROUND_FAULT]


PASSING = {M.CONTINUITY: Decimal("0.22"), M.INSULATION: Decimal(299), M.LOOP_IMPEDANCE: Decimal("1.37"),
           M.ELECTRODE: Decimal("1666.66"), M.RCD_TRIP_TIME: 300, M.RCD_TRIP_CURRENT: Decimal("15.1"),
           M.DOUBLE_FAULT: Decimal("0.34"), M.DC_6MA: True, M.PHASE_ROTATION: True, M.INSULATION_MONITOR: True}


def test_readings_at_their_limits_pass():
    assert measurement_problems(TN3, PASSING) == []
    assert measurement_problems(IT1, PASSING) == []


@pytest.mark.parametrize(("circuit", "change", "reason"), [
    (TN3, {M.INSULATION: Decimal("0.99")}, "Insulation resistance 0.99 MΩ is below 1 MΩ"),
    (TN3, {M.LOOP_IMPEDANCE: Decimal("1.38")}, "above 1.37 Ω, the most for a B32 circuit breaker"),
    (TN3, {M.RCD_TRIP_TIME: 301}, "301 ms"),
    (TN3, {M.RCD_TRIP_CURRENT: Decimal(15)}, "tripped at 15 mA"),
    (TN3, {M.RCD_TRIP_CURRENT: Decimal("30.1")}, "tripped at 30.1 mA"),
    (TN3, {M.DC_6MA: False}, "6 mA DC protection: failed"),
    (TN3, {M.PHASE_ROTATION: None}, "Not recorded: Phase rotation."),
    (IT1, {M.ELECTRODE: Decimal("1666.67")}, "RA × 30 mA is 50.1 V, more than 50 V"),
    (IT1, {M.INSULATION_MONITOR: False}, "Insulation monitoring: failed"),
    (IT1, {M.DOUBLE_FAULT: Decimal("0.35")}, "second earth fault, 0.35 Ω, is above 0.34 Ω, the most for a C32"),
])
def test_a_missing_or_failing_measurement_is_named_with_its_reason(circuit, change, reason):
    (problem,) = measurement_problems(circuit, {**PASSING, **change})
    assert reason in problem


@pytest.mark.parametrize(("text", "places", "value"), [
    ("0,22", 2, Decimal("0.22")), ("0.22", 2, Decimal("0.22")), ("299", 2, Decimal(299)), ("1.5", 1, Decimal("1.5")),
    ("1.800", 2, None), ("1,500", 2, None), ("1.50", 1, None),
    ("0.225", 2, None), ("1e3", 2, None), ("NaN", 2, None), (" 1", 2, None), ("1,2,3", 2, None), ("٣", 2, None),
    ("", 2, None), (None, 2, None), ("24.5", 0, None), ("24", 0, Decimal(24)),
])
def test_decimals_are_read_strictly_with_a_point_or_a_comma(text, places, value):
    assert parse_decimal(text, places=places) == value


def test_decimals_outside_the_range_are_refused():
    assert parse_decimal("-0.1", places=2, minimum=Decimal(0)) is None
    assert parse_decimal("200.01", places=2, maximum=Decimal(200)) is None
    assert parse_decimal("200", places=2, minimum=Decimal(0), maximum=Decimal(200)) == Decimal(200)
