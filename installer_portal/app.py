"""The application factory: config, extensions, blueprints, error pages, CLI."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import errors, security
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import LANGUAGES, _l, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"), instance_relative_config=True)
    app.config.update(config_module.load(Path(app.instance_path)))
    app.config.update(overrides or {})
    if app.config["PORTAL_ENV"] == "production":
        problems = config_module.check_production(app.config)
        if problems:
            raise config_module.UnsafeConfiguration(
                "Refusing to start in production mode:\n  - " + "\n  - ".join(problems))
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"])

    _init_extensions(app)
    _register_blueprints(app)
    errors.register(app)
    security.register(app)
    _register_template_helpers(app)

    from . import cli

    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    # The models must be imported before Flask-Migrate compares them with the database.
    from . import models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .accounts.services import user_for_session

    login_manager.user_loader(user_for_session)


def _register_blueprints(app: Flask) -> None:
    from .account.views import bp as account
    from .auth.views import bp as auth
    from .installer.commissioning import station_bp as station
    from .installer.views import bp as installer
    from .installer.views import setup_bp as invitation
    from .public.views import bp as public
    from .support.views import bp as support

    app.register_blueprint(public)
    app.register_blueprint(auth)
    app.register_blueprint(account)
    app.register_blueprint(installer)
    app.register_blueprint(invitation)
    app.register_blueprint(station)
    app.register_blueprint(support)
    from .learning import init_app as init_learning

    init_learning(app)
    if app.debug or app.config.get("DEV_PAGES"):
        from .dev.views import bp as dev

        app.register_blueprint(dev)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from .accounts.regions import Region

    @app.context_processor
    def inject_i18n():
        return {"LANGUAGES": LANGUAGES, "current_language": str(get_locale())}

    @app.template_filter("region_label")
    def region_label(code: str) -> str:
        return Region(code).label

    @app.template_filter("country_name")
    def country_name(code: str | None) -> str:
        """An ISO country code as the country's name in the page's language."""
        return get_locale().territories.get(code or "", code or "")
