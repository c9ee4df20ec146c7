"""The final quiz through its pages: opening rules, shuffling, scoring, attempts, double submits, the pass."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from core.database import db, utcnow
from lms import signals
from lms.importer import import_courses
from lms.models import Certificate, Course, Enrollment, Question, QuizAttempt
from tests.conftest import PortalClient, csrf_token
from tests.helpers import log_in, make_user
from tests.learning import (
    COURSES,
    SLUG,
    answers,
    attempts,
    finish_lessons,
    question_names,
    start_attempt,
    submit,
)

QUIZ = f"/learn/{SLUG}/quiz"


@pytest.fixture
def ready(client, learner):
    """A learner who finished the lessons and may take the quiz."""
    finish_lessons(client)
    return learner


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_quiz_stays_closed_until_the_required_lessons_are_done(app, client, learner):
    html = client.get(QUIZ).get_data(as_text=True)
    assert 'data-msg="quiz_closed"' in html
    assert "Complete every required lesson before you take the quiz." in html
    response = client.post(f"{QUIZ}/start", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert count(app, QuizAttempt) == 0


def test_an_optional_lesson_does_not_gate_the_quiz(client, ready):
    assert 'data-msg="quiz_start"' in client.get(QUIZ).get_data(as_text=True)


def test_the_quiz_page_holds_no_answers_and_is_shuffled_per_attempt(app, client, ready):
    orders = set()
    for _round in range(3):
        url = start_attempt(client)
        html = client.get(url).get_data(as_text=True)
        assert "correct" not in html.lower()
        orders.add(tuple(question_names(html)) + tuple(re.findall(r'name="q\d+" value="(\d)"', html)))
        submit(client, url, answers(app, wrong_keys=("lock-off", "rcd-trip")))
    assert len(orders) > 1


def test_a_failed_attempt_shows_the_score_and_topics_to_review_not_the_answers(app, client, ready):
    url = start_attempt(client)
    response = submit(client, url, answers(app, wrong_keys=("lock-off", "rcd-trip")))
    assert response.headers["Location"] == url
    html = client.get(url).get_data(as_text=True)
    assert 'data-result="failed"' in html
    assert "You scored 50%. The pass mark is 75%." in html
    review = html.split('data-msg="review_topics"')[1].split("</ul>")[0]
    assert "Safe isolation" in review
    assert "RCD test" in review
    assert "Proving dead" not in review
    assert "Lock it off and label it" not in html
    (row,) = attempts(app)
    assert (row.score, row.passed, row.review) == (50, False, ["safe-isolation", "rcd-test"]) or \
        (row.score, row.passed, sorted(row.review)) == (50, False, ["rcd-test", "safe-isolation"])


def test_multiple_choice_needs_exactly_the_right_options(app, client, ready):
    url = start_attempt(client)
    data = answers(app)
    tester = next(name for name, values in data.items() if len(values) == 2)
    data[tester] = data[tester][:1]  # one of the two right options only
    submit(client, url, data)
    (row,) = attempts(app)
    assert row.score == 75
    assert row.passed is True
    assert row.review == ["proving-dead"]


def test_unanswered_questions_keep_the_attempt_open_with_the_answers_given(app, client, ready):
    url = start_attempt(client)
    data = answers(app)
    first, *_rest = data
    del data[first]
    response = submit(client, url, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "1 question has no answer yet." in html
    assert html.count("checked") == sum(len(v) for v in data.values())
    (row,) = attempts(app)
    assert row.submitted_at is None


@pytest.mark.parametrize("tamper", [
    {"q999999": ["0"]},          # a question that is not in the attempt
    {"qabc": ["0"]},             # not a question id
    {"__first__": ["7"]},         # an option that does not exist
    {"__first__": ["3"]},         # the first index past the three options
    {"__first__": ["-1"]},
    {"__single__": ["0", "1"]},  # two answers to a single-choice question
])
def test_tampered_answers_are_refused_and_change_nothing(app, client, ready, tamper):
    url = start_attempt(client)
    data = answers(app)
    single = next(name for name, values in data.items() if len(values) == 1)
    for name, values in tamper.items():
        data[{"__first__": next(iter(data)), "__single__": single}.get(name, name)] = values
    response = submit(client, url, data)
    assert response.status_code == 422
    assert "These answers do not belong to your current quiz." in response.get_data(as_text=True)
    (row,) = attempts(app)
    assert row.submitted_at is None
    assert count(app, Certificate) == 0


def test_a_double_submit_counts_once(app, client, ready):
    url = start_attempt(client)
    data = answers(app)
    token = csrf_token(client.get(url).get_data(as_text=True))
    first = client.post(url, data={**data, "csrf_token": token})
    second = client.post(url, data={**data, "csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert "already submitted" in client.get(url).get_data(as_text=True)
    assert count(app, QuizAttempt) == 1
    assert count(app, Certificate) == 1


def test_two_tabs_share_one_attempt(app, client, ready):
    assert start_attempt(client) == start_attempt(client)
    assert count(app, QuizAttempt) == 1


def test_three_failed_attempts_then_a_wait_of_24_hours(app, client, ready):
    for _round in range(3):
        submit(client, start_attempt(client), answers(app, wrong_keys=("lock-off", "rcd-trip")))
    html = client.get(QUIZ).get_data(as_text=True)
    assert 'data-msg="quiz_closed"' in html
    assert "You have used 3 attempts without passing." in html
    response = client.post(f"{QUIZ}/start", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert count(app, QuizAttempt) == 3
    # A day passes (moved in the data: a login does not last a day).
    with app.app_context():
        for row in db.session.scalars(select(QuizAttempt)):
            row.submitted_at -= timedelta(hours=23, minutes=59)
        db.session.commit()
    assert "You have used 3 attempts without passing." in client.get(QUIZ).get_data(as_text=True)
    with app.app_context():
        for row in db.session.scalars(select(QuizAttempt)):
            row.submitted_at -= timedelta(minutes=2)
        db.session.commit()
    assert 'data-msg="quiz_start"' in client.get(QUIZ).get_data(as_text=True)
    submit(client, start_attempt(client), answers(app))
    assert [row.passed for row in attempts(app)] == [False, False, False, True]


def test_the_retry_time_is_in_the_learners_zone_to_the_minute(app, client, ready):
    """A learner in Norway with English pages reads Oslo time in British formats: 05:49 for 04:49 UTC."""
    for _round in range(3):
        submit(client, start_attempt(client), answers(app, wrong_keys=("lock-off", "rcd-trip")))
    last = (utcnow() - timedelta(hours=2)).replace(minute=49, second=3, microsecond=0)
    with app.app_context():
        db.session.execute(update(QuizAttempt).values(submitted_at=last))
        db.session.commit()
    retry = last + timedelta(hours=24)
    local = retry.astimezone(ZoneInfo("Europe/Oslo"))

    html = client.get(QUIZ).get_data(as_text=True)

    assert f"You can try again from {local:%d/%m/%Y}, {local:%H}:49." in html
    assert ":03" not in html.partition("You can try again from")[2].partition("</")[0]


def test_passing_completes_the_course_issues_a_certificate_and_signals_it(app, client, ready):
    received = []

    def receiver(certificate, previous):
        received.append((certificate.number, previous))

    signals.certificate_issued.connect(receiver)
    try:
        url = start_attempt(client)
        submit(client, url, answers(app))
    finally:
        signals.certificate_issued.disconnect(receiver)
    html = client.get(url).get_data(as_text=True)
    assert 'data-result="passed"' in html
    assert 'data-msg="certificate_download"' in html
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        assert received == [(certificate.number, None)]
        assert certificate.holder_name == "Kari Nordmann"
        assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", certificate.number)
        months = (certificate.expires_at.year - certificate.issued_at.year) * 12 + \
            certificate.expires_at.month - certificate.issued_at.month
        assert months == 24
        assert db.session.scalar(select(Enrollment)).completed_at is not None
    catalog = client.get("/learn/").get_data(as_text=True)
    assert 'data-status="certified"' in catalog
    assert "100% done" in catalog
    # Certified for two years: the quiz does not open again until the renewal window.
    assert "You are certified until" in client.get(QUIZ).get_data(as_text=True)


def test_an_attempt_of_someone_else_is_not_found(app, client, ready):
    url = start_attempt(client)
    stranger = PortalClient(app.test_client())
    log_in(stranger, make_user(app, with_profile=True))
    assert stranger.get(url).status_code == 404
    response = stranger.post(url, data={**answers(app), "csrf_token": csrf_token(
        stranger.get("/learn/").get_data(as_text=True))})
    assert response.status_code == 404
    assert attempts(app)[0].submitted_at is None


def test_concurrent_submits_of_a_passing_attempt_issue_one_certificate(app, client, ready, database_url):
    url = start_attempt(client)
    data = answers(app)
    token = csrf_token(client.get(url).get_data(as_text=True))
    barrier = threading.Barrier(4)

    # Each thread posts with the same browser cookie, as a quadruple tap would.
    cookies = client.raw._cookies
    results = []

    def tap():
        tab = app.test_client()
        tab._cookies = dict(cookies)
        barrier.wait()
        results.append(tab.post(url, data={**data, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=tap) for _i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302] * 4
    assert count(app, Certificate) == 1
    assert count(app, QuizAttempt) == 1


def test_a_submit_that_loses_the_race_records_nothing(app, client, ready):
    """The conditional UPDATE decides, not the check before it: a submit that read the attempt as open
    while another one recorded it changes nothing (on SQLite the write lock hides this race)."""
    url = start_attempt(client)
    data = answers(app)
    with app.app_context():
        from installer_portal.accounts.models import User
        from lms.progress import learner_course_state
        from lms.quiz import submit_attempt

        user = db.session.scalar(select(User).where(User.email == ready))
        course = db.session.scalar(select(Course))
        state = learner_course_state(user.id, course, utcnow())
        row = db.session.scalar(select(QuizAttempt))  # loaded as open
        db.session.execute(update(QuizAttempt).values(submitted_at=utcnow(), score=0, passed=False)
                           .execution_options(synchronize_session=False))
        assert row.submitted_at is None
        submission = submit_attempt(user.id, "Kari Nordmann", "eu", state, row.number, data)
        db.session.commit()
        assert submission.recorded is False
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
        assert db.session.scalar(select(Enrollment.completed_at)) is None
    assert url.endswith("/quiz/1")


def test_passing_a_course_that_does_not_certify_completes_it_without_a_certificate(app, client, tmp_path):
    folder = tmp_path / SLUG
    shutil.copytree(COURSES / SLUG, folder)
    manifest = folder / "course.toml"
    manifest.write_text(manifest.read_text().replace("certifies = true\nvalidity_months = 24\n", "certifies = false\n"))
    with app.app_context():
        import_courses(folder)
        db.session.commit()
    log_in(client, make_user(app, with_profile=True))
    finish_lessons(client)
    submit(client, start_attempt(client), answers(app))
    assert count(app, Certificate) == 0
    with app.app_context():
        assert db.session.scalar(select(Enrollment.completed_at)) is not None
    assert 'data-status="completed"' in client.get("/learn/").get_data(as_text=True)
    assert "You have passed this course." in client.get(QUIZ).get_data(as_text=True)


def test_a_question_removed_from_the_manifest_is_not_asked_in_new_attempts(app, client, tmp_path):
    folder = tmp_path / SLUG
    shutil.copytree(COURSES / SLUG, folder)
    with app.app_context():
        import_courses(folder)
        db.session.commit()
    manifest = folder / "course.toml"
    text = manifest.read_text()
    start = text.index('  [[quiz.questions]]\n  id = "rcd-button"')
    manifest.write_text(text[:start])
    with app.app_context():
        import_courses(folder)
        db.session.commit()
        retired = db.session.scalar(select(Question).where(Question.key == "rcd-button"))
        assert retired.retired_at is not None
    log_in(client, make_user(app, with_profile=True))
    finish_lessons(client)
    url = start_attempt(client)
    assert f'name="q{retired.id}"' not in client.get(url).get_data(as_text=True)
    assert retired.id not in attempts(app)[0].question_ids
