"""Where a `next` may send a person, and which language a page is shown in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import get_locale

from core.i18n import select_locale, supported_language
from core.redirects import safe_next

# safe_next (AUTH-06) ---------------------------------------------------------------------------


@pytest.mark.req("AUTH-06")
@pytest.mark.parametrize("target", ["/account/profile?x=1", "/help", "/", "/help/eu/faq#contact"])
def test_a_path_on_this_site_is_a_safe_next(target):
    assert safe_next(target) == target


@pytest.mark.req("AUTH-06")
@pytest.mark.parametrize("target", [
    None,
    "",
    "https://evil.example",
    "https://evil.example/account/",
    "//evil.example",
    "//evil.example/account/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "evil.example/account",
    "/\x00x",
    "/\tevil.example",
    "/account/\r\nSet-Cookie: x=1",
    "/" + "a" * 2999,
])
def test_anything_else_is_refused_as_next(target):
    assert safe_next(target) is None


# supported_language (I18N-01) ------------------------------------------------------------------


@pytest.mark.req("I18N-01")
@pytest.mark.parametrize(("tag", "language"), [
    ("no", "nb"), ("nn", "nb"), ("nb-NO", "nb"), ("no-NO", "nb"), ("NB", "nb"), ("nb_NO", "nb"),
    ("nl-BE", "nl"), ("nl", "nl"), ("en-GB", "en"), ("EN", "en"),
    ("sv", None), ("de-DE", None), ("", None), (None, None),
])
def test_language_tags_map_to_the_languages_we_have(tag, language):
    assert supported_language(tag) == language


# Locale selection through requests -------------------------------------------------------------

_HTML_LANG = re.compile(r'<html lang="([^"]*)"')


def page_language(client, url: str = "/", **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    (language,) = _HTML_LANG.findall(response.get_data(as_text=True))
    return language


@pytest.mark.req("I18N-01")
@pytest.mark.parametrize(("accept_language", "language"), [
    ("no", "nb"),
    ("nn-NO", "nb"),
    ("nb-NO,nb;q=0.9", "nb"),
    ("sv", "en"),
    ("nl-BE,nl;q=0.9", "nl"),
    ("sv,nl;q=0.5", "nl"),
    ("de-DE,no;q=0.8,en;q=0.5", "nb"),
    ("", "en"),
])
def test_the_browsers_languages_choose_the_page_language(client, accept_language, language):
    assert page_language(client, **{"Accept-Language": accept_language}) == language


@pytest.mark.req("I18N-01")
def test_a_picked_language_beats_the_browsers(client):
    client.raw.set_cookie("lang", "nl")
    assert page_language(client, **{"Accept-Language": "nb"}) == "nl"


def test_an_unknown_language_cookie_is_ignored(client):
    client.raw.set_cookie("lang", "xx")
    assert page_language(client, **{"Accept-Language": "nb"}) == "nb"


def test_the_language_switch_remembers_the_choice_and_returns_to_the_page(client):
    response = client.submit("/help", {"language": "nb", "next": "/help"}, action="/language",
                             headers={"Accept-Language": "en"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/help"
    assert client.raw.get_cookie("lang").value == "nb"
    assert page_language(client, "/help", **{"Accept-Language": "en"}) == "nb"


@pytest.mark.req("AUTH-06")
def test_the_language_switch_never_sends_you_to_another_site(client):
    response = client.submit("/help", {"language": "nl", "next": "https://evil.example/help"}, action="/language")

    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/"
    assert client.raw.get_cookie("lang").value == "nl"


def test_the_language_switch_ignores_a_language_we_do_not_have(client):
    response = client.submit("/help", {"language": "sv", "next": "/help"}, action="/language")

    assert response.status_code == 303
    assert client.raw.get_cookie("lang") is None


def test_outside_a_request_the_locale_is_the_default(app):
    # CLI commands run without a request; the messages they show (e.g. a refused password) must still work.
    with app.app_context():
        assert select_locale() == "en"
        assert str(get_locale()) == "en"
