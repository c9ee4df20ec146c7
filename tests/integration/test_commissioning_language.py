"""A commissioning in the installer's language: the review page and the report spell out the phases, and
print the position as the GPS button, the hint and map apps write it (a decimal point, six places)."""

from __future__ import annotations

import pypdfium2

from tests.commissioning import LOCATION, make_installer, register_stations, walk_to_review


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_a_norwegian_review_and_report_name_the_phases_and_print_the_typed_position_with_a_point(app, client):
    register_stations(app)
    make_installer(app, client, locale="nb")
    base = walk_to_review(client, location={**LOCATION, "latitude": "59,9", "longitude": "10,75"})
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert client.submit(f"{base}/review", {}).status_code == 302
    report = pdf_text(client.get(f"{base}/report.pdf").data)
    for page in (review, report):
        assert "3 faser" in page
        assert "59.900000, 10.750000" in page
