"""Password policy (length and guessability, no composition rules) and argon2id hashing."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from core.i18n import _

MIN_LENGTH = 12
#: Far above what any password manager generates; it bounds the hashing work a request can cause.
MAX_LENGTH = 1024
#: zxcvbn looks at this many characters; beyond that a password is long enough to be strong.
_GUESS_WINDOW = 64
#: Words that belong to this product; passwords built on them are among the first an attacker tries.
CONTEXT_WORDS = ("installer", "portal", "installerportal", "charger", "charging", "station", "laadstation",
                 "ladestasjon", "montør", "monteur")


def normalize(password: str) -> str:
    """NFKC, so that the same password typed on two keyboards gives the same hash (NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def _core(password: str) -> str:
    """The password without the digits and symbols people pad a common password with."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def password_problems(password: str, personal: tuple[str, ...] = ()) -> list[str]:
    """Why this password may not be used (translatable messages); empty when it is fine.

    `personal` holds words from the person's own data (the email's local part, names).
    """
    password = normalize(password)
    if len(password) < MIN_LENGTH:
        return [_("Use at least %(count)d characters.", count=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(count)d characters.", count=MAX_LENGTH)]
    lowered = password.lower()
    common = _common_passwords()
    if lowered in common or (_core(password) in common and len(_core(password)) >= 4):
        return [_("This is one of the most common passwords. Choose another one.")]
    words = [word.lower() for word in (*CONTEXT_WORDS, *personal) if word and len(word) >= 4]
    if any(_core(password) == word or (lowered.startswith(word) and len(_core(password[len(word):])) < 4)
           for word in words):
        return [_("The password is too close to your email address or to this portal's name.")]
    if zxcvbn(password[:_GUESS_WINDOW], user_inputs=words)["score"] < 3:
        return [_("This password is too easy to guess. A few unrelated words make a strong password.")]
    return []


def _hasher() -> PasswordHasher:
    parameters = current_app.config.get("ARGON2_PARAMETERS")
    return PasswordHasher(**parameters) if parameters else PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(normalize(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash; the whole password counts, never a prefix."""
    try:
        return _hasher().verify(password_hash, normalize(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_time(password: str) -> None:
    """Spend the time a real verification takes, so an unknown email answers as slowly as a known one."""
    verify_password(_dummy_hash(), password)


def _dummy_hash() -> str:
    key = "_dummy_password_hash"
    cached = current_app.extensions.get(key)
    if cached is None:
        cached = current_app.extensions[key] = hash_password("dummy password that matches no account")
    return cached
