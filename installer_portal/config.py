"""Configuration read from environment variables, with safe defaults for a newcomer's machine."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

#: Environment variables the app reads; the README documents each one.
ENV_KEYS = (
    "PORTAL_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "PUBLIC_BASE_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "MAIL_FROM",
    "REDIS_URL",
    "PROXY_HOPS",
    "PORT",
    "REQUEST_LOG",
)


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up when production mode is asked for with settings that would be unsafe."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, given: str | None) -> str:
    """Use SECRET_KEY when set; otherwise generate one into instance/ once and reuse it."""
    if given:
        return given
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        # SQLite: one file, WAL mode and a busy timeout are set per connection in database.py.
        return {"connect_args": {"timeout": 5}}
    # PostgreSQL: survive a database restart and keep the per-worker pool small, so that
    # workers x (pool_size + max_overflow) stays under max_connections.
    return {"pool_pre_ping": True, "pool_size": 3, "max_overflow": 2, "pool_recycle": 1800, "pool_timeout": 10}


def load(instance_path: Path, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from the environment."""
    env = os.environ if environ is None else environ
    mode = env.get("PORTAL_ENV", "development").strip().lower()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite3'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    # On a developer's machine the app answers on PORT (`make run PORT=8000`), and mailed links must point there.
    public_base_url = (env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{env.get('PORT') or 5000}").rstrip("/")
    https = public_base_url.startswith("https://")
    redis_url = env.get("REDIS_URL") or ""

    return {
        "PORTAL_ENV": mode,
        "SECRET_KEY": _secret_key(instance_path, env.get("SECRET_KEY")),
        "SECRET_KEY_FROM_ENV": bool(env.get("SECRET_KEY")),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "PUBLIC_BASE_URL": public_base_url,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "TRUSTED_HOSTS": [urlsplit(public_base_url).hostname] if mode == "production" else None,
        "PROXY_HOPS": int(env.get("PROXY_HOPS") or 0),
        #: The development server's request lines go to this file instead of the terminal (`make run`).
        "REQUEST_LOG": env.get("REQUEST_LOG") or "",
        # Mail
        "SMTP_HOST": env.get("SMTP_HOST") or "",
        "SMTP_PORT": int(env.get("SMTP_PORT") or 587),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or "",
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or "",
        "SMTP_STARTTLS": _flag(env.get("SMTP_STARTTLS", "true")),
        "SMTP_TIMEOUT": 20,
        "MAIL_FROM": env.get("MAIL_FROM") or "Installer Portal <no-reply@installer-portal.invalid>",
        "MAIL_OUTBOX_DIR": str(instance_path / "outbox"),
        # Rate limits (Flask-Limiter); Redis makes them shared across workers and hosts.
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_STRATEGY": "moving-window",
        "LIMIT_SIGN_UP": "10 per hour",
        "LIMIT_LOGIN_IP": "20 per minute",
        "LIMIT_RESEND": "6 per hour",
        "LIMIT_RESET": "6 per hour",
        "LIMIT_TOKEN_LINK": "30 per minute",
        "LIMIT_INVITATION_RENEW": "3 per hour",
        #: Per installer: finding stations by MAC, photo or scan (enough for a day's work, not for guessing MACs).
        "LIMIT_STATION_FIND": "60 per hour",
        #: Mails of one kind to one address per hour, counted in the database (silent beyond it).
        "MAIL_PER_ADDRESS_PER_HOUR": 3,
        # Sessions and cookies
        "SESSION_COOKIE_NAME": "__Host-session" if https else "session",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "REMEMBER_COOKIE_NAME": "__Host-remember" if https else "remember",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        #: Server-side lifetime of a login without "remember me".
        "LOGIN_SESSION_LIFETIME": timedelta(hours=12),
        # CSRF: installers leave forms open on site; the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        # Compression (Flask-Compress): text only, as images, PDFs and videos are compressed already; nothing under
        # 500 bytes, where the headers weigh more than the saving; brotli when the browser takes it (level 5: a tenth
        # smaller than gzip for a few milliseconds at most), else gzip.
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "image/svg+xml", "text/plain", "text/csv"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_BR_LEVEL": 5,
        # Uploads and forms
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 100 * 1024,
        # Tokens
        "CONFIRM_TOKEN_LIFETIME": timedelta(hours=48),
        "RESET_TOKEN_LIFETIME": timedelta(hours=1),
        # Password hashing (argon2id); None means argon2-cffi's RFC 9106 low-memory profile.
        "ARGON2_PARAMETERS": None,
        # i18n
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    }


def check_production(config: dict) -> list[str]:
    """Return why this configuration is unsafe for production (empty when it is fine)."""
    problems = []
    if not config.get("SECRET_KEY_FROM_ENV") or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set in the environment (at least 32 characters, the same on every host).")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL: SQLite cannot be shared by several hosts.")
    if not config["PUBLIC_BASE_URL"].startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be an https:// address: links in emails and secure cookies need it.")
    if not config["SMTP_HOST"]:
        problems.append("SMTP_HOST must be set: without it mail is only written to files on one host.")
    if "invalid" in config["MAIL_FROM"]:
        problems.append("MAIL_FROM must be a real sender address.")
    if not config["REDIS_URL"]:
        problems.append("REDIS_URL must be set: in-memory rate limits are per process and do not protect a cluster, "
                        "and a job queue in a SQLite file serves one host only.")
    if config.get("DEBUG"):
        problems.append("Debug mode must be off.")
    return problems
