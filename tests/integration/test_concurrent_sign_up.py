"""Two people (or a double click) signing up with the same address at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.database import db
from installer_portal.accounts.models import User
from tests.conftest import PortalClient, csrf_token
from tests.helpers import STRONG


@pytest.mark.req("REG-08")
def test_simultaneous_sign_ups_with_one_address_create_one_account(app):
    addresses = ["same.person@example.com", "SAME.person@Example.com", "same.person@example.com",
                 "Same.Person@example.com"]
    clients = [PortalClient(app.test_client()) for _ in addresses]
    tokens = [csrf_token(client.get("/sign-up").get_data(as_text=True)) for client in clients]
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def submit(index: int) -> None:
        data = {"region": "eu", "email": addresses[index], "password": STRONG, "confirm_password": STRONG,
                "terms": "y", "csrf_token": tokens[index]}
        barrier.wait()
        responses[index] = clients[index].post("/sign-up", data=data)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [response.status_code for response in responses] == [302] * len(clients)
    assert {response.headers["Location"] for response in responses} == {"/sign-up/check-email"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        db.session.remove()
