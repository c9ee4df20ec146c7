"""Slowing down password guessing without letting a stranger lock anyone out.

A hard lock per account (10 failures, 15 minutes) let anyone who knew an installer's address keep them out of
the app on site, a reset did not lift it, and 13 of 100 concurrent guesses got through (the reliability audit,
S5). Instead each (account, client address) pair has its own counter: a few failures are free, then every
failure doubles the wait before the next attempt from that address, up to MAX_WAIT. The person's own phone,
at another address, is not slowed by a stranger's guesses; the per-address limit (LIMIT_LOGIN_IP) still bounds
one address across accounts. An attempt is claimed by a conditional UPDATE before the password is checked, so
concurrent guesses queue on the row instead of slipping past the count; a success clears the pair, and a
completed password reset clears every pair of the account.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from core.database import changed_rows, db, get_or_create, utcnow

from .models import LoginThrottle, User

#: Failures that cost nothing; the next ones wait 1 s, 2 s, 4 s … before another attempt from that address.
FREE_FAILURES = 5
MAX_WAIT = timedelta(minutes=15)


def _key(address: str, ip: str) -> str:
    return hashlib.sha256(f"{address.strip().lower()}|{ip}".encode("utf-8", "surrogatepass")).hexdigest()


def wait_after(failures: int) -> timedelta:
    """How long the next attempt waits after this many failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)), MAX_WAIT)


def claim_attempt(address: str, ip: str, user: User | None, now: datetime | None = None) -> timedelta | None:
    """Take the right to check one password for `address` from `ip`: None when taken, else how long to wait.

    The claim counts as a failure until `clear_attempts` says it was not one.
    """
    now = now or utcnow()
    key = _key(address, ip)
    get_or_create(LoginThrottle, {"key_hash": key}, user_id=user.id if user else None, next_attempt_at=now)
    claimed = changed_rows(update(LoginThrottle)
                           .where(LoginThrottle.key_hash == key, LoginThrottle.next_attempt_at <= now)
                           .values(failures=LoginThrottle.failures + 1)
                           .execution_options(synchronize_session=False))
    row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key_hash == key)
                             .execution_options(populate_existing=True)).one()
    if claimed != 1:
        return max(row.next_attempt_at - now, timedelta(seconds=1))
    row.next_attempt_at = now + wait_after(row.failures)
    db.session.flush()
    return None


def clear_attempts(address: str, ip: str) -> None:
    """The password was right: this address starts afresh for this account."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == _key(address, ip))
                       .execution_options(synchronize_session=False))


def lift_throttles(user: User) -> None:
    """The account's owner proved they hold the mailbox (a completed reset): every address may try again."""
    db.session.execute(update(LoginThrottle).where(LoginThrottle.user_id == user.id)
                       .values(failures=0, next_attempt_at=utcnow()).execution_options(synchronize_session=False))
