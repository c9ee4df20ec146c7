"""Error pages: translated, generic, never a traceback."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request
from flask_babel import force_locale, format_decimal
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .access_log import redacted
from .headers import security_headers
from .security_log import security_event

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from core.database import db
from core.forms import park_form_input
from core.i18n import _, current_language, supported_language
from core.requests import ControlCharacters, ControlCharactersInPath


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    """The error page; when the full page cannot be built (a request whose host is not trusted has no URL
    map, a dead database), the plain one that needs nothing but text."""
    try:
        return render_template("errors/error.html", status=status, title=title, message=message), status
    except Exception:
        db.session.rollback()
        return plain_page(status, title, message), status


def plain_page(status: int, title: str, message: str) -> str:
    return render_template("errors/plain.html", status=status, title=title, message=message,
                           language=current_language())


def _safe(text: str) -> str:
    """A request's path as one log line: CR, LF and other controls escaped, so nobody can forge a line, and a
    mailed link's token cut out."""
    return redacted(text).encode("unicode_escape").decode("ascii")[:500]


class LastResort:
    """Around the app: an exception that escapes Flask (raised outside the request handlers, e.g. while the
    request context is torn down) gets our plain page and security headers, not the WSGI server's bare 500."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.headers = security_headers(app.config["PUBLIC_BASE_URL"].startswith("https://"))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            self.app.logger.exception("Error outside the request handlers on %s %s", environ.get("REQUEST_METHOD"),
                                      _safe(environ.get("PATH_INFO", "")))
            language = supported_language(environ.get("HTTP_ACCEPT_LANGUAGE", "").split(",")[0]) or "en"
            with self.app.app_context(), force_locale(language):
                body = render_template("errors/plain.html", status=500, language=language,
                                       title=_("Something went wrong on our side"),
                                       message=_("Please try again in a minute. If it keeps happening, contact "
                                                 "support.")).encode()
            start_response("500 Internal Server Error", [("Content-Type", "text/html; charset=utf-8"),
                                                         ("Content-Length", str(len(body))),
                                                         ("Cache-Control", "no-store"), *self.headers.items()],
                           sys.exc_info())
            return [body]


def register(app: Flask) -> None:
    @app.teardown_appcontext
    def end_session_safely(error: BaseException | None) -> None:
        """Runs before Flask-SQLAlchemy's own teardown: a rollback on a connection the database dropped is
        logged, not raised after the response was made (the request's work was committed, or never was)."""
        try:
            db.session.remove()
        except Exception:
            app.logger.warning("Could not end the database session cleanly", exc_info=True)
            db.session.registry.clear()

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        """A form left open too long (or a session that ended): show the form again with what was typed.

        Only for someone who already has a session here and whose browser says the form came from this site:
        a cross-site POST arrives without cookies (SameSite=Lax), and parking its fields would give the victim
        a new session pre-filled by the attacker (the reliability audit, S2). Everyone else gets a page that
        creates no session.
        """
        db.session.rollback()
        endpoint = request.endpoint
        can_reshow = endpoint is not None and request.method == "POST" and any(
            rule.endpoint == endpoint and "GET" in (rule.methods or ()) for rule in app.url_map.iter_rules())
        if endpoint is not None and can_reshow and _has_session() and not _from_another_site():
            park_form_input(endpoint, request.form)
            flash(_("This form was open for a long time, so for your security we could not accept it. "
                    "Check what you entered and send it again."), "error")
            return redirect(request.full_path.rstrip("?"), code=303)
        return plain_page(400, _("Please try again"), _("This form was open for a long time. Go back, reload the "
                                                         "page and send it again.")), 400

    def _has_session() -> bool:
        return app.config["SESSION_COOKIE_NAME"] in request.cookies

    def _from_another_site() -> bool:
        """The Origin (or, without it, the Referer) names another site; a request with neither is not refused
        for it (old browsers, privacy settings), the session cookie has to be there anyway."""
        source = request.headers.get("Origin") or request.headers.get("Referer")
        if not source or source == "null":
            return source == "null"
        ours = urlsplit(app.config["PUBLIC_BASE_URL"])
        theirs = urlsplit(source)
        return (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc)

    @app.errorhandler(ControlCharacters)
    def control_characters(error: ControlCharacters):
        return _page(400, _("Characters we cannot accept"), _("What you sent contains characters that are not text "
                                                              "(such as a null character). Remove them and try "
                                                              "again."))

    @app.errorhandler(ControlCharactersInPath)
    def control_characters_in_path(error: ControlCharactersInPath):
        return _page(404, _("Page not found"), _("This address contains characters that are not text (such as a "
                                                  "null character), so no page has it. Check the address."))

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
            security_event("access_denied", user_id=current_user.id if current_user.is_authenticated else None)
            return _page(403, _("No access"), _("You do not have access to this page."))
        return _page(error.code or 400, _("Something is not right"), _("We could not handle this request. "
                                                                       "Go back and try again."))

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError):
        """The database went away (a restart, a failover, a dropped connection): say so with a 503; the pool
        reconnects on a later request. Any other operational error is an unexpected one."""
        if not (error.connection_invalidated or error.statement is None):
            return unexpected(error)
        app.logger.warning("Database unreachable on %s %s: %s", request.method, _safe(request.path),
                           type(error.orig).__name__)
        with contextlib.suppress(Exception):
            db.session.rollback()
        return _page(503, _("Please try again in a minute"), _("We cannot reach our database right now. "
                                                               "Nothing was changed. Try again in a minute."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, _safe(request.path))
        with contextlib.suppress(Exception):
            db.session.rollback()
        if request.method in ("GET", "HEAD"):
            return _page(500, _("Something went wrong on our side"), _("This page could not be shown. Please try "
                                                                       "again in a minute. If it keeps happening, "
                                                                       "contact support."))
        return _page(500, _("Something went wrong on our side"), _("What you just sent was not saved. Please try "
                                                                   "again in a minute. If it keeps happening, "
                                                                   "contact support."))
