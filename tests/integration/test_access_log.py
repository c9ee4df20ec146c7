"""The access log of a real gunicorn run holds no one-time token of a mailed link."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.database import db
from installer_portal.accounts.models import TokenPurpose, User
from installer_portal.accounts.tokens import issue_token
from installer_portal.web.access_log import SECRET_PATH
from tests.conftest import free_port
from tests.factories import InvitationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_every_route_with_a_token_in_its_path_is_cut_from_the_logs(app):
    with_token = [rule.rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert with_token
    for rule in with_token:
        assert SECRET_PATH.search(rule.replace("<path:token>", "abc").replace("<token>", "abc")), rule


def test_mailed_link_tokens_do_not_reach_gunicorns_access_log(app, database_url, tmp_path):
    with app.app_context():
        user = UserFactory(unconfirmed=True)
        tokens = [issue_token(user, TokenPurpose.CONFIRM_EMAIL, app.config["CONFIRM_TOKEN_LIFETIME"])]
        other = UserFactory()
        tokens.append(issue_token(other, TokenPurpose.RESET_PASSWORD, app.config["RESET_TOKEN_LIFETIME"]))
        tokens.append(InvitationFactory().token)
        db.session.commit()
        assert db.session.get(User, user.id) is not None
    port = free_port()
    log = tmp_path / "access.log"
    overrides = {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite3"), "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
                 "RATELIMIT_STORAGE_URI": "memory://"}
    server = subprocess.Popen(  # noqa: S603 (this interpreter, our own app)
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", str(log), f"installer_portal.app:create_app({overrides!r})"],
        cwd=ROOT, env={**os.environ, "SECRET_KEY": "x" * 40, "DATABASE_URL": database_url}, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "error.log").open("w"))
    try:
        for _attempt in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        opener = urllib.request.build_opener(_NoRedirect)
        for path in (f"/confirm/{tokens[0]}", f"/reset/{tokens[1]}", f"/invitation/{tokens[2]}"):
            with pytest.raises(urllib.error.HTTPError) as answer:  # a redirect, not followed
                opener.open(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert answer.value.code in (302, 303), path
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert written.count("[redacted]") == 3, written
    for token in tokens:
        assert token not in written


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
