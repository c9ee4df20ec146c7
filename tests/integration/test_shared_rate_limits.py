"""Rate limits hold across workers: two app instances (two gunicorn workers) count in one Redis."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import PortalClient, make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL (CI does) to test limits shared through Redis")
def test_two_workers_share_one_sign_up_limit_through_redis(database_url, tmp_path):
    prefix = f"test-{uuid.uuid4().hex}"
    workers = [make_app(database_url, tmp_path / str(index), RATELIMIT_STORAGE_URI=REDIS_URL,
                        RATELIMIT_KEY_PREFIX=prefix, LIMIT_SIGN_UP="3 per hour") for index in range(2)]
    clients = [PortalClient(worker.test_client()) for worker in workers]
    bad_form = {"region": "eu", "email": "not-an-email"}  # refused by the form: no account is created

    statuses = [clients[index % 2].submit("/sign-up", bad_form).status_code for index in range(4)]

    assert statuses == [400, 400, 400, 429]
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
