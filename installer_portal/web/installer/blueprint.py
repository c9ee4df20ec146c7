"""The installer pages' blueprint and its one access check."""

from __future__ import annotations

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...accounts.models import Role
from ...extensions import login_manager

bp = Blueprint("installer", __name__, url_prefix="/installer")


@bp.before_request
def require_installer() -> ResponseReturnValue | None:
    """One access check for every installer page, so a new page is protected by default."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(Role.INSTALLER):
        abort(403)
    return None
