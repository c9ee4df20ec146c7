"""QR labels: one as PNG; a printable sheet as PDF (A4 and Letter), asked for by POST as a saved batch that a job
worker renders, followed on its own page and downloaded when ready. Each QR holds {PUBLIC_BASE_URL}/s/{serial}."""

from __future__ import annotations

import ctypes
import io
import logging
import threading
import time
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import func, select

from core.database import db, utcnow
from installer_portal.accounts.models import User
from installer_portal.stations.label_batches import render_label_batch, sweep_label_batches
from installer_portal.stations.models import LabelBatch, LabelBatchStatus, Station
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


def ask(client, data: dict, search: str = ""):
    """Submit the station list's label form as a browser does: a POST with the page's CSRF token."""
    return client.submit(f"/support/stations?q={search}", {"paper": "a4", "scope": "chosen", **data},
                         action="/support/labels")


def batch_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def render(app, batch: int) -> None:
    """What a job worker does after the commit."""
    with app.app_context():
        render_label_batch(batch)


def read_pdf(pdf: bytes) -> tuple[list[tuple[int, int]], list[str], str]:
    """The page sizes, the QR codes on all pages and the text of a PDF."""
    document = pdfium.PdfDocument(pdf)
    sizes, codes, text = [], [], ""
    try:
        for page in document:
            sizes.append((round(page.get_size()[0]), round(page.get_size()[1])))
            text_page = page.get_textpage()
            text += text_page.get_text_range()
            codes += [code.data.decode() for code in decode(page.render(scale=3).to_pil())]
            text_page.close()
            page.close()
    finally:
        document.close()
    return sizes, codes, text


def many_stations(count: int) -> str:
    return "serial,mac,model,rated_power_kw,connectors,manufactured_on\n" + "".join(
        f"EVX-{n:04d},02:00:00:00:{n // 256:02X}:{n % 256:02X},Wallbox,11,1,2026-09-01\n" for n in range(count))


def saved_batch(app, **values) -> int:
    """A batch of the three stations, as `ask` saves it, with `values` as a worker may have left them."""
    with app.app_context():
        staff_id = db.session.scalar(select(User.id))
        ids = list(db.session.scalars(select(Station.id).order_by(Station.serial)))
        batch = LabelBatch(**{"requested_by_id": staff_id, "station_ids": ids, "paper": "a4", "locale": "en",
                              **values})
        db.session.add(batch)
        db.session.commit()
        return batch.id


def test_one_label_as_png_holds_the_station_url(client, staff):
    response = client.get("/support/stations/EVP-0002/label.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="label-EVP-0002.png"'
    (code,) = decode(Image.open(io.BytesIO(response.data)))
    assert code.data.decode() == f"{BASE_URL}/s/EVP-0002"


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_a_label_sheet_is_rendered_by_the_job_and_then_offered(app, client, staff, paper, size):
    batch = batch_id(ask(client, {"paper": paper, "serial": ["EVP-0001", "EVP-0003"]}))
    assert "labels.pdf" not in client.get(f"/support/labels/{batch}").get_data(as_text=True)
    render(app, batch)
    page = client.get(f"/support/labels/{batch}").get_data(as_text=True)
    assert "Ready: 2 labels." in page
    assert "http-equiv" not in page
    assert f'href="/support/labels/{batch}/labels.pdf"' in page
    response = client.get(f"/support/labels/{batch}/labels.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="station-labels-{batch}-{paper}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    sizes, codes, text = read_pdf(response.data)
    assert sizes == [size]
    assert "EVP-0001" in text
    assert "00:1A:2B:3C:4D:60" in text
    assert "EVP-0002" not in text
    assert sorted(codes) == [f"{BASE_URL}/s/EVP-0001", f"{BASE_URL}/s/EVP-0003"]


def test_five_hundred_stations_are_asked_for_by_post_in_well_under_a_second(app, client, staff):
    with app.app_context():
        import_stations(many_stations(500))
        db.session.commit()
    form = client.get("/support/stations").get_data(as_text=True)
    assert '<form method="post" action="/support/labels">' in form
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    started = time.perf_counter()
    response = client.post("/support/labels", data={"csrf_token": token, "paper": "a4", "scope": "chosen",
                                                     "serial": [f"EVX-{n:04d}" for n in range(500)]})
    assert time.perf_counter() - started < 1
    batch = batch_id(response)
    with app.app_context():
        saved = db.session.get(LabelBatch, batch)
        assert (saved.total, saved.status, saved.pdf) == (500, LabelBatchStatus.QUEUED, None)
    page = client.get(f"/support/labels/{batch}").get_data(as_text=True)
    assert "Waiting to be rendered: 500 labels." in page
    assert '<meta http-equiv="refresh" content="3">' in page


def test_without_a_token_nothing_is_saved(app, client, staff):
    assert client.post("/support/labels", data={"paper": "a4", "serial": "EVP-0001"}).status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabelBatch)) == 0


