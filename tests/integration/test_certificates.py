"""Certificates: the stored PDF with its QR code, verification, revocation, reminders, renewal."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_babel
import pypdfium2 as pdfium
import pytest
from babel.dates import format_date
from pyzbar.pyzbar import decode
from sqlalchemy import func, select, update

from core.database import db, utcnow
from core.mail.models import OutboxMessage
from installer_portal.accounts.models import User
from lms import signals
from lms.api import revoke_certificate, send_expiry_reminders, valid_certificate
from lms.errors import LearningError
from lms.models import Certificate, CertificatePdf
from tests.conftest import BASE_URL, PortalClient, text_body
from tests.factories import CertificateFactory, imported_course
from tests.helpers import log_in, make_user, user_row
from tests.learning import SLUG, answers, finish_lessons, import_test_course, start_attempt, submit

QUIZ = f"/learn/{SLUG}/quiz"


def pass_course(app, client) -> Certificate:
    finish_lessons(client)
    submit(client, start_attempt(client), answers(app))
    with app.app_context():
        return db.session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()


def certify(app, email: str) -> Certificate:
    """The factory's certified learner: this person passed the test course (lessons, quiz, certificate)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        certificate = CertificateFactory(user=user, course=imported_course())
        db.session.refresh(certificate)
        db.session.expunge(certificate)
        return certificate


@pytest.fixture
def certified(app, client):
    """A learner in Norway (Norwegian pages) who passed the test course, from the factories.

    Passing through the pages is walked by the renewal tests below and by test_learning_quiz.py.
    """
    email = make_user(app, with_profile=True, locale="nb")
    log_in(client, email)
    return email, certify(app, email)


def reminder_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "certificate_expiring"))


def pdf_text_and_qr(data: bytes) -> tuple[str, list[str], tuple[float, float]]:
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        text_page = page.get_textpage()
        text = text_page.get_text_range()
        size = page.get_size()
        image = page.render(scale=2).to_pil()
        codes = [symbol.data.decode() for symbol in decode(image)]
        text_page.close()
        page.close()
    finally:
        document.close()
    return text, codes, size


def test_the_certificate_pdf_names_the_holder_and_links_to_verification(app, client, certified):
    _email, certificate = certified
    response = client.get(f"/learn/certificates/{certificate.number}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="certificate-{certificate.number}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text, codes, (width, height) = pdf_text_and_qr(response.data)
    assert "Kari Nordmann" in text
    assert certificate.number in text
    assert "Grunnleggende sikkerhet" in text  # the course title in Norwegian
    assert codes == [f"{BASE_URL}/verify/{certificate.number}"]
    assert (round(width), round(height)) == (842, 595)  # A4 landscape for Europe


def test_north_american_certificates_are_letter_size(app, client):
    import_test_course(app)
    with app.app_context():
        db.session.execute(update(db.metadata.tables["lms_courses"]).values(regions=["eu", "na"]))
        db.session.commit()
    email = make_user(app, with_profile=True, region="na", country="US", phone="+12025550123")
    log_in(client, email)
    certificate = certify(app, email)
    _text, _codes, (width, height) = pdf_text_and_qr(client.get(f"/learn/certificates/{certificate.number}.pdf").data)
    assert (round(width), round(height)) == (792, 612)


def test_the_pdf_is_rendered_once_and_then_served_from_storage(app, client, certified):
    _email, certificate = certified
    first = client.get(f"/learn/certificates/{certificate.number}.pdf").data
    with app.app_context():
        stored_at = db.session.scalar(select(CertificatePdf.rendered_at))
    second = client.get(f"/learn/certificates/{certificate.number}.pdf").data
    # WeasyPrint stamps each render with its time: identical bytes mean nothing was rendered again.
    assert first == second
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 1
        assert db.session.scalar(select(CertificatePdf.rendered_at)) == stored_at


def test_only_the_holder_can_download_the_certificate(app, certified):
    _email, certificate = certified
    other = PortalClient(app.test_client())
    log_in(other, make_user(app, with_profile=True))
    assert other.get(f"/learn/certificates/{certificate.number}.pdf").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/learn/certificates/{certificate.number}.pdf").status_code == 302


def test_a_hostile_name_is_printed_as_text_and_fetches_nothing(app, client, monkeypatch):
    import_test_course(app)
    email = make_user(app, with_profile=True)
    with app.app_context():
        user = user_row(app, email)
        db.session.execute(update(type(user)).where(type(user).id == user.id).values(
            first_name='<img src="http://127.0.0.1:9/x">',
            last_name='<link rel=attachment href="file:///etc/passwd">'))
        db.session.commit()
    log_in(client, email)
    certificate = certify(app, email)
    connections = []
    real_connect = socket.socket.connect

    def record(self, address):
        connections.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    data = client.get(f"/learn/certificates/{certificate.number}.pdf").data
    monkeypatch.undo()
    text, _codes, _size = pdf_text_and_qr(data)
    assert '<img src="http://127.0.0.1:9/x">' in text
    assert b"/EmbeddedFiles" not in data
    assert b"root:" not in data
    assert connections == []


@pytest.mark.parametrize("locale", ["en", "nl", "nb"])
def test_the_verification_page_shows_a_valid_certificate(app, certified, locale):
    _email, certificate = certified
    visitor = app.test_client()
    response = visitor.get(f"/verify/{certificate.number}", headers={"Accept-Language": locale})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{locale}">' in html
    assert 'data-status="valid"' in html
    assert "Kari Nordmann" in html
    assert "@" not in html.split("<main")[1]  # no email address or other personal data
    # The dates an inspector on site needs, as the PDF shows them.
    with app.test_request_context(), flask_babel.force_locale(locale):
        issued, expires = (flask_babel.format_date(certificate.issued_at, "long"),
                           flask_babel.format_date(certificate.expires_at, "long"))
    assert f"<dd data-issued>{issued}</dd>" in html
    assert f"<dd data-expires>{expires}</dd>" in html


def test_the_verification_number_can_be_typed_loosely(app, certified):
    _email, certificate = certified
    loose = certificate.number.replace("-", " ").lower()
    visitor = app.test_client()
    assert visitor.get(f"/verify/?number={loose}").status_code == 302
    assert 'data-status="valid"' in visitor.get(f"/verify/{loose}").get_data(as_text=True)


@pytest.mark.parametrize("number", ["AAAA-BBBB-CCCC", "x" * 300, "<script>", "1' OR '1'='1"])
def test_an_unknown_certificate_number_is_a_clear_not_found(app, number):
    response = app.test_client().get(f"/verify/{number}", headers={"Accept-Language": "nl"})
    assert response.status_code == 404
    assert 'data-msg="certificate_unknown"' in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]


