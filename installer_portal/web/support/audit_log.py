"""The console's audit log: what staff did, filtered by staff member, person and action."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from core.pages import Page

from ...accounts.services import find_user
from ...staff.audit import audit_records
from ...staff.models import AuditAction, AuditRecord
from .blueprint import bp


@bp.route("/audit")
def audit() -> ResponseReturnValue:
    # Both people are named by email address, as staff know them; an address nobody has matches nothing.
    staff_email = request.args.get("staff", "").strip()
    person_email = request.args.get("person", "").strip()
    actor = find_user(staff_email) if staff_email else None
    person = find_user(person_email) if person_email else None
    action = request.args.get("action")
    chosen = AuditAction(action) if action in set(AuditAction) else None
    unknown = (staff_email and actor is None) or (person_email and person is None)
    page = Page[AuditRecord]([]) if unknown else audit_records(
        actor_id=actor.id if actor else None, person_id=person.id if person else None, action=chosen,
        after=request.args.get("after"), before=request.args.get("before"))
    return render_template("support/audit.html", page=page, actions=AuditAction, args=request.args)
