"""The base form every form uses, and the one way a refusal is shown on a form."""

from __future__ import annotations

from typing import Any

from flask import flash, request, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField

from .i18n import _l

#: Where the CSRF error handler parks what a person typed, so the form can show it again.
RECOVERY_KEY = "form_recovery"
#: Only this much typed text is parked in the (cookie) session.
_RECOVERY_LIMIT = 2000


def park_form_input(endpoint: str, form_data: MultiDict[str, str]) -> None:
    """Keep the non-secret fields of a rejected submission for the next GET of the same form."""
    kept = {}
    for name, value in form_data.items(multi=False):
        if name == "csrf_token" or "password" in name:
            continue
        kept[name] = value[:500]
    if sum(len(value) for value in kept.values()) <= _RECOVERY_LIMIT:
        session[RECOVERY_KEY] = {"endpoint": endpoint, "data": kept}


class Form(FlaskForm):
    """A Flask-WTF form (CSRF-protected) that refills itself after an expired-token round trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parked = session.get(RECOVERY_KEY)
        if request.method == "GET" and parked and parked.get("endpoint") == request.endpoint:
            session.pop(RECOVERY_KEY)
            for name, value in parked["data"].items():
                field = self._fields.get(name)
                if field is not None and not isinstance(field, PasswordField):
                    field.process_formdata([value])


def show_error(form: FlaskForm, field_name: str | None, message: str) -> None:
    """Show a rule's refusal next to the field it is about, or at the top of the page."""
    field = form._fields.get(field_name) if field_name else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        flash(message, "error")


#: The message of every required field.
REQUIRED = _l("This field is required.")
