"""Fixtures: a migrated real database, a real SMTP server, a client that carries real CSRF tokens.

Set TEST_DATABASE_URL to run the suite on PostgreSQL; without it each run uses a fresh SQLite file.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import create_engine, make_url, text

from core.database import db
from core.mail.services import SMTPTransport, deliver_pending
from installer_portal.app import create_app
from installer_portal.extensions import limiter

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-tests")
os.environ.pop("PORTAL_ENV", None)
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)

#: Argon2id with OWASP's minimum parameters: real hashing, fast enough for hundreds of sign-ups.
TEST_ARGON2 = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
BASE_URL = "http://portal.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# SMTP ------------------------------------------------------------------------------------------


@dataclass
class MailSink:
    """What the test SMTP server received. Addresses in `refuse` get a permanent 550."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope: Envelope, address: str, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.refuse.clear()


@pytest.fixture(scope="session")
def smtp_server():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp(smtp_server, app) -> MailSink:
    """The real SMTP server's mailbox, emptied for each test."""
    sink = smtp_server.handler
    sink.clear()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    return sink


# App and database ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> Iterator[str]:
    """Each test process gets a database of its own: a SQLite file, or on PostgreSQL a database named after
    TEST_DATABASE_URL's with the xdist worker's id appended, created here and dropped at the end."""
    given = os.environ.get("TEST_DATABASE_URL")
    if not given:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
        return
    if worker_id == "master":  # not run by xdist: the database as given
        yield given
        return
    url = make_url(given.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{worker_id}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def make_app(database_url: str, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        "PUBLIC_BASE_URL": BASE_URL,
        "ARGON2_PARAMETERS": TEST_ARGON2,
        "SMTP_HOST": "",
        "SMTP_STARTTLS": False,
        "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "Installer Portal <no-reply@portal.test>",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Jobs are queued into this file and stay there: no worker runs unless a test starts one.
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite3"),
    }
    if not database_url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        # Start from an empty database, then build it with the real migrations.
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


#: Flask-Limiter keeps one storage per Limiter, so the last app created rebinds it for every app.
#: Production has one app per process; tests that build a second app get the first one's back.
_LIMITER_STATE = ("_storage", "_limiter", "_key_prefix")


@pytest.fixture(autouse=True)
def clean_state(request, app):
    """Each test starts with empty tables, an empty rate limiter and the default config."""
    saved = dict(app.config)
    limiter_state = {name: getattr(limiter, name) for name in _LIMITER_STATE}
    limiter.reset()
    yield
    for name, value in limiter_state.items():
        setattr(limiter, name, value)
    app.config.clear()
    app.config.update(saved)
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Audit records are append-only in PostgreSQL itself (a trigger); the test user, a superuser,
                # switches triggers off for this cleanup only.
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def config_marker(request, app, clean_state):
    """`@pytest.mark.config(NAME=value, ...)`: the test's own settings, in place before its other fixtures run.

    clean_state (set up first) puts the default config back afterwards. A marker on the test wins over one on
    its class or module. Fixtures that point the app at test servers (smtp, live_url) set their keys later.
    """
    for marker in reversed(list(request.node.iter_markers("config"))):
        unknown = sorted(set(marker.kwargs) - set(app.config))
        if marker.args or unknown:
            pytest.fail(f"@pytest.mark.config takes NAME=value for existing settings; not {marker.args or unknown}")
        app.config.update(marker.kwargs)


@pytest.fixture
def ctx(app):
    """An application context, for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


# Clients ---------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


class PortalClient:
    """A test client that fills in forms like a browser: it reads the CSRF token from the page first."""

    def __init__(self, client):
        self.raw = client

    def get(self, url, **kwargs):
        return self.raw.get(url, **kwargs)

    def post(self, url, **kwargs):
        return self.raw.post(url, **kwargs)

    def submit(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        page = self.raw.get(page_url, **{k: v for k, v in kwargs.items() if k == "headers"})
        token = csrf_token(page.get_data(as_text=True))
        return self.raw.post(action or page_url, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def client(app) -> PortalClient:
    return PortalClient(app.test_client())


@pytest.fixture
def other_client(app) -> PortalClient:
    return PortalClient(app.test_client())


# Mail helpers ----------------------------------------------------------------------------------


def deliver(app, smtp_server) -> None:
    """Run the real sender once against the test SMTP server."""
    with app.app_context():
        deliver_pending(SMTPTransport("127.0.0.1", smtp_server.port, starttls=False, timeout=5))
        db.session.remove()


def text_body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_body(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message: EmailMessage, path_part: str) -> str:
    """The first link in the mail's text whose path contains `path_part`, relative to the site."""
    for url in re.findall(r"https?://\S+", text_body(message)):
        if path_part in url:
            assert url.startswith(BASE_URL), url
            return url[len(BASE_URL):]
    raise AssertionError(f"no link with {path_part!r} in: {text_body(message)}")


@pytest.fixture
def mail(app, smtp_server, smtp):
    """Deliver the outbox and return what the SMTP server received."""

    def run() -> MailSink:
        deliver(app, smtp_server)
        return smtp

    return run
