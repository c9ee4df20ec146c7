"""The password policy (length and guessability) and argon2id hashing."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from core.database import db
from installer_portal.accounts.models import User
from installer_portal.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from installer_portal.accounts.services import authenticate
from tests.conftest import TEST_ARGON2
from tests.factories import PASSWORD, UserFactory

PHRASE = "violet kettle marches north over seven quiet harbours "


def of_length(length: int) -> str:
    """A strong password of exactly `length` characters."""
    return (PHRASE * (length // len(PHRASE) + 1))[:length]


@pytest.fixture
def policy(app):
    """The policy as the sign-up form runs it: in a request, so its reasons are translated."""
    with app.test_request_context():
        yield password_problems


@pytest.fixture
def reason(policy):
    """The reason given for each kind of refusal, to compare against without relying on wording."""
    reasons = {
        "too_short": policy("a"),
        "too_long": policy("a" * (MAX_LENGTH + 1)),
        "common": policy("iloveyou12345"),
        "context": policy("laadstation!!!!"),
        "guessable": policy("aaaaaaaaaaaaaaaaaaaa"),
    }
    assert all(len(value) == 1 for value in reasons.values())
    assert len({value[0] for value in reasons.values()}) == len(reasons)
    return reasons


# Length (PWD-01, PWD-02) -----------------------------------------------------------------------


@pytest.mark.req("PWD-01")
def test_minimum_length_is_twelve_characters(policy, reason):
    assert MIN_LENGTH == 12
    assert policy("violet kett") == reason["too_short"]
    assert policy("violet kettl") == []
    assert policy("vQ8#kLm2!pXz") == []


@pytest.mark.req("PWD-01")
def test_length_counts_characters_not_bytes(policy, reason):
    eleven = "øæåøæåøæåøæ"
    assert len(eleven.encode()) > MIN_LENGTH
    assert policy(eleven) == reason["too_short"]


@pytest.mark.req("PWD-02")
@pytest.mark.parametrize("length", [64, 200, MAX_LENGTH])
def test_long_passwords_are_accepted(policy, length):
    password = of_length(length)
    assert len(password) == length
    assert policy(password) == []


@pytest.mark.req("PWD-02")
def test_a_password_over_the_maximum_length_is_refused(policy, reason):
    assert policy(of_length(MAX_LENGTH + 1)) == reason["too_long"]


# Guessability (PWD-03) -------------------------------------------------------------------------


@pytest.mark.req("PWD-03")
@pytest.mark.parametrize("password", ["password1234", "Password1234!", "qwertyuiop123"])
def test_common_passwords_padded_to_length_are_refused_as_common(policy, reason, password):
    assert policy(password) == reason["common"]


@pytest.mark.req("PWD-03")
def test_a_run_of_digits_is_refused(policy):
    assert policy("123456789012") != []


@pytest.mark.req("PWD-03")
@pytest.mark.parametrize("password", ["installerportal2024", "InstallerPortal!!", "ladestasjon2024!"])
def test_passwords_built_on_the_portals_own_words_are_refused(policy, reason, password):
    assert policy(password) == reason["context"]


@pytest.mark.req("PWD-03")
def test_the_email_local_part_plus_digits_is_refused(policy, reason):
    assert policy("kari.nordmann1234", ("kari.nordmann",)) == reason["context"]
    assert policy("Kari.Nordmann2024!", ("kari.nordmann",)) == reason["context"]
    # The same password is fine for someone else.
    assert policy("kari.nordmann1234", ("ola.hansen",)) == []


@pytest.mark.req("PWD-03")
def test_a_few_unrelated_words_are_accepted_without_composition_rules(policy):
    assert policy("correct horse battery staple") == []
    assert policy("høstløv på fjellet i oktober") == []


# Hashing (PWD-04, PWD-05) ----------------------------------------------------------------------


@pytest.mark.req("PWD-04")
def test_the_same_password_typed_in_another_unicode_form_verifies(ctx):
    composed = unicodedata.normalize("NFC", "Høhe Ångström café ﬁord")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed

    password_hash = hash_password(composed)

    assert verify_password(password_hash, decomposed)
    assert verify_password(password_hash, "Høhe Ångström café fiord")  # NFKC: the ligature is two letters
    assert not verify_password(password_hash, "Hohe Angstrom cafe fiord")
    assert verify_password(hash_password(decomposed), composed)


@pytest.mark.req("PWD-02")
def test_verification_uses_the_whole_password(ctx):
    password = of_length(100)
    password_hash = hash_password(password)
    assert verify_password(password_hash, password)
    assert not verify_password(password_hash, password[:-1])
    assert not verify_password(password_hash, password + "x")
    assert not verify_password("not a hash", password)


@pytest.mark.req("PWD-05")
def test_hashes_are_salted_argon2id_with_the_configured_parameters(ctx):
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)

    expected = f"$argon2id$v=19$m={TEST_ARGON2['memory_cost']},t={TEST_ARGON2['time_cost']}," \
               f"p={TEST_ARGON2['parallelism']}$"
    assert first.startswith(expected)
    assert first != second
    assert PASSWORD not in first


@pytest.mark.req("PWD-05")
def test_a_hash_needs_rehashing_when_the_parameters_change(app, ctx):
    password_hash = hash_password(PASSWORD)
    assert not needs_rehash(password_hash)

    app.config["ARGON2_PARAMETERS"] = {**TEST_ARGON2, "time_cost": TEST_ARGON2["time_cost"] + 1}

    assert needs_rehash(password_hash)
    assert verify_password(password_hash, PASSWORD)


@pytest.mark.req("PWD-05")
@pytest.mark.config(ARGON2_PARAMETERS={**TEST_ARGON2, "time_cost": TEST_ARGON2["time_cost"] + 1})
def test_logging_in_upgrades_a_hash_made_with_old_parameters(app, ctx):
    user = UserFactory(email="old.hash@example.com", password_hash=PasswordHasher(**TEST_ARGON2).hash(PASSWORD))
    old_hash = user.password_hash

    assert authenticate("old.hash@example.com", PASSWORD) is not None
    db.session.commit()

    stored = db.session.scalar(select(User.password_hash).where(User.email == "old.hash@example.com"))
    assert stored != old_hash
    assert f"t={TEST_ARGON2['time_cost'] + 1}" in stored
    assert not needs_rehash(stored)
    assert verify_password(stored, PASSWORD)
