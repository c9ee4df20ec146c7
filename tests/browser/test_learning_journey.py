"""The learner's journey on a phone, in English, Dutch and Norwegian: catalog → lessons (text and video) →
fail the quiz → pass it → download the certificate PDF → read it → decode its QR code → open the verification page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect
from pyzbar.pyzbar import decode
from sqlalchemy import select

from core.database import db
from lms.models import Question
from tests.browser.conftest import ARTIFACTS, translated
from tests.factories import PASSWORD
from tests.helpers import make_user
from tests.learning import SLUG, import_test_course, lesson_titles

pytestmark = pytest.mark.browser


def right_answers(app) -> dict[int, list[int]]:
    with app.app_context():
        return {q.id: q.correct for q in db.session.scalars(select(Question))}


def answer_quiz(page, answers: dict[int, list[int]], wrong: int) -> None:
    """Tick the right options, except for the first `wrong` questions shown."""
    names = list(dict.fromkeys(page.locator("form[data-quiz] input[name^=q]").evaluate_all(
        "inputs => inputs.map(i => i.name)")))
    for position, name in enumerate(names):
        question_id = int(name[1:])
        chosen = answers[question_id]
        if position < wrong:
            options = page.locator(f"input[name={name}]").count()
            chosen = [next(i for i in range(options) if i not in chosen)]
        for index in chosen:
            page.locator(f"#{name}-{index}").check()


@pytest.mark.parametrize("language", ["en", "nl", "nb"])
def test_learn_fail_pass_and_verify_the_certificate_on_a_phone(app, live_url, phone_context, tmp_path, language):
    import_test_course(app)
    email = make_user(app, with_profile=True, locale=language)
    answers = right_answers(app)
    context = phone_context(language, accept_downloads=True)
    hosts = set()
    page = context.new_page()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    shots = ARTIFACTS / f"learning-{language}"
    shots.mkdir(parents=True, exist_ok=True)
    t = lambda text: translated(app, text, language)  # noqa: E731
    titles = lesson_titles(language)

    page.goto(live_url + "/login?next=/learn/")
    page.get_by_label(t("Email address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    # The catalog: the region's course, not started.
    expect(page).to_have_url(re.compile(r"/learn/$"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}(-[A-Z]{{2}})?$"))
    card = page.locator(f"[data-course={SLUG}]")
    expect(card.locator("[data-status]")).to_have_text(t("Not started"))
    page.screenshot(path=shots / "1-catalog.png", full_page=True)
    card.get_by_role("link", name=t("Start")).click()

    # A text lesson; Continue saves in the background and swaps the lesson without reloading the page.
    expect(page.locator("#lesson-title")).to_have_text(titles["safe-isolation"])
    page.evaluate("window.samePage = true")
    page.screenshot(path=shots / "2-lesson.png", full_page=True)
    page.locator("[data-msg=continue]").click()
    expect(page.locator("#lesson-title")).to_have_text(titles["proving-dead"])
    assert page.evaluate("window.samePage") is True
    assert page.url.endswith("/lessons/proving-dead")

    # A video lesson: Continue is refused until 90% has been watched (played here at double speed).
    page.locator("[data-msg=continue]").click(force=True)  # aria-disabled: Playwright would wait
    expect(page.locator("[data-player-error]")).to_be_visible()
    page.evaluate("""() => { const v = document.querySelector('video'); v.muted = true; v.playbackRate = 2;
                             return v.play(); }""")
    expect(page.locator("[data-video-status]")).to_have_text(
        t("You have watched enough of the video to continue."), timeout=45_000)
    page.screenshot(path=shots / "3-video.png", full_page=True)
    page.locator("[data-msg=continue]").click()
    expect(page.locator("#lesson-title")).to_have_text(titles["rcd-test"])
    assert page.evaluate("window.samePage") is True

    # Back and forward work with the swapped lessons.
    page.go_back()
    expect(page.locator("#lesson-title")).to_have_text(titles["proving-dead"])
    page.go_forward()
    expect(page.locator("#lesson-title")).to_have_text(titles["rcd-test"])
    page.locator("[data-msg=continue]").click()
    expect(page.locator("#lesson-title")).to_have_text(titles["further-reading"])  # optional, the last lesson
    page.locator("[data-msg=continue]").click()

    # The quiz: fail it once.
    expect(page).to_have_url(re.compile(r"/quiz$"))
    page.locator("[data-msg=quiz_start]").click()
    answer_quiz(page, answers, wrong=2)
    page.screenshot(path=shots / "4-quiz.png", full_page=True)
    page.locator("[data-msg=quiz_submit]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "failed")
    expect(page.locator("[data-msg=review_topics] li")).not_to_have_count(0)
    page.screenshot(path=shots / "5-failed.png", full_page=True)

    # Then pass it.
    page.locator("[data-msg=quiz_again]").click()
    page.locator("[data-msg=quiz_start]").click()
    answer_quiz(page, answers, wrong=0)
    page.locator("[data-msg=quiz_submit]").click()
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "passed")
    page.screenshot(path=shots / "6-passed.png", full_page=True)
    number = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}",
                       page.locator("[data-msg=certificate_issued]").inner_text()).group(0)

    # Download the certificate and read it: text, then the QR code from the rendered page.
    with page.expect_download() as download_info:
        page.locator("[data-msg=certificate_download]").click()
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    document = pdfium.PdfDocument(path.read_bytes())
    pdf_page = document[0]
    text_page = pdf_page.get_textpage()
    text = text_page.get_text_range()
    image = pdf_page.render(scale=2).to_pil()
    image.save(shots / "7-certificate.png")
    text_page.close()
    pdf_page.close()
    document.close()
    assert "Kari Nordmann" in text
    assert number in text
    (code,) = decode(image)
    verify_url = code.data.decode()
    assert verify_url == f"{live_url}/verify/{number}"

    # The verification page, as someone scanning the code would see it.
    page.goto(verify_url)
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "valid")
    expect(page.locator("[data-holder]")).to_have_text("Kari Nordmann")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}(-[A-Z]{{2}})?$"))
    page.screenshot(path=shots / "8-verified.png", full_page=True)
    assert hosts == {urlsplit(live_url).netloc}
    context.close()
