"""The support console's blueprint, its one access check, and how every staff action is run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.errors import Refusal
from core.forms import Form
from core.i18n import _, _l
from core.redirects import safe_next

from ...accounts.freshness import fresh_login_required
from ...extensions import login_manager
from ...staff.models import AuditAction, AuditRecord
from ..security_log import security_event

bp = Blueprint("support", __name__, url_prefix="/support")

#: Staff actions need the password typed this recently (at login or on the confirm page).
STAFF_ACTION_WINDOW = timedelta(minutes=15)


@bp.before_request
def require_staff() -> ResponseReturnValue | None:
    """One access check for every console page, so a new page is protected by default."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


def staff_action(back: Callable[..., str]) -> Callable:
    """Mark a route as a staff action: it runs only with a password typed in the last 15 minutes, and the
    confirm-password page returns to `back(**view_args)`, the page the action was offered on."""
    return fresh_login_required(STAFF_ACTION_WINDOW, confirm_endpoint="support.confirm_password", back=back,
                                message=_l("Type your password again before you change someone's account."))


#: The actions a console page offers: each with its form and the staff action that runs it.
Actions = dict[AuditAction, tuple[type[Form], Callable[..., AuditRecord]]]


def run_action(page: str, actions: Actions, action: str, subject: object) -> ResponseReturnValue:
    """Every staff action: the form's fields, the action (which checks the reason and audits), one commit,
    and a message saying what happened on the page it was offered on. An action the page does not offer is 404."""
    if action not in actions:
        abort(404)
    form_class, run = actions[AuditAction(action)]
    form = form_class()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(page)
    fields = {name: field.data or "" for name, field in form._fields.items() if name != "csrf_token"}
    try:
        done = run(current_user._get_current_object(), subject, ip=request.remote_addr, **fields)
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(page)
    db.session.commit()
    security_event("staff_action", user_id=current_user.id, action=done.action.value,
                   subject=f"{done.subject_type.value}:{done.subject_key}")
    # Translators: a staff action succeeded; %(action)s is its name, e.g. "Invitation revoked".
    flash(_("Done: %(action)s.", action=AuditAction(action).label), "success")
    return redirect(page)


def next_page(default_endpoint: str) -> str:
    return safe_next(request.args.get("next")) or url_for(default_endpoint)
