"""What the reliability audit found beyond bad input: forged form recovery, logging, lockouts, deactivation,
photo memory and the smaller items. Each test fails on the code the audit ran."""

from __future__ import annotations

from sqlalchemy import select

from core.database import db
from installer_portal.commissioning.models import CommissioningPhoto
from tests.commissioning import commission, make_installer, register_stations
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


def test_site_photos_are_not_kept_by_the_browser(app, client):
    register_stations(app)
    email = make_installer(app, client)
    commissioning_id = commission(app, email, with_photo=True)
    with app.app_context():
        photo_id = db.session.scalar(select(CommissioningPhoto.id))
    response = client.get(f"/installer/commissionings/{commissioning_id}/photos/{photo_id}.jpg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
