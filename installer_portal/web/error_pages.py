"""Error pages: translated, generic, never a traceback."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request
from flask_babel import format_decimal
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.database import db
from core.forms import park_form_input
from core.i18n import _


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        """A form left open too long (or a session that ended): show the form again with what was typed."""
        db.session.rollback()
        endpoint = request.endpoint
        can_reshow = endpoint is not None and request.method == "POST" and any(
            rule.endpoint == endpoint and "GET" in (rule.methods or ()) for rule in app.url_map.iter_rules())
        if endpoint is not None and can_reshow:
            park_form_input(endpoint, request.form)
            flash(_("This form was open for a long time, so for your security we could not accept it. "
                    "Check what you entered and send it again."), "error")
            return redirect(request.full_path.rstrip("?"), code=303)
        return _page(400, _("Please try again"), _("This form was open for a long time. Go back, reload the page "
                                                     "and send it again."))

    @app.errorhandler(413)
    def too_large(error):
        limit = format_decimal(app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024, "#,##0.#")
        return _page(413, _("File too large"), _("What you sent is larger than we accept (%(megabytes)s MB at "
                                                  "most). Choose a smaller file.", megabytes=limit))

    @app.errorhandler(429)
    def too_many(error):
        return _page(429, _("Too many attempts"), _("You tried this too often. Wait a few minutes and try again."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("This page does not exist. Check the address, or start again "
                                                  "from the home page."))

    @app.errorhandler(405)
    def wrong_method(error):
        return _page(405, _("Not possible here"), _("This page cannot be used like that. Start again from the home "
                                                     "page."))

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException):
        if error.code == 403:
            return _page(403, _("No access"), _("You do not have access to this page."))
        return _page(error.code or 400, _("Something is not right"), _("We could not handle this request. "
                                                                       "Go back and try again."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _page(500, _("Something went wrong on our side"), _("What you just sent was not saved. Please try "
                                                                   "again in a minute. If it keeps happening, "
                                                                   "contact support."))
