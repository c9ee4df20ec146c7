"""Both real courses import and play to the end, with a certificate, in every language they exist in."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import select

from core.database import db, utcnow
from lms.importer import import_courses
from lms.models import Certificate, Course, Lesson
from tests.helpers import log_in, make_user
from tests.learning import answers, complete_text, report, start_attempt, submit

COURSES = Path(__file__).parents[2] / "courses"


@pytest.mark.parametrize(("slug", "language", "region", "country", "phone", "page_lang"), [
    ("ac-installation-eu", "en", "eu", "GB", "+447700900123", "en-GB"),
    ("ac-installation-eu", "nl", "eu", "NL", "+31612345678", "nl"),
    ("ac-installation-eu", "nb", "eu", "NO", "+4740612345", "nb"),
    ("level2-nec-na", "en", "na", "US", "+12025550123", "en-US"),
])
def test_a_real_course_plays_to_the_end_and_certifies(app, client, slug, language, region, country, phone,
                                                      page_lang):
    with app.app_context():
        import_courses(COURSES)
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        lessons = [(lesson.key, lesson.title[language], lesson.duration_seconds) for lesson in db.session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))]
        title = course.title[language]
    log_in(client, make_user(app, with_profile=True, locale=language, region=region, country=country, phone=phone))
    assert str(escape(title)) in client.get("/learn/").get_data(as_text=True)
    for key, lesson_title, duration in lessons:
        page = client.get(f"/learn/{slug}/lessons/{key}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200, key
        assert f'<html lang="{page_lang}">' in html  # the page's formats; the lesson names its language
        assert f'<article class="lesson" lang="{language}"' in html
        assert str(escape(lesson_title)) in html
        if duration:  # a video lesson: the video in the learner's language, with its words and decimal separator
            video = (COURSES / slug / "media" / f"{key}.{language}.webm").read_bytes()
            assert f'src="/learn/media/{hashlib.sha256(video).hexdigest()}.webm"' in html, key
            with time_machine.travel(utcnow() + timedelta(seconds=duration), tick=False):
                assert report(client, key, [[0, duration]], slug=slug).json["complete"] is True
        assert complete_text(client, key, slug=slug).status_code == 302
    url = start_attempt(client, slug)
    quiz = client.get(url).get_data(as_text=True)
    assert quiz.count("<fieldset") >= 12
    submit(client, url, answers(app, slug=slug))
    assert 'data-result="passed"' in client.get(url).get_data(as_text=True)
    with app.app_context():
        number = db.session.scalar(select(Certificate.number))
    document = pdfium.PdfDocument(client.get(f"/learn/certificates/{number}.pdf").data)
    page = document[0]
    text_page = page.get_textpage()
    text = text_page.get_text_range()
    text_page.close()
    page.close()
    document.close()
    assert number in text
    assert " ".join(title.split()) in " ".join(text.split())
