"""The locale and time zone a request formats dates in: the person's, else what a visitor's page or browser says."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import has_request_context, request
from flask_login import current_user

from core.i18n import select_locale

from ..markets import COUNTRY_ZONES, Region, locale_for


def _browser_country() -> str | None:
    """The first country the browser names in its languages (`en-GB` → GB), if it names one."""
    for tag, _quality in request.accept_languages:
        try:
            territory = Locale.parse(tag, sep="-").territory
        except (ValueError, UnknownLocaleError):
            continue
        if territory:
            return str(territory)
    return None


def _visitor_region() -> Region | None:
    """The region of the help page a visitor reads, else of the country their browser names."""
    try:
        return Region((request.view_args or {}).get("region", ""))
    except ValueError:
        country = _browser_country()
        return next((region for region in Region if country in region.countries), None)


def select_format_locale() -> str:
    """Flask-Babel's locale: the page's language, written as the person's region writes it (en_GB, en_US)."""
    language = select_locale()
    if not has_request_context():
        return language
    if current_user.is_authenticated:
        return locale_for(language, current_user.region)
    return locale_for(language, _visitor_region())


def select_zone() -> str | None:
    """Flask-Babel's time zone: the person's, else the zone of the visitor's browser country, else UTC (None).

    Outside a request (jobs) there is nobody to ask: mail and PDFs set their reader's zone themselves.
    """
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return str(current_user.zone)
    return COUNTRY_ZONES.get(_browser_country() or "")