def test_a_sheet_of_all_stations_the_search_finds_holds_each_once(app, client, staff):
    with app.app_context():
        import_stations(many_stations(30))
        db.session.commit()
    batch = batch_id(ask(client, {"scope": "all", "q": "EVX-00"}, search="EVX-00"))
    render(app, batch)
    sizes, codes, _text = read_pdf(client.get(f"/support/labels/{batch}/labels.pdf").data)
    assert len(sizes) == 4  # 8 labels a page on A4: laid out in two parts, joined without a half page between
    assert sorted(codes) == [f"{BASE_URL}/s/EVX-{n:04d}" for n in range(30)]


def test_refused_label_sheets_say_why_and_save_nothing(app, client, staff):
    for data, message in [({"paper": "a3", "serial": "EVP-0001"}, "Choose A4 or Letter paper."),
                          ({"serial": "NOPE"}, "Choose at least one station."),
                          ({}, "Choose at least one station."),
                          ({"scope": "all", "q": "NOPE"}, "Choose at least one station."),
                          ({"serial": [f"S-{n}" for n in range(1001)]}, "at most 1000 labels")]:
        response = ask(client, data)
        assert response.status_code == 302
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabelBatch)) == 0


def test_the_sheet_page_shows_progress_and_reloads_until_done(app, client, staff):
    batch = saved_batch(app, status=LabelBatchStatus.RENDERING, done=120, station_ids=list(range(240)),
                        heartbeat_at=utcnow())
    page = client.get(f"/support/labels/{batch}").get_data(as_text=True)
    assert "Rendering: 120 of 240 labels." in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "labels.pdf" not in page
    render(app, batch)  # a fresh claim: this second worker leaves the sheet to the one rendering it
    assert "Rendering: 120 of 240 labels." in client.get(f"/support/labels/{batch}").get_data(as_text=True)
    assert client.get(f"/support/labels/{batch}/labels.pdf").status_code == 404


def test_a_failed_sheet_says_why_and_can_be_tried_again(app, client, staff):
    batch = saved_batch(app, paper="a3")  # a paper size the renderer does not know
    render(app, batch)
    page = client.get(f"/support/labels/{batch}").get_data(as_text=True)
    assert "Rendering failed: KeyError" in page
    assert "http-equiv" not in page
    response = client.submit(f"/support/labels/{batch}", {}, action=f"/support/labels/{batch}/retry")
    assert response.status_code == 302
    assert "Waiting to be rendered: 3 labels." in client.get(f"/support/labels/{batch}").get_data(as_text=True)
    response = client.submit(f"/support/labels/{batch}", {}, action=f"/support/labels/{batch}/retry")
    assert "Only a label sheet whose rendering failed" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_the_sweep_renders_sheets_never_queued_and_claims_left_by_a_dead_worker(app, client, staff):
    asked = utcnow() - timedelta(minutes=12)
    lost = saved_batch(app, requested_at=asked)
    left = saved_batch(app, requested_at=asked, status=LabelBatchStatus.RENDERING,
                       heartbeat_at=utcnow() - timedelta(minutes=11))
    busy = saved_batch(app, requested_at=asked, status=LabelBatchStatus.RENDERING,
                       heartbeat_at=utcnow() - timedelta(minutes=1))
    just_asked = saved_batch(app)  # its job is probably still in the queue
    with app.app_context():
        sweep_label_batches()
    for batch, state in ((lost, "Ready: 3"), (left, "Ready: 3"), (busy, "Rendering: 0 of 3"),
                         (just_asked, "Waiting to be rendered: 3")):
        assert state in client.get(f"/support/labels/{batch}").get_data(as_text=True), batch


def test_two_workers_asked_for_one_sheet_render_it_once(app, staff, caplog):
    batch = saved_batch(app)
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            render_label_batch(batch)

    caplog.set_level(logging.INFO, logger="installer_portal.stations.label_batches")
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [record.getMessage() for record in caplog.records] == [f"Label sheet {batch}: 3 labels rendered."]


def test_unknown_sheets_are_not_found(app, client, staff):
    batch = saved_batch(app)
    for url in ("/support/labels/999", "/support/labels/999/labels.pdf", f"/support/labels/{batch}/labels.pdf",
                "/support/labels/abc"):
        assert client.get(url).status_code == 404, url
    assert client.submit(f"/support/labels/{batch}", {}, action="/support/labels/999/retry").status_code == 404


def test_label_sheets_are_for_staff_only(app, staff, other_client):
    batch = saved_batch(app)
    log_in(other_client, make_user(app))
    assert other_client.get(f"/support/labels/{batch}").status_code == 403


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
    batch = batch_id(ask(client, {"serial": "EVP-0001"}))
    render(app, batch)
    document = pdfium.PdfDocument(client.get(f"/support/labels/{batch}/labels.pdf").data)
    try:
        assert document.get_metadata_dict()["Title"] == "Etiketter for ladestasjoner"
        assert pdf_language(document) == "nb"
    finally:
        document.close()


def test_the_station_list_offers_labels(client, staff):
    html = client.get("/support/stations").get_data(as_text=True)
    assert "/support/stations/EVP-0001/label.png" in html
    assert "00:1A:2B:3C:4D:5E" in html
