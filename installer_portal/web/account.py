"""The signed-in person's own pages: home, profile, password, and the confirm-your-email page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from core.database import db
from core.errors import Refusal
from core.forms import show_error
from core.i18n import _

from ..accounts.forms import ChangePasswordForm, ProfileForm
from ..accounts.services import (
    change_password,
    resend_confirmation,
    start_login_session,
    update_profile,
)
from ..extensions import configured_limit, limiter, login_manager
from ..markets import zone_of
from .security_log import security_event

bp = Blueprint("account", __name__, url_prefix="/account")

#: Pages an unconfirmed person may see: everything else sends them to confirm their email first.
_OPEN_TO_UNCONFIRMED = {"account.confirm_pending", "account.resend"}


@bp.before_request
def require_confirmed_login():
    """One access check for every route of this blueprint, so a new route is protected by default."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_confirmed and request.endpoint not in _OPEN_TO_UNCONFIRMED:
        return redirect(url_for("account.confirm_pending"))
    return None


@bp.route("/")
def home():
    return render_template("account/home.html")


@bp.route("/confirm-email")
def confirm_pending():
    if current_user.is_confirmed:
        return redirect(url_for("account.home"))
    return render_template("account/confirm_pending.html")


@bp.route("/confirm-email/resend", methods=["POST"])
@limiter.limit(configured_limit("LIMIT_RESEND"))
def resend():
    if resend_confirmation(current_user.email):
        db.session.commit()
        flash(_("We sent a new link to %(email)s. If it isn't there, look in your spam folder.",
                email=current_user.email), "success")
    else:
        flash(_("We have already sent you several links in the last hour. Look in your spam folder, "
                "or try again later."), "error")
    return redirect(url_for("account.confirm_pending"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(user.region, zone_of(user.region, user.country), obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        first_time = not user.profile_complete
        try:
            update_profile(user, first_name=form.first_name.data, last_name=form.last_name.data,
                           phone=form.phone.data, country=form.country.data, locale=form.locale.data,
                           company_name=form.company_name.data, time_zone=form.time_zone.data or None)
        except Refusal as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            # Flashed after the commit, so it is already in the language just chosen.
            flash(_("Your profile is complete.") if first_time else _("Your profile has been saved."), "success")
            return redirect(url_for("account.home"))
    return render_template("account/profile.html", form=form), 400 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data, form.password.data)
        except Refusal as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            # Every login ended with the old password; this device continues in a new one.
            session.clear()
            start_login_session(user, remember=False)
            db.session.commit()
            login_user(user)
            security_event("password_changed", user_id=user.id)
            flash(_("Your password has been changed. You have been logged out on your other devices."), "success")
            return redirect(url_for("account.home"))
    return render_template("account/password.html", form=form), 400 if form.errors else 200
