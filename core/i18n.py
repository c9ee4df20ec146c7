"""Languages, locale selection and the gettext helpers every module imports."""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user

#: The languages everything exists in, with each language's own name for itself.
LANGUAGES: dict[str, str] = {"en": "English", "nl": "Nederlands", "nb": "Norsk bokmål"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "_", "_l", "ngettext", "select_locale", "supported_language"]

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
