"""Extension objects, created unbound here and bound to the app in create_app()."""

from collections.abc import Callable

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from core.compression import Compression
from core.database import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compression()
limiter = Limiter(key_func=get_remote_address)


def configured_limit(name: str) -> Callable[[], str]:
    """A rate limit read from the config when a request is checked, so tests and deployments can set it."""
    return lambda: current_app.config[name]


__all__ = ["babel", "compress", "csrf", "db", "limiter", "login_manager", "migrate"]