def test_an_expired_certificate_shows_expired_and_the_course_can_be_retaken(app, client, certified):
    _email, certificate = certified
    with app.app_context():
        db.session.execute(update(Certificate).values(issued_at=utcnow() - timedelta(days=800),
                                                      expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert 'data-status="expired"' in app.test_client().get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert 'data-status="expired"' in client.get("/learn/").get_data(as_text=True)
    renewed = pass_course(app, client)
    assert renewed.number != certificate.number
    assert renewed.expires_at > utcnow() + timedelta(days=700)
    assert 'data-status="certified"' in client.get("/learn/").get_data(as_text=True)


def test_renewing_early_continues_from_the_old_expiry(app, client, certified):
    _email, _certificate = certified
    old_expiry = utcnow() + timedelta(days=30)
    with app.app_context():
        db.session.execute(update(Certificate).values(issued_at=utcnow() - timedelta(days=700),
                                                      expires_at=old_expiry))
        db.session.commit()
    assert 'data-status="expiring"' in client.get("/learn/").get_data(as_text=True)
    assert 'data-msg="quiz_start"' in client.get(QUIZ).get_data(as_text=True)
    renewed = pass_course(app, client)
    assert renewed.expires_at.date() == old_expiry.replace(year=old_expiry.year + 2).date()


def test_staff_revoke_with_a_reason_and_verification_shows_revoked(app, certified):
    _email, certificate = certified
    staff_id = user_row(app, make_user(app, support=True)).id
    received = []

    def collect(certificate, revocation):
        received.append(revocation.reason)

    signals.certificate_revoked.connect(collect)
    try:
        with app.app_context():
            row = db.session.get(Certificate, certificate.id)
            with pytest.raises(LearningError, match="Give a reason"):
                revoke_certificate(row, revoked_by_id=staff_id, reason="   ")
            revoke_certificate(row, revoked_by_id=staff_id, reason="Exam fraud")
            db.session.commit()
            with pytest.raises(LearningError, match="already been revoked"):
                revoke_certificate(db.session.get(Certificate, certificate.id), revoked_by_id=None, reason="again")
            assert valid_certificate(row.user_id) is None
    finally:
        signals.certificate_revoked.disconnect(collect)
    assert received == ["Exam fraud"]
    html = app.test_client().get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert 'data-status="revoked"' in html


def test_a_revoked_certificate_can_no_longer_be_downloaded(app, client, certified):
    _email, certificate = certified
    with app.app_context():
        revoke_certificate(db.session.get(Certificate, certificate.id), revoked_by_id=None, reason="Test")
        db.session.commit()
    response = client.get(f"/learn/certificates/{certificate.number}.pdf")
    assert response.status_code == 302
    mine = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dette sertifikatet er trukket tilbake, så det kan ikke lenger lastes ned." in mine
    assert "badge-revoked" in mine


def test_reminders_go_out_60_and_14_days_before_expiry_once_each(app, mail, certified):
    email, _certificate = certified
    expiry = utcnow() + timedelta(days=59)
    with app.app_context():
        db.session.execute(update(Certificate).values(expires_at=expiry))
        db.session.commit()
        assert send_expiry_reminders(utcnow()) == 1
        assert send_expiry_reminders(utcnow()) == 0
        db.session.commit()
        assert send_expiry_reminders(utcnow() + timedelta(days=46)) == 1
        assert send_expiry_reminders(utcnow() + timedelta(days=47)) == 0
        db.session.commit()
        assert reminder_count() == 2
    sink = mail()
    sixty, fourteen = [m for m in sink.to(email) if "utløper" in m["Subject"]]
    assert sixty["Subject"] == "Sertifikatet ditt utløper om 60 dager"
    assert fourteen["Subject"] == "Sertifikatet ditt utløper om 14 dager"
    assert f"{BASE_URL}/learn/{SLUG}/" in text_body(sixty)
    assert sixty["Content-Language"] == "nb"


def test_a_reminder_dates_the_expiry_in_the_holders_zone(app, mail, certified):
    """Sent by the daily job, outside any request: 23:30 UTC is already the next day in Oslo."""
    email, _certificate = certified
    expiry = (utcnow() + timedelta(days=59)).replace(hour=23, minute=30, second=0, microsecond=0)
    with app.app_context():
        db.session.execute(update(Certificate).values(expires_at=expiry))
        db.session.commit()
        assert send_expiry_reminders(utcnow()) == 1
        db.session.commit()

    (message,) = [m for m in mail().to(email) if "utløper" in m["Subject"]]

    local = expiry.astimezone(ZoneInfo("Europe/Oslo")).date()
    body = text_body(message)
    assert format_date(local, "long", locale="nb") in body
    assert format_date(expiry.date(), "long", locale="nb") not in body


def test_no_reminder_for_a_certificate_replaced_by_a_renewal(app, client, certified):
    _email, certificate = certified
    with app.app_context():
        db.session.execute(update(Certificate).values(issued_at=utcnow() - timedelta(days=700),
                                                      expires_at=utcnow() + timedelta(days=50)))
        db.session.commit()
    renewed = pass_course(app, client)
    assert renewed.number != certificate.number
    with app.app_context():
        assert send_expiry_reminders(utcnow()) == 0
        assert reminder_count() == 0


def test_no_reminder_for_a_revoked_certificate(app, client, certified):
    _email, certificate = certified
    with app.app_context():
        db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=10)))
        revoke_certificate(db.session.get(Certificate, certificate.id), revoked_by_id=None, reason="Test")
        db.session.commit()
        assert send_expiry_reminders(utcnow()) == 0


def test_the_reminder_command_reports_what_it_queued(app, certified):
    with app.app_context():
        db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=13)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "remind"])
    assert result.exit_code == 0
    assert "1 reminder(s) queued." in result.output


def test_my_learning_lists_attempts_and_certificates_with_download_links(app, client, certified):
    _email, certificate = certified
    html = client.get("/learn/mine").get_data(as_text=True)
    assert f'data-certificate="{certificate.number}"' in html
    assert f"/learn/certificates/{certificate.number}.pdf" in html
    assert f"/learn/{SLUG}/quiz/1" in html


def test_the_pdf_fetcher_reads_only_the_apps_pdf_assets_and_data_uris(app):
    from core.pdf import app_files_only

    root = Path(app.static_folder) / "pdf"
    fetcher = app_files_only(root)
    for url in ["http://127.0.0.1:9/x", "https://example.com/x", "ftp://example.com/x", "file:///etc/passwd",
                f"file://{root}/../js/portal.js", f"file://{root}/../../installer_portal/config.py"]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    css = fetcher.fetch(f"file://{root}/certificate.css")
    assert b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
