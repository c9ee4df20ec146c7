"""Pages anyone may read: the start page, help per region, terms, and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from core.database import db
from core.i18n import LANGUAGE_COOKIE, LANGUAGES
from core.redirects import safe_next

from ..accounts.services import set_language
from ..markets import SUPPORT_CONTACTS, Region

bp = Blueprint("public", __name__)


@bp.route("/")
def start():
    return render_template("public/start.html")


@bp.route("/language", methods=["POST"])
def change_language():
    """Remember the language picked in the switcher (cookie, and the profile when logged in)."""
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next")) or url_for("public.start")
    response = redirect(target, code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=request.is_secure, httponly=True)
        if current_user.is_authenticated:
            set_language(current_user._get_current_object(), language)
            db.session.commit()
    return response


def _region(code: str) -> Region:
    try:
        return Region(code)
    except ValueError:
        abort(404)


@bp.route("/help")
def help_index():
    if current_user.is_authenticated:
        return redirect(url_for("public.faq", region=current_user.region))
    return render_template("public/help_index.html", regions=list(Region))


@bp.route("/help/<region>/faq")
def faq(region: str):
    return render_template(f"public/faq_{_region(region).value}.html", region=_region(region))


@bp.route("/help/<region>/support")
def support_contact(region: str):
    region = _region(region)
    return render_template("public/support_contact.html", region=region, contact=SUPPORT_CONTACTS[region])


@bp.route("/terms")
def terms():
    return render_template("public/terms.html")


@bp.route("/healthz")
def health():
    """For load balancers: the app answers and the database is reachable."""
    db.session.execute(db.select(1))
    return {"status": "ok"}
