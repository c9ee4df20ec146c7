"""The console's people: search, a person's page, the actions on a person, and confirming the password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.i18n import _

from ...accounts.forms import ConfirmPasswordForm
from ...accounts.freshness import mark_authenticated
from ...accounts.models import User
from ...accounts.services import authenticate
from ...extensions import configured_limit, limiter
from ...staff import actions
from ...staff.forms import RevokeCertificateForm, StaffActionForm
from ...staff.models import AuditAction
from ...staff.people import person_overview, search_people
from .blueprint import Actions, bp, next_page, run_action, staff_action

#: Every action on a person: its form, and the staff action that runs it.
PERSON_ACTIONS: Actions = {
    AuditAction.RESEND_CONFIRMATION: (StaffActionForm, actions.resend_confirmation),
    AuditAction.REISSUE_INVITATION: (StaffActionForm, actions.reissue_invitation),
    AuditAction.REVOKE_INVITATION: (StaffActionForm, actions.revoke_invitation),
    AuditAction.REVOKE_CERTIFICATE: (RevokeCertificateForm, actions.revoke_certificate),
    AuditAction.REVOKE_INSTALLER: (StaffActionForm, actions.revoke_installer),
    AuditAction.RESTORE_INSTALLER: (StaffActionForm, actions.restore_installer),
    AuditAction.DEACTIVATE_ACCOUNT: (StaffActionForm, actions.deactivate_account),
    AuditAction.REACTIVATE_ACCOUNT: (StaffActionForm, actions.reactivate_account),
}


@bp.route("/")
def search() -> ResponseReturnValue:
    query = request.args.get("q", "")
    return render_template("support/search.html", query=query, people=search_people(query))


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<int:user_id>")
def person(user_id: int) -> ResponseReturnValue:
    return render_template("support/person.html",
                           overview=person_overview(_person(user_id), current_user._get_current_object(),
                                                    request.args))


@bp.route("/people/<int:user_id>/actions/<action>", methods=["POST"])
@staff_action(back=lambda user_id, action: url_for("support.person", user_id=user_id))
def act(user_id: int, action: str) -> ResponseReturnValue:
    return run_action(url_for(".person", user_id=user_id), PERSON_ACTIONS, action, _person(user_id))


@bp.route("/confirm-password", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_LOGIN_IP"), methods=["POST"])
def confirm_password() -> ResponseReturnValue:
    target = next_page(".search")
    form = ConfirmPasswordForm()
    if request.method == "POST":
        if form.validate_on_submit() and authenticate(current_user.email, form.password.data) is not None:
            mark_authenticated()
            return redirect(target)
        flash(_("The password is not correct."), "error")
    return render_template("support/confirm_password.html"), 400 if request.method == "POST" else 200
