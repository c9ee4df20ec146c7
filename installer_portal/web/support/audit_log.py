"""The console's audit log: what staff did, filtered by staff member, person and action."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from core.numbers import parse_int

from ...accounts.services import find_user
from ...staff.audit import audit_records
from ...staff.models import AuditAction
from .blueprint import bp


@bp.route("/audit")
def audit() -> ResponseReturnValue:
    staff_email = request.args.get("staff", "").strip()
    actor = find_user(staff_email) if staff_email else None
    action = request.args.get("action")
    chosen = AuditAction(action) if action in set(AuditAction) else None
    records = [] if staff_email and actor is None else audit_records(
        actor_id=actor.id if actor else None, person_id=parse_int(request.args.get("person")), action=chosen)
    return render_template("support/audit.html", records=records, actions=AuditAction, args=request.args)
