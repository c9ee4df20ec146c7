"""`make run` on a developer's machine: the port it serves on, and a terminal kept for what a person reads."""

from __future__ import annotations

import logging

from core import request_log
from installer_portal import config


def test_port_sets_the_address_in_mailed_links_unless_public_base_url_is_set(tmp_path):
    environ = {"SECRET_KEY": "x" * 40}
    assert config.load(tmp_path, environ)["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert config.load(tmp_path, {**environ, "PORT": "8123"})["PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    given = {**environ, "PORT": "8123", "PUBLIC_BASE_URL": "https://portal.example.org/"}
    assert config.load(tmp_path, given)["PUBLIC_BASE_URL"] == "https://portal.example.org"


def test_request_lines_go_to_the_file_and_the_rest_stays_on_the_terminal(tmp_path, capsys):
    logger = logging.getLogger("tests.development_server")
    path = tmp_path / "requests.log"
    request_log.to_file(str(path), logger)
    request_log.to_file(str(path), logger)  # a second app in the same process

    logger.info('127.0.0.1 - - [02/Dec/2026 05:00:00] "\x1b[32mPOST /sign-up HTTP/1.1\x1b[0m" 302 -')
    logger.info(" * Detected change in '/app/web/auth.py', reloading")
    logger.error("Error on request:\nTraceback (most recent call last): …")
    for handler in logger.handlers:
        handler.close()

    assert path.read_text() == '127.0.0.1 - - [02/Dec/2026 05:00:00] "POST /sign-up HTTP/1.1" 302 -\n'
    terminal = capsys.readouterr().err
    assert "reloading" in terminal
    assert "Traceback" in terminal
    assert "/sign-up" not in terminal
