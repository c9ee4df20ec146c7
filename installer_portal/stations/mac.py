"""MAC addresses as people type them and labels print them, normalized to 00:1A:2B:3C:4D:5E."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX12 = re.compile(r"^[0-9A-F]{12}$")
#: The notations we accept, checked on the raw text so that odd groupings ("0:01A2:B3...") are refused.
_NOTATIONS = (
    re.compile(r"^[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$"),  # 00:1A:2B:3C:4D:5E, 00-1a-…
    re.compile(r"^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$"),              # 001a.2b3c.4d5e
    re.compile(r"^[0-9A-Fa-f]{12}$"),                                               # 001A2B3C4D5E
)


def normalize_mac(raw: str) -> str | None:
    """The MAC in upper case with colons, or None if `raw` is not a MAC in a common notation.

    Stray spaces (around it, or next to separators) are ignored.
    """
    text = re.sub(r"\s*([:.\-])\s*", r"\1", (raw or "").strip())
    if len(text) > 40 or not any(notation.match(text) for notation in _NOTATIONS):
        return None
    digits = _SEPARATORS.sub("", text).upper()
    if not _HEX12.match(digits):
        return None
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def assignable(mac: str) -> bool:
    """Whether a normalized MAC can be one device's own: not all zeros, not broadcast, not multicast
    (the lowest bit of the first octet set), which a registry typo or a test sheet sometimes holds."""
    first = int(mac[:2], 16)
    return mac != "00:00:00:00:00:00" and not first & 1
