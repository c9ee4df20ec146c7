from tests.conftest import link_in
from tests.factories import UserFactory
from tests.helpers import STRONG, log_in
def test_probe(app, client, mail):
    with app.app_context():
        a = UserFactory().email
        b = UserFactory().email
    for remember in (False, True):
        log_in(client, a, remember=remember)
        copied = client.raw.get_cookie("session").value
        client.submit("/forgot-password", {"email": b})
        link = link_in(mail().to(b)[-1], "/reset/")
        client.get(link)
        r = client.submit("/reset", {"password": STRONG, "confirm_password": STRONG})
        print("remember", remember, r.status_code, r.headers.get("Location"))
        print(" after reset, /account/:", client.get("/account/").status_code)
        other = app.test_client(); other.set_cookie("session", copied)
        print(" copied cookie /account/:", other.get("/account/").status_code)
        client.post("/logout")  # no csrf: ignore
        client = type(client)(app.test_client())
