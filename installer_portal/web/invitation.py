"""Setting up the installer account from an invitation: the mailed link, the setup form, and why a link fails.

One access check: every page but the link itself, the problem page and the terms needs a login.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.database import db
from core.errors import Refusal
from core.i18n import _
from lms import api as lms

from ..extensions import configured_limit, limiter, login_manager
from ..invitations.forms import InstallerSetupForm
from ..invitations.services import (
    TERMS_VERSION,
    InvitationError,
    InvitationProblem,
    accept_invitation,
    check_invitation_for,
    invitation_for_token,
    may_ask_for_new_link,
    request_new_invitation,
)
from ..markets import SUPPORT_CONTACTS
from .session_keys import INVITATION_PROBLEM, INVITATION_TOKEN

bp = Blueprint("invitation", __name__, url_prefix="/invitation")

#: Pages for people who are not logged in: the mailed link (it may be opened before logging in), why a
#: link does not work, and the terms.
_OPEN = {"invitation.land", "invitation.problem", "invitation.terms"}
#: How the problem page answers: someone else's link is forbidden, an unknown one not found, the rest gone.
_PROBLEM_STATUS = {InvitationProblem.WRONG_PERSON: 403, InvitationProblem.INVALID: 404}


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """One access check for every route of this blueprint, so a new route is protected by default."""
    if request.endpoint not in _OPEN and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.route("/<token>")
@limiter.limit(configured_limit("LIMIT_TOKEN_LINK"))
def land(token: str) -> ResponseReturnValue:
    """The link in the email: check it, move the token into the session, continue without it in the URL."""
    try:
        invitation_for_token(token)
    except InvitationError as error:
        session[INVITATION_PROBLEM] = error.problem.value
        return redirect(url_for(".problem"))
    session[INVITATION_TOKEN] = token
    return redirect(url_for(".setup"))


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> ResponseReturnValue:
    token = session.get(INVITATION_TOKEN)
    if not token:
        flash(_("Open the link in your invitation email to set up your installer account."), "info")
        return redirect(url_for("account.home"))
    user = current_user._get_current_object()
    try:
        check_invitation_for(user, token)
    except InvitationError as error:
        if error.problem == InvitationProblem.ALREADY_INSTALLER:
            session.pop(INVITATION_TOKEN, None)
            flash(error.message, "info")
            return redirect(url_for("installer.home"))
        return _problem_page(error.problem)
    form = InstallerSetupForm(user.region)
    if form.validate_on_submit():
        try:
            accept_invitation(user, token, business_name=form.business_name.data,
                              licence_number=form.licence_number.data if form.needs_licence else None,
                              licence_region=form.licence_region.data if form.needs_licence else None)
        except InvitationError as error:
            db.session.rollback()
            return _problem_page(error.problem)
        db.session.commit()
        session.pop(INVITATION_TOKEN, None)
        flash(_("Your installer account is ready."), "success")
        return redirect(url_for("installer.home"))
    return render_template("invitation/setup.html", form=form, certificate=lms.valid_certificate(user.id),
                           terms_version=TERMS_VERSION), 400 if form.errors else 200


@bp.route("/problem")
def problem() -> ResponseReturnValue:
    try:
        reason = InvitationProblem(session.get(INVITATION_PROBLEM, ""))
    except ValueError:
        return redirect(url_for("public.start"))
    return _problem_page(reason)


def _problem_page(reason: InvitationProblem) -> ResponseReturnValue:
    """Why the link does not work, who can help, and a new link for those who may have one."""
    person = current_user._get_current_object() if current_user.is_authenticated else None
    contacts = [(person.region, person.region.support)] if person else list(SUPPORT_CONTACTS.items())
    return render_template("invitation/problem.html", reason=reason, contacts=contacts,
                           can_renew=person is not None and may_ask_for_new_link(person, reason),
                           ), _PROBLEM_STATUS.get(reason, 410)


@bp.route("/renew", methods=["POST"])
@limiter.limit(configured_limit("LIMIT_INVITATION_RENEW"), key_func=lambda: f"renew:{getattr(current_user, 'id', 0)}")
def renew() -> ResponseReturnValue:
    """The person asks for a new invitation link for themselves."""
    try:
        request_new_invitation(current_user._get_current_object())
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("account.home"))
    db.session.commit()
    flash(_("We sent a new invitation to %(email)s. If it isn't there, look in your spam folder.",
            email=current_user.email), "success")
    return redirect(url_for("account.home"))


@bp.route("/terms")
def terms() -> ResponseReturnValue:
    return render_template(f"invitation/terms_{TERMS_VERSION}.html", terms_version=TERMS_VERSION)
