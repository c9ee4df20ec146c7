"""One-time tokens for links in emails: random, stored as a hash, single use, expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from core.database import changed_rows, db, utcnow
from core.enums import LabelledEnum
from core.errors import ProblemRefusal
from core.i18n import _l

from .models import OneTimeToken, TokenPurpose, User

#: Longer strings are never tokens of ours; they are rejected before any hashing or lookup.
MAX_TOKEN_LENGTH = 128


class TokenProblem(LabelledEnum):
    """Why a link did not work.

    - ``invalid``: no such token (mistyped, truncated, tampered with).
    - ``expired``: past its lifetime.
    - ``used``: it has already been used once.
    - ``superseded``: a newer link was sent, or the password changed since.
    """

    INVALID = "invalid", _l("This link is not valid. It may have been copied incompletely.")
    EXPIRED = "expired", _l("This link has expired.")
    USED = "used", _l("This link has already been used.")
    SUPERSEDED = "superseded", _l("This link has been replaced by a newer one. Use the link in the latest email.")


class TokenError(ProblemRefusal[TokenProblem]):
    """A link that cannot be used; `token` is the row when one exists."""

    def __init__(self, problem: TokenProblem, token: OneTimeToken | None = None) -> None:
        super().__init__(problem)
        self.token = token


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a token for `user`, replacing any earlier live one of the same purpose; return it raw."""
    now = utcnow()
    supersede_tokens(user, purpose)
    raw = secrets.token_urlsafe(32)
    db.session.add(OneTimeToken(
        user=user, purpose=purpose, token_hash=hash_token(raw), email=user.email,
        created_at=now, expires_at=now + lifetime,
    ))
    db.session.flush()
    return raw


def supersede_tokens(user: User, purpose: TokenPurpose) -> None:
    """Kill every live token of this purpose for this person."""
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose,
               OneTimeToken.used_at.is_(None), OneTimeToken.superseded_at.is_(None))
        .values(superseded_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _find(raw: str, purpose: TokenPurpose) -> OneTimeToken:
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise TokenError(TokenProblem.INVALID)
    token = db.session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == hash_token(raw), OneTimeToken.purpose == purpose)
    )
    if token is None:
        raise TokenError(TokenProblem.INVALID)
    return token


def _check(token: OneTimeToken) -> None:
    if token.used_at is not None:
        raise TokenError(TokenProblem.USED, token)
    if token.superseded_at is not None:
        raise TokenError(TokenProblem.SUPERSEDED, token)
    if token.email != token.user.email:
        raise TokenError(TokenProblem.SUPERSEDED, token)
    if utcnow() > token.expires_at:
        raise TokenError(TokenProblem.EXPIRED, token)


def check_token(raw: str, purpose: TokenPurpose) -> OneTimeToken:
    """Return the token if it could be redeemed now, without using it up."""
    token = _find(raw, purpose)
    _check(token)
    return token


def redeem_token(raw: str, purpose: TokenPurpose) -> OneTimeToken:
    """Use the token up. One conditional UPDATE decides, so two simultaneous uses cannot both win."""
    token = check_token(raw, purpose)
    now = utcnow()
    claimed = changed_rows(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None),
               OneTimeToken.superseded_at.is_(None), OneTimeToken.expires_at >= now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        db.session.refresh(token)
        _check(token)
        raise TokenError(TokenProblem.USED, token)
    db.session.refresh(token)
    return token
