"""The application factory: config, extensions, blueprints, signal handlers, error pages, CLI."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from core import jobs, request_log, requests, static
from core.i18n import LANGUAGES, _l, current_language, format_moment
from core.pages import page_url

from . import config as config_module
from .extensions import babel, compress, csrf, db, init_migrations, limiter, login_manager
from .web import error_pages, security_log

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"), instance_relative_config=True)
    requests.init_app(app)  # before any route: ids bounded, control characters refused first
    app.config.update(config_module.load(Path(app.instance_path)))
    app.config.update(overrides or {})
    if app.config["PORTAL_ENV"] == "production":
        problems = config_module.check_production(app.config)
        if problems:
            raise config_module.UnsafeConfiguration(
                "Refusing to start in production mode:\n  - " + "\n  - ".join(problems))
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"],  # type: ignore[method-assign]
                                x_proto=app.config["PROXY_HOPS"])

    _init_extensions(app)
    _register_blueprints(app)
    _connect_handlers()
    _register_template_helpers(app)
    security_log.init_app(app)
    if app.config["REQUEST_LOG"]:
        request_log.to_file(app.config["REQUEST_LOG"])
    app.wsgi_app = error_pages.LastResort(app, app.wsgi_app)  # type: ignore[method-assign]

    from .cli import register

    register(app)
    return app


def _init_extensions(app: Flask) -> None:
    # The models must be imported before Flask-Migrate compares them with the database.
    from . import models  # noqa: F401

    db.init_app(app)
    jobs.init_app(app)
    init_migrations(app, Path(__file__).parent / "migrations")
    csrf.init_app(app)
    from .web.formats import select_format_locale, select_zone

    babel.init_app(app, locale_selector=select_format_locale, timezone_selector=select_zone)
    limiter.init_app(app)
    compress.init_app(app)
    static.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .accounts.services import user_for_session

    login_manager.user_loader(user_for_session)


def _register_blueprints(app: Flask) -> None:
    from .learning.handlers import init_app as init_learning
    from .web import account, auth, error_pages, headers, installer, invitation, public, station, support

    for audience in (public, auth, account, installer, invitation, station, support):
        app.register_blueprint(audience.bp)
    init_learning(app)
    if app.debug or app.config.get("DEV_PAGES"):
        from .web import dev

        app.register_blueprint(dev.bp)
    error_pages.register(app)
    headers.register(app)


def _connect_handlers() -> None:
    """Receivers of the learning platform's signals, connected here rather than as a side effect of an import."""
    from .invitations import handlers as invitations
    from .learning import handlers as learning

    invitations.connect()
    learning.connect()


def _register_template_helpers(app: Flask) -> None:
    from .accounts.models import Role
    from .commissioning.models import CommissioningStatus
    from .invitations.services import InvitationProblem
    from .stations.models import StationStatus

    @app.context_processor
    def inject_i18n() -> dict:
        # `<html lang>` names the formats too ("en-GB"); the language switch compares catalog languages ("en").
        return {"LANGUAGES": LANGUAGES, "current_language": current_language(),
                "html_lang": str(get_locale()).replace("_", "-")}

    # Templates compare with enum members, never with their spelling.
    app.jinja_env.globals.update(Role=Role, StationStatus=StationStatus, CommissioningStatus=CommissioningStatus,
                                 InvitationProblem=InvitationProblem, page_url=page_url)

    @app.template_filter("code")
    def code(value: object) -> Markup:
        """A MAC, serial or certificate number as installers compare it with a label: monospaced, never broken."""
        return Markup('<span class="code">{}</span>').format(value)
    app.add_template_filter(format_moment, "moment")

    @app.template_filter("country_name")
    def country_name(code: str | None) -> str:
        """An ISO country code as the country's name in the page's language."""
        return get_locale().territories.get(code or "", code or "")
