"""Languages, locale selection, time zones and the gettext helpers every module imports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import has_request_context, request
from flask_babel import _get_current_context as _babel_context
from flask_babel import (
    format_date,
    format_time,
    get_locale,
    get_timezone,
    gettext,
    lazy_gettext,
    ngettext,
    to_user_timezone,
)
from flask_login import current_user
from pytz import timezone

#: The languages everything exists in, with each language's own name for itself.
LANGUAGES: dict[str, str] = {"en": "English", "nl": "Nederlands", "nb": "Norsk bokmål"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "_", "_l", "current_language", "force_timezone", "format_moment", "ngettext",
           "select_locale", "supported_language"]

#: Tags browsers send for Norwegian that our `nb` catalog serves (Babel calls `no` an alias of `nb`).
_NORWEGIAN = {"no", "nb", "nn"}


def supported_language(tag: str | None) -> str | None:
    """Map a language tag (`nb-NO`, `no`, `nl-BE`, `EN`) to one of ours, or None."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    if primary in _NORWEGIAN:
        return "nb"
    return primary if primary in LANGUAGES else None


def select_locale() -> str:
    """The person's preference, else the language they picked, else the browser's, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # CLI commands and the mail sender (mail sets its own language)
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    picked = supported_language(request.cookies.get(LANGUAGE_COOKIE))
    if picked:
        return picked
    for tag, _quality in request.accept_languages:
        language = supported_language(tag)
        if language:
            return language
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """The catalog language of the page or mail being rendered (`en` for the en_GB and en_US formats)."""
    locale = get_locale()
    return locale.language if locale else DEFAULT_LANGUAGE


@contextmanager
def force_timezone(zone: str) -> Iterator[None]:
    """Format times in `zone` inside the block, as `force_locale` does for the language: mail and PDFs
    follow their reader, not the request (or the job) that renders them."""
    get_timezone()  # creates Flask-Babel's per-context cache, which has no public setter
    cache = _babel_context()
    if cache is None:
        yield
        return
    kept = cache.babel_tzinfo
    cache.babel_tzinfo = timezone(zone)
    try:
        yield
    finally:
        cache.babel_tzinfo = kept


def format_moment(when: datetime) -> str:
    """Date and time to the minute with the zone's abbreviation ("21 November 2026, 17:49 CET"), for documents
    read away from the screen, where the reader cannot know which zone a bare time is in."""
    local = to_user_timezone(when)
    return str(get_locale().datetime_formats["medium"]).format(
        f"{format_time(local, 'short', rebase=False)} {local.tzname()}", format_date(local, "long", rebase=False))
