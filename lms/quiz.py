"""The final quiz: when it opens, attempts with their own shuffled order, scoring on the server.

Answers are option indexes in the manifest's order; the browser sees the options shuffled and never
learns which are right. A submission is accepted once (a conditional UPDATE), so a double submit or
a second tab counts one attempt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_date, format_datetime
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.database import changed_rows, db, get_or_create
from core.i18n import _, ngettext
from core.numbers import parse_int

from . import signals
from .certificates import issue_certificate
from .errors import INVALID, NOT_FOUND, LearningError
from .models import Certificate, CertificateStatus, Enrollment, Question, QuestionKind, QuizAttempt
from .progress import RENEWAL_WINDOW, CourseState

_random = secrets.SystemRandom()


def locked_until(attempts: list[QuizAttempt], max_attempts: int, cooldown_hours: int) -> datetime | None:
    """When the next attempt may start, if the learner used a series of attempts without passing.

    Failures count since the last pass. After every `max_attempts` failures in a row the learner
    waits `cooldown_hours` from the last of them; then a new series starts.
    """
    submitted = sorted(((a.submitted_at, bool(a.passed)) for a in attempts if a.submitted_at is not None),
                       key=lambda pair: pair[0])
    failures = 0
    for _at, passed in submitted:
        failures = 0 if passed else failures + 1
    if failures == 0 or failures % max_attempts or not cooldown_hours:
        return None
    return submitted[-1][0] + timedelta(hours=cooldown_hours)


def quiz_blockers(state: CourseState, attempts: list[QuizAttempt]) -> list[str]:
    """Why the quiz cannot be started now: an empty list means it can."""
    reasons = []
    if not state.required_done:
        reasons.append(_("Complete every required lesson before you take the quiz."))
    certificate = state.certificate
    if certificate is not None and state.certificate_status == CertificateStatus.VALID \
            and certificate.expires_at is not None and certificate.expires_at - state.now > RENEWAL_WINDOW:
        reasons.append(_("You are certified until %(date)s. You can renew your certificate from %(renew)s.",
                         date=format_date(certificate.expires_at, "long"),
                         renew=format_date(certificate.expires_at - RENEWAL_WINDOW, "long")))
    elif state.passed and not state.course.certifies:
        reasons.append(_("You have passed this course."))
    until = locked_until(attempts, state.course.max_attempts, state.course.cooldown_hours)
    if until is not None and until > state.now:
        reasons.append(ngettext("You have used %(num)d attempt without passing. You can try again from %(date)s.",
                                "You have used %(num)d attempts without passing. You can try again from %(date)s.",
                                state.course.max_attempts, date=format_datetime(until, "short")))
    return reasons


def attempts_of(user_id: int, course_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == course_id).order_by(QuizAttempt.number)))


def questions_of(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in the order it shows them (retired questions included: the attempt keeps them)."""
    rows = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))}
    return [rows[i] for i in attempt.question_ids]


def open_attempt(user_id: int, state: CourseState) -> QuizAttempt:
    """Return the learner's open attempt, or start one with its own question and option order.

    :raises LearningError: with the first reason the quiz is closed.
    """
    existing = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == state.course.id, QuizAttempt.submitted_at.is_(None)))
    if existing is not None:
        return existing
    reasons = quiz_blockers(state, attempts_of(user_id, state.course.id))
    if reasons:
        raise LearningError(reasons[0])
    questions = list(db.session.scalars(select(Question).where(
        Question.course_id == state.course.id, Question.retired_at.is_(None))))
    _random.shuffle(questions)
    orders = {}
    for question in questions:
        order = list(range(len(next(iter(question.options.values())))))
        _random.shuffle(order)
        orders[str(question.id)] = order
    number = (db.session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == state.course.id)) or 0) + 1
    try:
        with db.session.begin_nested():
            attempt = QuizAttempt(user_id=user_id, course_id=state.course.id, number=number, started_at=state.now,
                                  question_ids=[q.id for q in questions], option_orders=orders)
            db.session.add(attempt)
    except IntegrityError:
        # Another tab started the attempt at the same moment: use that one.
        return db.session.scalars(select(QuizAttempt).where(
            QuizAttempt.user_id == user_id, QuizAttempt.course_id == state.course.id,
            QuizAttempt.submitted_at.is_(None))).one()
    return attempt


