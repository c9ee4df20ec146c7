"""Installer pages: setting up the installer account from an invitation ("invitation"), and the
installer's own pages ("installer", for people with the installer role only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from lms import api as lms

from ..accounts.models import Role
from ..accounts.regions import Region
from ..auth.views import INVITATION_TOKEN_KEY
from ..database import db
from ..extensions import configured_limit, limiter, login_manager
from ..i18n import _
from ..invitations.forms import InstallerSetupForm
from ..invitations.services import (
    TERMS_VERSION,
    InvitationError,
    InvitationProblem,
    accept_invitation,
    check_invitation_for,
    invitation_for_token,
    request_new_invitation,
)
from ..public.support_contacts import SUPPORT_CONTACTS

bp = Blueprint("installer", __name__, url_prefix="/installer")
setup_bp = Blueprint("invitation", __name__, url_prefix="/invitation")

_PROBLEM_KEY = "invitation_problem"


@bp.before_request
def require_installer():
    """One access check for every installer page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(Role.INSTALLER):
        abort(403)
    return None


@bp.route("/")
def home():
    return render_template("installer/home.html", certificate=lms.valid_certificate(current_user.id))


@setup_bp.route("/<token>")
@limiter.limit(configured_limit("LIMIT_TOKEN_LINK"))
def land(token: str):
    """The link in the email: check it, move the token into the session, continue without it in the URL."""
    try:
        invitation_for_token(token)
    except InvitationError as error:
        session[_PROBLEM_KEY] = error.problem.value
        return redirect(url_for(".problem"))
    session[INVITATION_TOKEN_KEY] = token
    return redirect(url_for(".setup"))


@setup_bp.route("/setup", methods=["GET", "POST"])
def setup():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    token = session.get(INVITATION_TOKEN_KEY)
    if not token:
        flash(_("Open the link in your invitation email to set up your installer account."), "info")
        return redirect(url_for("account.home"))
    user = current_user._get_current_object()
    try:
        check_invitation_for(user, token)
    except InvitationError as error:
        if error.problem == InvitationProblem.ALREADY_INSTALLER:
            session.pop(INVITATION_TOKEN_KEY, None)
            flash(error.message, "info")
            return redirect(url_for("installer.home"))
        return _problem_page(error.problem)
    form = InstallerSetupForm(Region(user.region))
    if form.validate_on_submit():
        try:
            accept_invitation(user, token, business_name=form.business_name.data,
                              licence_number=form.licence_number.data if form.needs_licence else None,
                              licence_region=form.licence_region.data if form.needs_licence else None)
        except InvitationError as error:
            db.session.rollback()
            return _problem_page(error.problem)
        db.session.commit()
        session.pop(INVITATION_TOKEN_KEY, None)
        flash(_("Your installer account is ready."), "success")
        return redirect(url_for("installer.home"))
    return render_template("invitation/setup.html", form=form, certificate=lms.valid_certificate(user.id),
                           terms_version=TERMS_VERSION), 400 if form.errors else 200


@setup_bp.route("/problem")
def problem():
    try:
        reason = InvitationProblem(session.get(_PROBLEM_KEY, ""))
    except ValueError:
        return redirect(url_for("public.start"))
    return _problem_page(reason)


def _problem_page(reason: InvitationProblem):
    """Why the link does not work, who can help, and a new link for those who may have one."""
    region = Region(current_user.region) if current_user.is_authenticated else None
    can_renew = (current_user.is_authenticated and reason not in {InvitationProblem.WRONG_PERSON,
                                                                  InvitationProblem.ALREADY_INSTALLER}
                 and not current_user.has_role(Role.INSTALLER) and lms.valid_certificate(current_user.id) is not None)
    status = 403 if reason == InvitationProblem.WRONG_PERSON else 410 if reason != InvitationProblem.INVALID else 404
    return render_template("invitation/problem.html", reason=reason, can_renew=can_renew,
                           contacts=[(region, SUPPORT_CONTACTS[region])] if region else list(SUPPORT_CONTACTS.items()),
                           ), status


@setup_bp.route("/renew", methods=["POST"])
@limiter.limit(configured_limit("LIMIT_INVITATION_RENEW"), key_func=lambda: f"renew:{getattr(current_user, 'id', 0)}")
def renew():
    """The person asks for a new invitation link for themselves."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        request_new_invitation(current_user._get_current_object())
    except InvitationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("account.home"))
    db.session.commit()
    flash(_("We sent a new invitation to %(email)s. If it isn't there, look in your spam folder.",
            email=current_user.email), "success")
    return redirect(url_for("account.home"))


@setup_bp.route("/terms")
def terms():
    return render_template(f"invitation/terms_{TERMS_VERSION}.html", terms_version=TERMS_VERSION)
