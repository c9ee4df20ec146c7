"""QR labels: one as PNG, a printable sheet as PDF (A4 and Letter); each QR holds {PUBLIC_BASE_URL}/s/{serial}."""

from __future__ import annotations

import ctypes
import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from core.database import db
from installer_portal.stations.registry import import_stations
from tests.conftest import BASE_URL
from tests.helpers import log_in, make_user

CSV = ("serial,mac,model,rated_power_kw,connectors,manufactured_on\n"
       "EVP-0001,00:1A:2B:3C:4D:5E,Wallbox Pro 22,22,2,2026-09-01\n"
       "EVP-0002,00:1A:2B:3C:4D:5F,Wallbox Pro 11,11,1,2026-09-02\n"
       "EVP-0003,00:1A:2B:3C:4D:60,Wallbox Pro 7,7.4,1,2026-09-03\n")


@pytest.fixture
def staff(app, client):
    with app.app_context():
        import_stations(CSV)
        db.session.commit()
    log_in(client, make_user(app, support=True))


def test_one_label_as_png_holds_the_station_url(client, staff):
    response = client.get("/support/stations/EVP-0002/label.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="label-EVP-0002.png"'
    (code,) = decode(Image.open(io.BytesIO(response.data)))
    assert code.data.decode() == f"{BASE_URL}/s/EVP-0002"


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_a_sheet_of_labels_as_pdf(client, staff, paper, size):
    response = client.get("/support/stations/labels.pdf",
                          query_string={"paper": paper, "serial": ["EVP-0001", "EVP-0003"]})
    assert response.status_code == 200
    document = pdfium.PdfDocument(response.data)
    page = document[0]
    assert (round(page.get_size()[0]), round(page.get_size()[1])) == size
    text_page = page.get_textpage()
    text = text_page.get_text_range()
    image = page.render(scale=3).to_pil()
    text_page.close()
    page.close()
    document.close()
    assert "EVP-0001" in text
    assert "00:1A:2B:3C:4D:60" in text
    assert "EVP-0002" not in text
    assert sorted(code.data.decode() for code in decode(image)) == [f"{BASE_URL}/s/EVP-0001", f"{BASE_URL}/s/EVP-0003"]


def pdf_language(document: pdfium.PdfDocument) -> str:
    """The document's /Lang, which screen readers and PDF viewers use."""
    size = pdfium.raw.FPDFCatalog_GetLanguage(document, None, 0)
    buffer = ctypes.create_string_buffer(size)
    pdfium.raw.FPDFCatalog_GetLanguage(document, ctypes.cast(buffer, ctypes.POINTER(pdfium.raw.FPDF_WCHAR)), size)
    return buffer.raw.decode("utf-16-le").rstrip("\0")


def test_the_label_sheet_is_in_the_staff_members_language(app, client):
    with app.app_context():
        import_stations(CSV)
        db.session.commit()
    log_in(client, make_user(app, support=True, locale="nb"))
    response = client.get("/support/stations/labels.pdf", query_string={"paper": "a4", "serial": "EVP-0001"})
    document = pdfium.PdfDocument(response.data)
    try:
        assert document.get_metadata_dict()["Title"] == "Etiketter for ladestasjoner"
        assert pdf_language(document) == "nb"
    finally:
        document.close()


def test_labels_for_unknown_stations_or_paper_are_refused(client, staff):
    assert client.get("/support/stations/NOPE/label.png").status_code == 404
    sheet = "/support/stations/labels.pdf"
    assert client.get(sheet, query_string={"paper": "a3", "serial": "EVP-0001"}).status_code == 404
    assert client.get(sheet, query_string={"serial": "NOPE"}).status_code == 302


def test_the_station_list_offers_labels(client, staff):
    html = client.get("/support/stations").get_data(as_text=True)
    assert "/support/stations/EVP-0001/label.png" in html
    assert "00:1A:2B:3C:4D:5E" in html
