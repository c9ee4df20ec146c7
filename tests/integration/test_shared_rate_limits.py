"""Rate limits hold across workers: two processes (two gunicorn workers) count in one Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL")

#: One worker process: builds the app and submits an invalid sign-up form (no account is created) N times.
WORKER = """
import json, sys
from pathlib import Path
from tests.conftest import PortalClient, make_app
database_url, workdir, storage, prefix, count = sys.argv[1:]
app = make_app(database_url, Path(workdir), RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
               LIMIT_SIGN_UP="3 per hour")
client = PortalClient(app.test_client())
print(json.dumps([client.submit("/sign-up", {"region": "eu", "email": "not-an-email"}).status_code
                  for _ in range(int(count))]))
"""


def run_worker(database_url: str, workdir: Path, storage: str, prefix: str, count: int) -> list[int]:
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER, database_url, str(workdir), storage, prefix, str(count)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL (CI does) to test limits shared through Redis")
def test_two_worker_processes_share_one_sign_up_limit_through_redis(database_url, tmp_path):
    prefix = f"test-{uuid.uuid4().hex}"
    try:
        first = run_worker(database_url, tmp_path / "a", REDIS_URL, prefix, 2)
        second = run_worker(database_url, tmp_path / "b", REDIS_URL, prefix, 2)
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        # Flask-Limiter stores its keys as LIMITS:LIMITER/<prefix>/…: the prefix is inside the key.
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
    assert first == [400, 400]
    assert second == [400, 429]


def test_in_memory_limits_are_per_process_which_is_why_production_needs_redis(database_url, tmp_path):
    first = run_worker(database_url, tmp_path / "a", "memory://", "memory", 2)
    second = run_worker(database_url, tmp_path / "b", "memory://", "memory", 2)
    assert first + second == [400, 400, 400, 400]
