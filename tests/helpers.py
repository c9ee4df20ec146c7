"""Steps that many tests take, done the way a person does them: through the pages."""

from __future__ import annotations

from tests.factories import PASSWORD

STRONG = "violet kettle marches north"
OTHER_STRONG = "seven lanterns over fjord"


def log_in(client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.submit("/login", data)


def sign_up(client, email: str, password: str = STRONG, region: str = "eu", confirm: str | None = None,
            headers: dict | None = None):
    data = {"region": region, "email": email, "password": password,
            "confirm_password": password if confirm is None else confirm, "terms": "y"}
    return client.submit("/sign-up", data, headers=headers or {})
