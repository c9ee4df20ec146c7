"""Sign-up, email confirmation, login, logout and password reset: the pages before you are in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from core.database import db, writes_on_get
from core.errors import Refusal
from core.forms import show_error
from core.i18n import _, current_language
from core.redirects import safe_next

from ..accounts.forms import EmailForm, LoginForm, ResetPasswordForm, SignUpForm
from ..accounts.freshness import mark_authenticated
from ..accounts.services import (
    LoginThrottled,
    attempt_login,
    check_reset_token,
    confirm_email,
    end_login_session,
    request_password_reset,
    resend_confirmation,
    reset_password,
    sign_up,
    start_login_session,
)
from ..accounts.tokens import TokenError, TokenProblem
from ..extensions import configured_limit, limiter
from ..markets import Region
from .security_log import security_event
from .session_keys import KEPT_ACROSS_LOGIN, LINK_PROBLEM, RESET_TOKEN, SENT_TO

bp = Blueprint("auth", __name__)


def end_current_login() -> None:
    """Log this browser out: end its login on the server and start a clean session (caller commits)."""
    if current_user.is_authenticated:
        end_login_session(current_user.session_key)
    session.clear()
    # After clear(): logout_user() leaves the note that makes Flask-Login delete the remember cookie.
    logout_user()


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_SIGN_UP"), methods=["POST"])
def sign_up_page():
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            sign_up(form.email.data, form.password.data, Region(form.region.data), current_language())
        except Refusal as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            db.session.commit()
            session[SENT_TO] = {"email": form.email.data, "kind": "sign_up"}
            return redirect(url_for("auth.check_email"))
    return render_template("auth/sign_up.html", form=form), 400 if form.errors else 200


@bp.route("/sign-up/check-email")
def check_email():
    sent = session.get(SENT_TO) or {}
    return render_template("auth/check_email.html", email=sent.get("email"), kind=sent.get("kind"))


@bp.route("/confirm/<path:token>")
@limiter.limit(configured_limit("LIMIT_TOKEN_LINK"))
@writes_on_get
def confirm_email_link(token: str):
    try:
        user = confirm_email(token)
    except TokenError as error:
        db.session.rollback()
        session[LINK_PROBLEM] = {"problem": error.problem.value,
                                 "email": error.token.email if error.token is not None else None}
        return redirect(url_for("auth.confirm_problem"))
    if current_user.is_authenticated and current_user.id != user.id:
        # Someone else's link opened in this browser: do not stay logged in as the wrong person.
        end_current_login()
    db.session.commit()
    return redirect(url_for("auth.email_confirmed"))


@bp.route("/confirm/done")
def email_confirmed():
    return render_template("auth/email_confirmed.html")


@bp.route("/confirm/problem")
def confirm_problem():
    details = session.get(LINK_PROBLEM) or {"problem": TokenProblem.INVALID.value, "email": None}
    return _link_problem_page(TokenProblem(details["problem"]), details["email"], "auth.resend_confirmation_page")


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_RESEND"), methods=["POST"])
def resend_confirmation_page():
    form = EmailForm()
    if form.validate_on_submit():
        resend_confirmation(form.email.data)
        db.session.commit()
        session[SENT_TO] = {"email": form.email.data, "kind": "confirm"}
        session.pop(LINK_PROBLEM, None)
        return redirect(url_for("auth.check_email"))
    return render_template("auth/resend.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_LOGIN_IP"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = attempt_login(form.email.data, form.password.data, request.remote_addr or "")
        except LoginThrottled as refusal:
            db.session.rollback()
            security_event("login_throttled", wait_seconds=int(refusal.wait.total_seconds()))
            abort(429)
        except Refusal as refusal:
            db.session.rollback()
            security_event("login_refused", reason=refusal.code)
            flash(refusal.message, "error")
            return render_template("auth/login.html", form=form), 403
        if user is None:
            db.session.commit()  # the failure counts (accounts.throttle)
            security_event("login_failed")
            flash(_("The email address or password is not correct."), "error")
        else:
            target = safe_next(request.args.get("next"))
            # A fresh session: nothing from before the login (including the CSRF secret) carries over,
            # except an invitation being redeemed (its link was opened before logging in).
            kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
            session.clear()
            session.update(kept)
            start_login_session(user, remember=form.remember.data)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            mark_authenticated()
            security_event("login_succeeded", user_id=user.id)
            return redirect(target or url_for("account.home"))
    return render_template("auth/login.html", form=form), 400 if form.errors or request.method == "POST" else 200


@bp.route("/logout", methods=["POST"])
def logout():
    user_id = current_user.id if current_user.is_authenticated else None
    end_current_login()
    db.session.commit()
    security_event("logout", user_id=user_id)
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.start"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(configured_limit("LIMIT_RESET"), methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        security_event("password_reset_requested")
        session[SENT_TO] = {"email": form.email.data, "kind": "reset"}
        return redirect(url_for("auth.check_email"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<path:token>")
@limiter.limit(configured_limit("LIMIT_TOKEN_LINK"))
def reset_password_link(token: str):
    session[RESET_TOKEN] = token[:200]
    return redirect(url_for("auth.reset_password"))


@bp.route("/reset", methods=["GET", "POST"], endpoint="reset_password")
@limiter.limit(configured_limit("LIMIT_TOKEN_LINK"), methods=["POST"])
def reset_password_page():
    raw = session.get(RESET_TOKEN, "")
    try:
        check_reset_token(raw)
    except TokenError as error:
        return _reset_link_problem(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            changed = reset_password(raw, form.password.data)
        except TokenError as error:
            db.session.rollback()
            return _reset_link_problem(error)
        except Refusal as error:
            db.session.rollback()
            show_error(form, error.field, error.message)
        else:
            # Whoever is logged in in this browser (perhaps someone else) is logged out too.
            end_current_login()
            db.session.commit()
            security_event("password_reset_completed", user_id=changed.id)
            flash(_("Your password has been changed. Log in with your new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200


def _reset_link_problem(error: TokenError):
    session.pop(RESET_TOKEN, None)
    return _link_problem_page(error.problem, error.token.email if error.token is not None else None,
                              "auth.forgot_password")


def _link_problem_page(problem: TokenProblem, email: str | None, new_link_endpoint: str):
    """Why a mailed link did not work, with a form that asks for a new one."""
    return render_template("auth/link_problem.html", problem=problem, form=EmailForm(data={"email": email or ""}),
                           action=url_for(new_link_endpoint)), 400

