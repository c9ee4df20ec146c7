"""The length a WebM file declares in its header, so an import can check a video lesson's `duration_seconds`.

WebM is Matroska, an EBML tree: an EBML header naming the document type, then a Segment whose Info holds the
Duration in units of TimestampScale nanoseconds. Only those few elements are read; nothing is decoded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

EBML, DOC_TYPE, SEGMENT, INFO, TIMESTAMP_SCALE, DURATION = 0x1A45DFA3, 0x4282, 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_NANOSECONDS = 1_000_000_000


def _number(data: bytes, pos: int, marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length number at `pos` and where it ends; an element size of all ones is None (unknown)."""
    length = 9 - data[pos].bit_length()
    if not 1 <= length <= 8 or pos + length > len(data):
        raise ValueError("not an EBML number")
    value = int.from_bytes(data[pos:pos + length], "big")
    if marker:
        return value, pos + length
    value &= (1 << 7 * length) - 1
    return (None if value == (1 << 7 * length) - 1 else value), pos + length


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int | None, int, int]]:
    """The (id, start, end) of each element between `start` and `end`; an unknown size runs to `end`."""
    pos = start
    while pos < end:
        ident, pos = _number(data, pos, marker=True)
        size, pos = _number(data, pos, marker=False)
        stop = end if size is None else min(pos + size, end)
        yield ident, pos, stop
        pos = stop


def duration_seconds(data: bytes) -> float | None:
    """The Duration a WebM file declares, in seconds; None if `data` is not WebM or declares none."""
    try:
        elements = _elements(data, 0, len(data))
        ident, start, stop = next(elements)
        header = {i: data[s:e] for i, s, e in _elements(data, start, stop)}
        if ident != EBML or header.get(DOC_TYPE) != b"webm":
            return None
        for ident, start, stop in elements:
            if ident != SEGMENT:
                continue
            for child, child_start, child_stop in _elements(data, start, stop):
                if child == INFO:
                    info = {i: data[s:e] for i, s, e in _elements(data, child_start, child_stop)}
                    duration = info.get(DURATION)
                    if duration is None or len(duration) not in (4, 8):
                        return None
                    scale = int.from_bytes(info.get(TIMESTAMP_SCALE, b""), "big") or 1_000_000
                    (value,) = struct.unpack(">f" if len(duration) == 4 else ">d", duration)
                    return value * scale / _NANOSECONDS
    except (ValueError, IndexError, StopIteration):
        return None
    return None
