"""Steps of the learning tests: import the test course, walk its lessons, answer its quiz."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from core.database import db, utcnow
from lms.importer import import_courses
from lms.models import Course, Question, QuizAttempt
from tests.conftest import csrf_token

COURSES = Path(__file__).parent / "data" / "courses"
SLUG = "safety-basics"
COURSE_URL = f"/learn/{SLUG}/"
TEXT_LESSONS = ("safe-isolation", "rcd-test")
VIDEO_LESSON = "proving-dead"
VIDEO_SECONDS = 40.0


def import_test_course(app) -> None:
    with app.app_context():
        import_courses(COURSES)
        db.session.commit()


def lesson_url(key: str, slug: str = SLUG) -> str:
    return f"/learn/{slug}/lessons/{key}"


def token(client) -> str:
    return csrf_token(client.get("/learn/").get_data(as_text=True))


def complete_text(client, key: str, slug: str = SLUG, **kwargs):
    """Press Continue on a lesson (without opening it first: tests of refusals need that)."""
    return client.post(f"{lesson_url(key, slug)}/complete", data={"csrf_token": token(client)}, **kwargs)


def report(client, key: str, ranges, slug: str = SLUG):
    return client.post(f"{lesson_url(key, slug)}/watched", json={"ranges": ranges},
                       headers={"X-CSRFToken": token(client), "Accept": "application/json"})


def watch_video(client, key: str = VIDEO_LESSON, seconds: float = VIDEO_SECONDS):
    """Open the video lesson, let the video's length pass, then report it played through."""
    client.get(lesson_url(key))
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 1), tick=False):
        return report(client, key, [[0, seconds]])


def finish_lessons(client) -> None:
    complete_text(client, "safe-isolation")
    watch_video(client)
    complete_text(client, VIDEO_LESSON)
    complete_text(client, "rcd-test")


def start_attempt(client, slug: str = SLUG) -> str:
    """Start (or continue) the quiz; returns the attempt page's URL."""
    response = client.submit(f"/learn/{slug}/quiz", {}, action=f"/learn/{slug}/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def attempts(app) -> list[QuizAttempt]:
    with app.app_context():
        return list(db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)))


def answers(app, wrong_keys: tuple[str, ...] = (), slug: str = SLUG) -> dict[str, list[str]]:
    """Form data answering every question of the course right, except the questions in `wrong_keys`."""
    with app.app_context():
        questions = db.session.scalars(select(Question).join(Course).where(
            Question.retired_at.is_(None), Course.slug == slug)).all()
        data = {}
        for question in questions:
            options = len(question.options["en"])
            chosen = question.correct
            if question.key in wrong_keys:
                chosen = [next(i for i in range(options) if i not in question.correct)]
            data[f"q{question.id}"] = [str(i) for i in chosen]
        return data


def submit(client, attempt_url: str, data: dict):
    page = client.get(attempt_url).get_data(as_text=True)
    return client.post(attempt_url, data={**data, "csrf_token": csrf_token(page)})


def question_names(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'name="(q\d+)"', html)))


def lesson_titles(language: str) -> dict[str, str]:
    """The test course's lesson titles in `language`, by lesson id, as its manifest gives them."""
    manifest = tomllib.loads((COURSES / "safety-basics" / "course.toml").read_text())
    return {lesson["id"]: lesson["title"][language] for module in manifest["modules"] for lesson in module["lessons"]}
