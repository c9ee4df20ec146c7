"""MAC addresses in every common notation become 00:1A:2B:3C:4D:5E; anything else is refused."""

from __future__ import annotations

import pytest

from installer_portal.stations.mac import normalize_mac

MAC = "00:1A:2B:3C:4D:5E"


@pytest.mark.parametrize("raw", [
    "00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001A2B3C4D5E", "001a.2b3c.4d5e", " 00:1a:2b:3c:4d:5e ",
    "00 : 1A : 2B : 3C : 4D : 5E", "001a2b3c4d5e\n", "00:1a:2B:3c:4D:5e",
])
def test_common_notations_are_accepted(raw):
    assert normalize_mac(raw) == MAC


@pytest.mark.parametrize("raw", [
    "", "   ", "00:1A:2B:3C:4D", "00:1A:2B:3C:4D:5E:6F", "00:1A:2B:3C:4D:5G", "001A2B3C4D5", "001A-2B3C-4D5E",
    "00:1A-2B:3C-4D:5E", "0:01A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E" * 3, "OO:1A:2B:3C:4D:5E", "00 1A 2B 3C 4D 5E",
    None,
])
def test_anything_else_is_refused(raw):
    assert normalize_mac(raw) is None
