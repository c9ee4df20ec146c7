"""The support console: find a person and see where they are stuck (staff only)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..accounts.models import User
from ..database import db
from ..extensions import login_manager
from ..people.services import search_people, timeline

bp = Blueprint("support", __name__, url_prefix="/support")


@bp.before_request
def require_staff():
    """One access check for every console page, so a new page is protected by default."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


@bp.route("/")
def search():
    query = request.args.get("q", "")
    people = search_people(query)
    return render_template("support/search.html", query=query, people=people)


@bp.route("/people/<int:user_id>")
def person(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return render_template("support/person.html", person=user, events=timeline(user))
