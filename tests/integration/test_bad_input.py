"""Bad input gets a clear, translated page and changes nothing: never a 500, on SQLite as on PostgreSQL.

Each test here reproduces one cause the reliability audit found (NUL bytes, ids of 2**31 or more, Unicode
digits, oversized CSV fields, errors outside the request handlers, a download that lost a write race).
"""

from __future__ import annotations

import io
import threading
import urllib.error
import urllib.request

import pytest
from flask import template_rendered
from sqlalchemy import create_engine, func, select, text
from werkzeug.serving import make_server

from core.database import db, utcnow
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import User
from installer_portal.stations.models import Station
from lms.models import CertificatePdf, QuizAttempt
from tests.commissioning import make_installer
from tests.conftest import csrf_token, make_app
from tests.factories import CertificateFactory, UserFactory
from tests.helpers import log_in, make_user, user_row
from tests.integration.test_security import assert_security_headers
from tests.learning import answers, finish_lessons, start_attempt

TOO_BIG = 2**31


@pytest.fixture
def staff(app, client) -> str:
    email = make_user(app, support=True)
    log_in(client, email)
    return email


def test_a_nul_in_the_path_is_a_page_that_says_so(app, client):
    log_in(client, make_user(app, with_profile=True))
    for url in ["/s/%00", "/verify/AAAA%00", "/learn/x%00/", "/help/eu%01/faq"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "characters that are not text" in response.get_data(as_text=True), url
    stranger = app.test_client().get("/verify/%00", headers={"Accept-Language": "nl"})
    assert stranger.status_code == 404
    assert "tekens die geen tekst zijn" in stranger.get_data(as_text=True)


def test_a_nul_in_a_search_box_is_refused_before_any_query(app, client, staff):
    for url in ["/support/?q=ab%00cd", "/support/stations?q=%00", "/support/audit?staff=%00",
                "/support/audit?person=1%00"]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "characters that are not text" in response.get_data(as_text=True), url


def test_a_nul_in_a_form_field_saves_nothing(app, client):
    email = make_user(app, with_profile=True)
    log_in(client, email)
    response = client.submit("/account/profile", {"first_name": "Ka\x00ri", "last_name": "Nordmann",
                                                  "phone": "+4740612345", "country": "NO", "locale": "en"})
    assert response.status_code == 400
    assert user_row(app, email).first_name == "Kari"


@pytest.mark.parametrize("url", [f"/installer/commissionings/{TOO_BIG}/", f"/installer/commissionings/{TOO_BIG}/done",
                                 f"/installer/commissionings/1/photos/{TOO_BIG}.jpg"])
def test_ids_beyond_a_database_integer_are_not_found(app, client, url):
    make_installer(app, client)
    assert client.get(url).status_code == 404


def test_ids_beyond_a_database_integer_are_not_found_in_the_console(app, client, staff):
    for url in [f"/support/people/{TOO_BIG}", f"/support/commissionings/{TOO_BIG}/report.pdf",
                f"/support/people/{10**30}"]:
        assert client.get(url).status_code == 404, url
    assert client.submit("/support/outbox", {}, action=f"/support/outbox/{TOO_BIG}/retry").status_code == 404
    assert client.get(f"/support/audit?person={TOO_BIG}").status_code == 200


def test_a_quiz_answer_in_unicode_digits_is_refused_and_the_attempt_stays_open(app, client, learner):
    finish_lessons(client)
    attempt_url = start_attempt(client)
    data = answers(app)
    first = sorted(data)[0]
    for hostile in ["²", "٣", " 1", "-1", str(TOO_BIG)]:
        page = client.get(attempt_url).get_data(as_text=True)
        response = client.post(attempt_url, data={**data, first: [hostile], "csrf_token": csrf_token(page)})
        assert response.status_code == 422, hostile
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)
                                 .where(QuizAttempt.submitted_at.is_not(None))) == 0


