"""Whole numbers from people and files, read one strict way.

`str.isdigit()` accepts "²" (which `int()` then refuses) and `int()` accepts "٣" and " 7 "; database integers
stop at 2**31 - 1 on PostgreSQL, where a larger one is an error rather than a miss. Everything a person types
or a file carries is read with `parse_int`, and every id in a URL is bounded by `DB_INT_MAX`.
"""

from __future__ import annotations

import re

#: The largest value of an INTEGER column on PostgreSQL (and so of every id).
DB_INT_MAX = 2**31 - 1
_WHOLE = re.compile(r"-?[0-9]{1,10}")


def parse_int(text: str | None, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """The number `text` spells in ASCII digits (a leading minus only where `minimum` is negative), if it is
    within `minimum`..`maximum`; None for anything else."""
    if text is None or not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