@dataclass
class Score:
    correct: int
    total: int
    #: Lesson keys to review, in the order the questions were shown, without repeats.
    review: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    def passes(self, pass_mark: int) -> bool:
        return self.total > 0 and self.correct * 100 >= pass_mark * self.total


def score(questions: list[Question], answers: dict[int, set[int]]) -> Score:
    """All-or-nothing per question: exactly the right options, no more, no fewer."""
    correct, review = 0, []
    for question in questions:
        if answers.get(question.id, set()) == set(question.correct):
            correct += 1
        elif question.review_lesson_key not in review:
            review.append(question.review_lesson_key)
    return Score(correct=correct, total=len(questions), review=review)


def parse_answers(attempt: QuizAttempt, questions: list[Question], form: dict[str, list[str]]) -> dict[int, set[int]]:
    """Read `q<question id>` fields into option indexes, refusing anything that is not in this attempt.

    :raises LearningError: answers for questions outside the attempt, options out of range, several
        options for a single-choice question, or unanswered questions.
    """
    by_id = {q.id: q for q in questions}
    answers: dict[int, set[int]] = {}
    mismatch = LearningError(_("These answers do not belong to your current quiz. Open the quiz again and answer "
                               "the questions shown."), code=INVALID)
    for name, values in form.items():
        if not name.startswith("q"):
            continue
        question_id = parse_int(name[1:])
        if question_id is None or question_id not in by_id:
            raise mismatch
        question = by_id[question_id]
        count = len(attempt.option_orders[str(question.id)])
        indexes = [parse_int(v, maximum=count - 1) for v in values]
        if None in indexes:
            raise mismatch
        chosen = {index for index in indexes if index is not None}
        if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
            raise mismatch
        if chosen:
            answers[question.id] = chosen
    missing = len(questions) - len(answers)
    if missing:
        raise LearningError(ngettext("%(num)d question has no answer yet. Answer every question, then submit.",
                                     "%(num)d questions have no answer yet. Answer every question, then submit.",
                                     missing), code=INVALID)
    return answers


@dataclass
class Submission:
    attempt: QuizAttempt
    #: False when the attempt had already been submitted (a double submit): nothing was recorded.
    recorded: bool
    certificate: Certificate | None = None


def submit_attempt(user_id: int, holder_name: str, region: str, state: CourseState, number: int,
                   form: dict[str, list[str]]) -> Submission:
    """Score and store an attempt once; a pass completes the course and, if it certifies, issues a certificate.

    :raises LearningError: no such attempt, or answers that do not fit it (the attempt stays open).
    """
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == state.course.id, QuizAttempt.number == number))
    if attempt is None:
        raise LearningError(_("This quiz attempt does not exist. Open the quiz again."), code=NOT_FOUND)
    if attempt.submitted_at is not None:
        return Submission(attempt=attempt, recorded=False)
    questions = questions_of(attempt)
    answers = parse_answers(attempt, questions, form)
    result = score(questions, answers)
    passed = result.passes(state.course.pass_mark)
    claimed = changed_rows(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=state.now, answers={str(k): sorted(v) for k, v in answers.items()},
                score=result.percent, passed=passed, review=result.review)
        .execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    if not claimed:
        return Submission(attempt=attempt, recorded=False)
    submission = Submission(attempt=attempt, recorded=True)
    if passed:
        enrollment, _created = get_or_create(Enrollment, {"user_id": user_id, "course_id": state.course.id},
                                              started_at=state.now, last_active_at=state.now)
        if enrollment.completed_at is None:
            enrollment.completed_at = state.now
        db.session.flush()
        signals.course_completed.send(enrollment, attempt=attempt)
        if state.course.certifies:
            submission.certificate = issue_certificate(user_id, holder_name, region, state.course, attempt,
                                                       previous=state.certificate, now=state.now)
    return submission