def test_the_station_import_refuses_what_it_cannot_read_and_keeps_the_rest(app, client, staff):
    header = "serial,mac,model,rated_power_kw,connectors,manufactured_on\n"
    rows = ("EVP-1,00:1A:2B:3C:4D:71,Wallbox,22,²,2026-09-01\n"            # 2: Unicode digit
            "EVP-2,00:1A:2B:3C:4D:72,Wall\x00box,22,2,2026-09-01\n"        # 3: NUL
            "EVP/3,00:1A:2B:3C:4D:73,Wallbox,22,2,2026-09-01\n"            # 4: a slash the label URL cannot carry
            "EVP-4,FF:FF:FF:FF:FF:FF,Wallbox,22,2,2026-09-01\n"            # 5: broadcast
            "EVP-5,01:00:5E:00:00:01,Wallbox,22,2,2026-09-01\n"            # 6: multicast
            "EVP-6,00:1A:2B:3C:4D:76,Wallbox,22,2,2026-09-01\n"            # 7: fine
            f"EVP-7,00:1A:2B:3C:4D:77,\"{'x' * 200_000}\",22,2,2026-09-01\n"  # 8: a field of 200 kB
            "EVP-8,00:1A:2B:3C:4D:78,Wallbox,22,2,2026-09-01\n")           # 9: after it, not read
    response = client.submit("/support/stations/import", {"file": (io.BytesIO((header + rows).encode()), "s.csv")},
                             content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for line in (2, 3, 4, 5, 6, 8):
        assert f"Line {line}:" in page, line
    assert "1 imported" in page
    with app.app_context():
        assert list(db.session.scalars(select(Station.serial))) == ["EVP-6"]


def test_a_staff_action_on_a_person_with_a_long_address_works(app, client, staff):
    long_address = ("a" * 60 + ".") * 3 + "b" * 20 + "@example.com"
    with app.app_context():
        UserFactory(email=long_address, unconfirmed=True)
    person_id = user_row(app, long_address).id
    response = client.submit(f"/support/people/{person_id}", {"reason": "Asked by phone"},
                             action=f"/support/people/{person_id}/actions/resend_confirmation")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.to_address == long_address)) == 1


def test_an_untrusted_host_gets_our_page_and_headers(database_url, tmp_path):
    guarded = make_app(database_url, tmp_path, TRUSTED_HOSTS=["portal.test"], PROPAGATE_EXCEPTIONS=False)
    response = guarded.test_client().get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert 'data-status="400"' in response.get_data(as_text=True)
    assert_security_headers(response, "untrusted host")


def test_an_error_while_the_request_is_torn_down_gets_our_page_and_headers(database_url, tmp_path):
    """Through a real WSGI server: the test client re-raises what a server turns into the replaced response."""
    broken = make_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    @broken.teardown_request
    def fail(error):
        raise RuntimeError("after the response")

    server = make_server("127.0.0.1", 0, broken, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/help",
                                         headers={"Accept-Language": "nb"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (a loopback URL of ours)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    response = caught.value
    assert response.code == 500
    body = response.read().decode()
    assert 'data-status="500"' in body
    assert "gikk galt" in body
    assert "after the response" not in body
    assert_security_headers(response, "teardown")


def test_a_dropped_database_connection_is_a_friendly_503_and_the_next_request_works(app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("a connection can be dropped from the server side on PostgreSQL only")
    dropping = make_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    @dropping.route("/drop-my-connection")
    def drop():
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return "unreachable"

    client = dropping.test_client()
    response = client.get("/drop-my-connection")
    assert response.status_code == 503
    assert "cannot reach our database" in response.get_data(as_text=True)
    assert_security_headers(response, "503")
    assert client.get("/healthz").status_code == 200


def test_a_get_that_fails_does_not_claim_something_was_not_saved(database_url, tmp_path):
    broken = make_app(database_url, tmp_path, PROPAGATE_EXCEPTIONS=False)

    @broken.route("/explode")
    def explode():
        raise RuntimeError("boom")

    body = broken.test_client().get("/explode").get_data(as_text=True)
    assert "could not be shown" in body
    assert "not saved" not in body


def test_a_certificate_download_wins_against_a_write_made_while_it_renders(app, client, database_url):
    """The audit's "database is locked": the download read, rendered for a second, then wrote, and another
    process (the mail sender) had written in between. Here another connection writes during the render."""
    email = make_user(app, with_profile=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        number = CertificateFactory(user=user).number
    log_in(client, email)
    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))

    def write_elsewhere(sender, template, context, **extra):
        if template.name == "pdf/certificate.html":  # as the mail sender marks a message sent
            with other.begin() as connection:
                connection.execute(OutboxMessage.__table__.insert().values(
                    message_id="<elsewhere@portal.test>", to_address=email, template="t", locale="en", subject="s",
                    status="sent", attempts=1, created_at=utcnow(), next_attempt_at=utcnow()))

    template_rendered.connect(write_elsewhere, app)
    try:
        response = client.get(f"/learn/certificates/{number}.pdf")
    finally:
        template_rendered.disconnect(write_elsewhere, app)
        other.dispose()
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 1
