"""The learning rules on their own: attempts and cooldown, scoring, video coverage, expiry, statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates import add_months, new_certificate_number, normalize_number
from lms.errors import LearningError
from lms.models import Certificate, CertificateRevocation, Course, Enrollment, Question, QuestionKind, QuizAttempt
from lms.progress import CourseState, CourseStatus, covered_seconds, merge_ranges, parse_ranges
from lms.quiz import locked_until, score

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def attempt(minutes_ago: int, passed: bool) -> QuizAttempt:
    return QuizAttempt(submitted_at=NOW - timedelta(minutes=minutes_ago), passed=passed)


@pytest.mark.parametrize(("history", "expected"), [
    ([], None),
    ([False], None),
    ([False, False], None),
    ([False, False, False], NOW - timedelta(minutes=1) + timedelta(hours=24)),
    ([False, False, False, False], None),                       # the next series has started
    ([False, False, False, False, False, False], NOW - timedelta(minutes=1) + timedelta(hours=24)),
    ([False, False, True], None),
    ([False, False, False, True, False], None),                  # a pass resets the count
])
def test_three_failures_in_a_row_lock_the_quiz_for_a_day(history, expected):
    attempts = [attempt(len(history) - i, passed) for i, passed in enumerate(history)]
    assert locked_until(attempts, max_attempts=3, cooldown_hours=24) == expected


def test_an_open_attempt_does_not_count_and_no_cooldown_means_no_lock():
    attempts = [attempt(3, False), attempt(2, False), attempt(1, False), QuizAttempt(submitted_at=None)]
    assert locked_until(attempts, 3, 24) is not None
    assert locked_until(attempts, 3, 0) is None


def question(id_: int, correct: list[int], review: str, kind=QuestionKind.SINGLE) -> Question:
    return Question(id=id_, correct=correct, review_lesson_key=review, kind=kind)


QUESTIONS = [question(1, [0], "a"), question(2, [1, 2], "b", QuestionKind.MULTIPLE), question(3, [2], "a"),
             question(4, [1], "c"), question(5, [0], "d")]


def test_scoring_is_all_or_nothing_per_question_and_lists_lessons_to_review_once():
    result = score(QUESTIONS, {1: {1}, 2: {1}, 3: {0}, 4: {1}, 5: {0}})
    assert (result.correct, result.total, result.percent) == (2, 5, 40)
    assert result.review == ["a", "b"]
    assert score(QUESTIONS, {2: {1, 2, 0}}).correct == 0  # a wrong extra option spoils a multiple choice


@pytest.mark.parametrize(("correct", "mark", "passes"), [(4, 80, True), (3, 80, False), (5, 100, True),
                                                          (4, 81, False), (0, 1, False)])
def test_the_pass_mark_is_compared_without_rounding(correct, mark, passes):
    answers = {q.id: set(q.correct) for q in QUESTIONS[:correct]}
    assert score(QUESTIONS, answers).passes(mark) is passes


def test_watched_ranges_merge_and_clip():
    assert merge_ranges([[10, 20], [0, 5], [4, 12], [30, 31]]) == [[0, 20], [30, 31]]
    assert covered_seconds([[0, 5], [3, 8]]) == 8
    assert parse_ranges([[0, 40.6]], duration=40) == [[0, 40]]


@pytest.mark.parametrize("raw", [None, {}, [[1, 0]], [[0, 42]], [[-0.1, 1]], [[0, "1"]], [[0, 1, 2]],
                                 [[float("nan"), 1]]])
def test_implausible_range_shapes_are_refused(raw, app):
    with app.test_request_context(), pytest.raises(LearningError):
        parse_ranges(raw, duration=40)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2027, 11, 30, tzinfo=UTC), 3, datetime(2028, 2, 29, tzinfo=UTC)),
    (datetime(2026, 11, 21, 9, 30, tzinfo=UTC), 24, datetime(2028, 11, 21, 9, 30, tzinfo=UTC)),
    (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
])
def test_validity_is_counted_in_calendar_months(start, months, expected):
    assert add_months(start, months) == expected


def test_certificate_numbers_are_random_readable_and_typed_loosely():
    numbers = {new_certificate_number() for _i in range(1000)}
    assert len(numbers) == 1000
    sample = numbers.pop()
    assert len(sample) == 14
    assert not set(sample) & set("01OIL")
    assert normalize_number(f" {sample.lower().replace('-', ' ')} ") == sample


def certificate(expires_in_days: float | None, revoked: bool = False) -> Certificate:
    row = Certificate(expires_at=None if expires_in_days is None else NOW + timedelta(days=expires_in_days))
    row.revocation = CertificateRevocation(reason="x") if revoked else None
    return row


@pytest.mark.parametrize(("enrolled", "passed", "cert", "expected"), [
    (False, False, None, CourseStatus.NOT_STARTED),
    (True, False, None, CourseStatus.IN_PROGRESS),
    (True, True, certificate(400), CourseStatus.CERTIFIED),
    (True, True, certificate(60), CourseStatus.EXPIRING),
    (True, True, certificate(61), CourseStatus.CERTIFIED),
    (True, True, certificate(0), CourseStatus.EXPIRED),
    (True, True, certificate(-5), CourseStatus.EXPIRED),
    (True, True, certificate(400, revoked=True), CourseStatus.REVOKED),
    (True, True, certificate(-5, revoked=True), CourseStatus.REVOKED),
    (True, True, certificate(None), CourseStatus.CERTIFIED),
])
def test_course_status(enrolled, passed, cert, expected):
    enrollment = Enrollment(completed_at=NOW if passed else None) if enrolled else None
    state = CourseState(course=Course(certifies=True), lessons=[], enrollment=enrollment, now=NOW, _certificate=cert)
    assert state.status == expected


def test_a_passed_course_that_does_not_certify_is_completed():
    state = CourseState(course=Course(certifies=False), lessons=[], enrollment=Enrollment(completed_at=NOW),
                        now=NOW, _certificate=None)
    assert state.status == CourseStatus.COMPLETED
    assert state.percent == 100
