"""Whether the person typed their password recently: actions that change other people's data ask for it
again after a while, so a borrowed, unlocked phone cannot act (Flask-Security's ``auth_required(within=…)``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import flash, redirect, request, session, url_for

from core.database import utcnow

#: The session key holding when the password was last typed (a POSIX timestamp).
AUTHENTICATED_AT = "authenticated_at"


def mark_authenticated() -> None:
    """The password was typed just now (at login, or on a confirm-password page)."""
    session[AUTHENTICATED_AT] = utcnow().timestamp()


def authenticated_within(within: timedelta) -> bool:
    stamp = session.get(AUTHENTICATED_AT)
    return stamp is not None and utcnow().timestamp() - stamp <= within.total_seconds()


def fresh_login_required(within: timedelta, *, confirm_endpoint: str, message: object,
                         back: Callable[..., str] | None = None) -> Callable:
    """Run the view only if the password was typed within `within`; otherwise say `message` and send the
    person to `confirm_endpoint`, which returns them to `back(**view_args)` (default: this page)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def fresh_view(**view_args: Any) -> Any:
            if not authenticated_within(within):
                flash(str(message), "info")
                target = back(**view_args) if back else request.path
                return redirect(url_for(confirm_endpoint, next=target))
            return view(**view_args)

        return fresh_view

    return decorator
