"""Reading a WebM's declared length from its EBML header (what the course import checks `duration_seconds` by)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.webm import duration_seconds

VIDEO = Path(__file__).parents[1] / "data" / "courses" / "safety-basics" / "media" / "proving-dead.webm"


def test_the_duration_of_a_webm_file_is_read_from_its_header():
    assert duration_seconds(VIDEO.read_bytes()) == pytest.approx(40.0)


@pytest.mark.parametrize("data", [
    b"",
    b"<svg></svg>",
    VIDEO.read_bytes()[:40],                                     # cut off before the Segment's Info
    VIDEO.read_bytes().replace(b"webm", b"mkvx", 1),             # Matroska, but not WebM
    b"\x1a\x45\xdf\xa3\x00",                                     # an EBML number that cannot be
])
def test_anything_else_has_no_duration(data):
    assert duration_seconds(data) is None
