"""Local time and local formats in pages and documents: a visitor's English, the report in the station's zone,
the certificate in its holder's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from sqlalchemy import select

from core.database import db
from installer_portal.accounts.models import User
from lms.certificates import render_certificate_pdf
from tests.commissioning import commissionings, make_installer, register_stations, walk_to_review
from tests.factories import CertificateFactory, imported_course
from tests.helpers import make_user


@pytest.mark.parametrize(("path", "language", "lang"), [
    ("/", "en-GB,en;q=0.8", "en-GB"),
    ("/", "en-US,en;q=0.8", "en-US"),
    ("/", "en", "en"),
    ("/help/na/faq", "en", "en-US"),
    ("/help/eu/faq", "en", "en-GB"),
    ("/", "nl-NL,nl;q=0.9", "nl"),
    ("/", "nb-NO", "nb"),
], ids=["british-browser", "american-browser", "plain-english", "na-help", "eu-help", "dutch", "norwegian"])
def test_a_visitor_gets_the_english_of_their_region_and_one_catalog(client, path, language, lang):
    page = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)

    assert f'<html lang="{lang}">' in page


def test_a_north_american_installer_reads_american_english(app, client):
    make_installer(app, client, region="na", country="US", phone="+12025550143")

    assert '<html lang="en-US">' in client.get("/account/").get_data(as_text=True)


def test_the_commissioning_report_shows_the_stations_local_time_with_its_zone(app, client):
    register_stations(app)
    make_installer(app, client, country="GB")  # the installer reads London time; the station stands in Oslo
    base = walk_to_review(client)
    assert client.submit(f"{base}/review", {}).status_code == 302
    (record,) = commissionings(app)
    local = record.completed_at.astimezone(ZoneInfo("Europe/Oslo"))

    document = pypdfium2.PdfDocument(client.get(f"{base}/report.pdf").data)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    document.close()

    assert f"{local.day} {local:%B %Y}, {local:%H:%M} {local.tzname()}" in text
    assert "UTC" not in text


def test_the_certificate_pdf_dates_are_the_holders_day_in_british_english(app):
    """Rendered by a job (no request): issued at 23:30 UTC is the next day in Oslo, written day first."""
    email = make_user(app, with_profile=True)  # English pages, in Norway
    issued = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        certificate = CertificateFactory(user=user, course=imported_course(), issued_at=issued,
                                         expires_at=issued + timedelta(days=730))
        data = render_certificate_pdf(certificate, "en")

    document = pypdfium2.PdfDocument(data)
    text = document[0].get_textpage().get_text_range()
    document.close()

    assert "1 December 2026" in text
    assert "30 November 2026" not in text
