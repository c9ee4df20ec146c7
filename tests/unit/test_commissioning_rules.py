"""What a QR code may hold, and the current rules for the circuit (no database needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from installer_portal.commissioning.rules import current_problem, max_current_allowed, position_problem
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
