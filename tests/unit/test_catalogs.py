"""Every string a person reads exists in English, Dutch and Norwegian, and the catalogs match the sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "installer_portal" / "translations"
LANGUAGES = ("nl", "nb")
#: Words the glossary (../shared/GLOSSARY.md) replaced, or that reviewers found wrong: one idea, one term.
RETIRED_TERMS = {
    "nl": ("cesuur", "klantenserviceconsole", "toets geslaagd", "toets niet geslaagd"),
    "nb": ("beståttgrense", "likefeilstrøm", "kundestøttekonsoll"),
}
#: The example coordinate in hints: map apps and the GPS button write a decimal point in every language.
COORDINATE = "59.913868"


def catalog(language: str):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    assert not catalog(language).fuzzy, "a fuzzy header makes pybabel compile skip the whole catalog"
    messages = [message for message in catalog(language) if message.id]
    untranslated = [message.id for message in messages if not message.string]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    problems = [(message.id, errors) for message, errors in catalog(language).check() if errors]
    assert problems == []


def test_catalogs_are_not_stale_against_the_sources(tmp_path, monkeypatch):
    """Extract the messages again: a string added, changed or removed in the code fails this test."""
    monkeypatch.chdir(ROOT)
    template = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                                "--no-location", "--ignore-dirs", ".* __pycache__", "-o", str(template), "."])
    with open(template, "rb") as handle:
        in_sources = {message.id for message in read_po(handle) if message.id}
    for language in LANGUAGES:
        in_catalog = {message.id for message in catalog(language) if message.id}
        assert in_sources - in_catalog == set(), f"{language}: run `make extract-messages` and translate"
        assert in_catalog - in_sources == set(), f"{language}: obsolete entries; run `make extract-messages`"


def translations(message) -> list[str]:
    """A message's translated text: one string, or every plural form."""
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_use_the_glossary_not_its_retired_terms(language):
    found = [(message.id, term) for message in catalog(language) if message.id
             for text in translations(message) for term in RETIRED_TERMS[language] if term in text.lower()]
    assert found == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_coordinate_keeps_its_decimal_point(language):
    examples = [message for message in catalog(language) if COORDINATE in str(message.id)]
    assert examples, "no message shows the example coordinate any more"
    assert [message.id for message in examples if COORDINATE not in message.string] == []
