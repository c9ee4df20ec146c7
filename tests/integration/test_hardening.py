"""What the reliability audit found beyond bad input: forged form recovery, logging, lockouts, deactivation,
photo memory and the smaller items. Each test fails on the code the audit ran."""

from __future__ import annotations

from tests.conftest import BASE_URL
from tests.helpers import log_in, make_user, user_row


def test_a_cross_site_post_without_cookies_creates_no_session_and_parks_nothing(app, client):
    response = app.test_client().post("/account/profile", data={"first_name": "Attacker", "company_name": "Evil"},
                                      headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers


def test_a_post_from_another_site_is_not_parked_even_with_a_session(app, client):
    email = make_user(app, with_profile=True)
    log_in(client, email)
    response = client.post("/account/profile", data={"first_name": "Attacker", "last_name": "X", "csrf_token": "x"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert "Attacker" not in client.get("/account/profile").get_data(as_text=True)
    same_site = client.post("/account/profile", data={"first_name": "Typed", "last_name": "X", "csrf_token": "x"},
                            headers={"Origin": BASE_URL})
    assert same_site.status_code == 303
    assert 'value="Typed"' in client.get("/account/profile").get_data(as_text=True)
    assert user_row(app, email).first_name == "Kari"
