"""Numbers from people and files, read one strict way.

`str.isdigit()` accepts "²" (which `int()` then refuses) and `int()` accepts "٣" and " 7 "; database integers
stop at 2**31 - 1 on PostgreSQL, where a larger one is an error rather than a miss. Everything a person types
or a file carries is read with `parse_int` (or `parse_decimal`), and every id in a URL is bounded by `DB_INT_MAX`.
"""

from __future__ import annotations

import re
from decimal import Decimal

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


_DECIMAL = re.compile(r"-?[0-9]{1,10}(?:[.,][0-9]{1,10})?")


def parse_decimal(text: str | None, *, places: int, minimum: Decimal | None = None,
                  maximum: Decimal | None = None) -> Decimal | None:
    """The number `text` spells in ASCII digits with a decimal point or comma (nl and nb write 0,22), with
    at most `places` decimals, if it is within `minimum`..`maximum` (where given); None for anything else.

    `Decimal()` alone would take "1e3", "NaN", "٣" and " 7 "; a reading typed on site is none of those.
    """
    if text is None or not _DECIMAL.fullmatch(text):
        return None
    text = text.replace(",", ".")
    # Decimals as written, trailing zeros included: "1.800" is 1800 to a Dutch reader (a point groups
    # thousands in nl), so a reading with more decimals than it can have is refused, never read as 1.8.
    if len(text.partition(".")[2]) > places:
        return None
    value = Decimal(text)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return value
