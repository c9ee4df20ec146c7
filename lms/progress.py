"""Where a learner is in a course: lessons opened and completed, video watched, the course status.

Completion is decided here, on the server: a text lesson is complete when the learner continues
past it, a video lesson when 90% of it has been reported watched at a plausible pace. Lessons open
in order: a lesson is reachable once every required lesson before it is complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import format_percent
from sqlalchemy import bindparam, select, update

from core.database import changed_rows, db, get_or_create
from core.enums import LabelledEnum
from core.i18n import _, _l

from .errors import INVALID, NOT_FOUND, LearningError
from .models import Certificate, CertificateStatus, Course, CourseModule, Enrollment, Lesson, LessonProgress

#: Share of a video that counts as watched.
VIDEO_COMPLETE_SHARE = 0.9
#: The most time one visit to a lesson adds to the time spent (a tab left open overnight is not study).
MAX_VISIT = timedelta(minutes=30)
#: Fastest plausible playback rate, plus slack for reports that arrive late.
MAX_PLAYBACK_RATE = 2.0
REPORT_SLACK_SECONDS = 5.0
MAX_RANGES = 100
#: A certificate "expires soon" (and may be renewed) this close to its expiry.
RENEWAL_WINDOW = timedelta(days=60)


class CourseStatus(LabelledEnum):
    """A learner's status in a course, as the catalog shows it.

    `not_started`: never opened. `in_progress`: opened, quiz not passed. `completed`: passed a course
    that does not certify. `certified`: holds a valid certificate. `expiring`: the certificate
    expires within 60 days. `expired`: the latest certificate expired. `revoked`: staff revoked it.
    """

    NOT_STARTED = "not_started", _l("Not started")
    # Translators: a person's status in a course: opened, quiz not passed yet.
    IN_PROGRESS = "in_progress", _l("In progress")
    # Translators: a person's status in a course that gives no certificate: passed.
    COMPLETED = "completed", _l("Completed")
    # Translators: a person's status in a certification course: holds a valid certificate.
    CERTIFIED = "certified", _l("Certified")
    EXPIRING = "expiring", _l("Certificate expires soon")
    EXPIRED = "expired", _l("Certificate expired")
    REVOKED = "revoked", _l("Certificate revoked")


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    key: str
    title: dict[str, str]


@dataclass(frozen=True)
class LessonInfo:
    """What the outline and the rules need of a lesson (not its text), shared by every request."""

    id: int
    key: str
    module: ModuleInfo
    title: dict[str, str]
    #: language -> media reference of a video lesson (see `Lesson.videos`).
    videos: dict[str, str] | None
    duration_seconds: float | None
    required: bool
    version: str

    @property
    def is_video(self) -> bool:
        return self.videos is not None


#: Course outlines and lesson texts by (course id, content hash, import time). Lessons change only
#: when a course is imported, which changes the key, so each worker reads them once per version.
#: Both caches are bounded and hold nothing another worker needs.
_OUTLINES: dict[tuple, tuple[LessonInfo, ...]] = {}
_BODIES: dict[tuple, dict[str, str]] = {}
_KEPT = 64
_BODIES_KEPT = 1000


def _version_key(course: Course) -> tuple:
    return (course.id, course.content_hash, course.imported_at)


def course_outline(course: Course) -> tuple[LessonInfo, ...]:
    """The course's current lessons in order, with their modules."""
    key = _version_key(course)
    outline = _OUTLINES.get(key)
    if outline is None:
        rows = db.session.execute(
            select(Lesson.id, Lesson.key, Lesson.title, Lesson.videos, Lesson.duration_seconds, Lesson.required,
                   Lesson.version, CourseModule.id, CourseModule.key, CourseModule.title)
            .join(CourseModule, Lesson.module_id == CourseModule.id)
            .where(Lesson.course_id == course.id, Lesson.retired_at.is_(None))
            .order_by(Lesson.position)).all()
        modules: dict[int, ModuleInfo] = {}
        outline = tuple(
            LessonInfo(id=row[0], key=row[1], title=row[2], videos=row[3], duration_seconds=row[4], required=row[5],
                       version=row[6], module=modules.setdefault(row[7], ModuleInfo(row[7], row[8], row[9])))
            for row in rows)
        if len(_OUTLINES) >= _KEPT:
            _OUTLINES.clear()
        _OUTLINES[key] = outline
    return outline


def lesson_body(course: Course, lesson: LessonInfo, language: str) -> str:
    """The lesson's HTML in `language`, or in the course's first language if it has none in that one."""
    key = (*_version_key(course), lesson.id)
    bodies = _BODIES.get(key)
    if bodies is None:
        bodies = db.session.scalars(select(Lesson.body).where(Lesson.id == lesson.id)).one()
        if len(_BODIES) >= _BODIES_KEPT:
            _BODIES.clear()
        _BODIES[key] = bodies
    return bodies.get(language) or bodies[course.languages[0]]


@dataclass
class LessonState:
    lesson: LessonInfo
    progress: LessonProgress | None
    reachable: bool

    @property
    def module(self) -> ModuleInfo:
        return self.lesson.module

    @property
    def completed(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None


_UNLOADED = object()


@dataclass
class CourseState:
    """Everything the catalog, the player and the quiz need to know about one learner in one course."""

    course: Course
    lessons: list[LessonState]
    enrollment: Enrollment | None
    now: datetime
    #: Loaded when first asked for: the player does not need it.
    _certificate: Any = _UNLOADED
    user_id: int | None = None

    @property
    def certificate(self) -> Certificate | None:
        if self._certificate is _UNLOADED:
            self._certificate = latest_certificate(self.user_id or 0, self.course.id)
        return cast(Certificate | None, self._certificate)

    def lesson(self, key: str) -> LessonState:
        for state in self.lessons:
            if state.lesson.key == key:
                return state
        raise LearningError(_("This lesson is not part of this course."), code=NOT_FOUND)

    @property
    def required_done(self) -> bool:
        return all(s.completed for s in self.lessons if s.lesson.required)

    @property
    def passed(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None

    @property
    def percent(self) -> int:
        """Required lessons done, with the quiz counting as one more step."""
        required = [s for s in self.lessons if s.lesson.required]
        done = sum(s.completed for s in required) + (1 if self.passed else 0)
        return round(100 * done / (len(required) + 1))

    @property
    def certificate_status(self) -> CertificateStatus | None:
        return self.certificate.status(self.now) if self.certificate else None

    @property
    def status(self) -> CourseStatus:
        certificate, certificate_status = self.certificate, self.certificate_status
        if certificate is not None and certificate_status == CertificateStatus.VALID:
            expires = certificate.expires_at
            if expires is not None and expires - self.now <= RENEWAL_WINDOW:
                return CourseStatus.EXPIRING
            return CourseStatus.CERTIFIED
        if certificate_status == CertificateStatus.EXPIRED:
            return CourseStatus.EXPIRED
        if certificate_status == CertificateStatus.REVOKED:
            return CourseStatus.REVOKED
        if self.passed and not self.course.certifies:
            return CourseStatus.COMPLETED
        return CourseStatus.IN_PROGRESS if self.enrollment else CourseStatus.NOT_STARTED

    def next_after(self, key: str) -> LessonState | None:
        keys = [s.lesson.key for s in self.lessons]
        index = keys.index(key)
        return self.lessons[index + 1] if index + 1 < len(self.lessons) else None

    def previous_before(self, key: str) -> LessonState | None:
        keys = [s.lesson.key for s in self.lessons]
        index = keys.index(key)
        return self.lessons[index - 1] if index > 0 else None

    def resume_lesson(self) -> LessonState | None:
        """The lesson to continue with, or None when only the quiz is left."""
        last = self.enrollment.last_lesson_id if self.enrollment else None
        for state in self.lessons:
            if state.lesson.id == last and state.reachable and not state.completed:
                return state
        for state in self.lessons:
            if state.reachable and not state.completed and (state.lesson.required or not self.required_done):
                return state
        return None


# The player's queries, built once: constructing a statement costs more than running it on SQLite.
_PROGRESS_IN_COURSE = (
    select(LessonProgress).join(Lesson, LessonProgress.lesson_id == Lesson.id)
    .where(LessonProgress.user_id == bindparam("user_id"), Lesson.course_id == bindparam("course_id"),
           LessonProgress.version == Lesson.version))
_ENROLLMENT = select(Enrollment).where(Enrollment.user_id == bindparam("user_id"),
                                       Enrollment.course_id == bindparam("course_id"))
_REVISIT = (
    update(LessonProgress)
    .where(LessonProgress.user_id == bindparam("b_user"), LessonProgress.lesson_id == bindparam("b_lesson"),
           LessonProgress.version == bindparam("b_version"))
    .values(last_opened_at=bindparam("b_now")).execution_options(synchronize_session=False))
_MOVE_RESUME_POINT = (
    update(Enrollment)
    .where(Enrollment.user_id == bindparam("b_user"), Enrollment.course_id == bindparam("b_course"))
    .values(last_lesson_id=bindparam("b_lesson"), last_active_at=bindparam("b_now"))
    .execution_options(synchronize_session=False))


def learner_course_state(user_id: int, course: Course, now: datetime) -> CourseState:
    """Load one learner's state in a course with a few queries (the player runs this on every page)."""
    outline = course_outline(course)
    progress = {(p.lesson_id, p.version): p for p in db.session.scalars(
        _PROGRESS_IN_COURSE, {"user_id": user_id, "course_id": course.id})}
    lessons = [LessonState(lesson=lesson, progress=progress.get((lesson.id, lesson.version)), reachable=False)
               for lesson in outline]
    enrollment = db.session.scalar(_ENROLLMENT, {"user_id": user_id, "course_id": course.id})
    state = CourseState(course=course, lessons=lessons, enrollment=enrollment, now=now, user_id=user_id)
    _refresh_reachability(state)
    return state


def latest_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(1))


def lesson_to_open(state: CourseState, key: str) -> LessonState:
    """The lesson, if the learner may open it.

    :raises LearningError: the lesson is not in the course, or earlier required lessons are not done.
    """
    lesson_state = state.lesson(key)
    if not lesson_state.reachable:
        raise LearningError(_("Complete the earlier lessons first."))
    return lesson_state


def record_visit(user_id: int, course_id: int, lesson_id: int, version: str, now: datetime,
                 resume_lesson_id: int | None = None) -> None:
    """Record that the learner opened a lesson: first-opened time, the start of this visit, the resume point.

    Plain UPDATEs first (the usual case, no rows loaded), inserts when it is the first visit.
    `resume_lesson_id` is the enrollment's current resume point, if known.
    """
    visited = changed_rows(
        _REVISIT, {"b_user": user_id, "b_lesson": lesson_id, "b_version": version, "b_now": now})
    if not visited:
        get_or_create(LessonProgress, {"user_id": user_id, "lesson_id": lesson_id, "version": version},
                       first_opened_at=now, last_opened_at=now, watched=[])
    if resume_lesson_id == lesson_id:
        return  # reopening the lesson the learner resumes at: the resume point stays
    enrolled = changed_rows(
        _MOVE_RESUME_POINT, {"b_user": user_id, "b_course": course_id, "b_lesson": lesson_id, "b_now": now})
    if not enrolled:
        get_or_create(Enrollment, {"user_id": user_id, "course_id": course_id},
                       started_at=now, last_active_at=now, last_lesson_id=lesson_id)
    db.session.flush()


def complete_lesson(user_id: int, state: CourseState, key: str) -> LessonState:
    """The learner continues past a lesson: a text lesson is complete; a video lesson must have been watched.

    Completing twice changes nothing but the time spent.
    :raises LearningError: not reachable, not in the course, or the video not watched far enough.
    """
    lesson_state = lesson_to_open(state, key)
    lesson = lesson_state.lesson
    if lesson_state.progress is None:
        record_visit(user_id, state.course.id, lesson.id, lesson.version, state.now,
                     state.enrollment.last_lesson_id if state.enrollment else None)
        lesson_state.progress = db.session.scalars(select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id,
            LessonProgress.version == lesson.version)).one()
    progress = lesson_state.progress
    if lesson_state.lesson.is_video and progress.completed_at is None:
        raise LearningError(_("Watch at least %(share)s of the video before you continue.",
                              share=format_percent(VIDEO_COMPLETE_SHARE)))
    visit = min(max(state.now - progress.last_opened_at, timedelta(0)), MAX_VISIT)
    progress.seconds_spent += int(visit.total_seconds())
    progress.last_opened_at = state.now
    if progress.completed_at is None:
        progress.completed_at = state.now
    _refresh_reachability(state)
    db.session.flush()
    return lesson_state


def _refresh_reachability(state: CourseState) -> None:
    """A lesson is reachable once every required lesson before it is complete."""
    open_so_far = True
    for lesson_state in state.lessons:
        lesson_state.reachable = open_so_far
        if lesson_state.lesson.required and not lesson_state.completed:
            open_so_far = False


def merge_ranges(ranges: Iterable[Iterable[float]]) -> list[list[float]]:
    """Sort and merge overlapping [start, end] ranges."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered_seconds(ranges: Iterable[Iterable[float]]) -> float:
    return sum(end - start for start, end in merge_ranges(ranges))


def parse_ranges(raw: object, duration: float) -> list[list[float]]:
    """Validate the ranges a browser reports (`video.played`), clipped to the video's length.

    :raises LearningError: not a list of [start, end] number pairs inside the video.
    """
    invalid = LearningError(_("We could not record what you watched. Reload the page and try again."), code=INVALID)
    if not isinstance(raw, list) or len(raw) > MAX_RANGES:
        raise invalid
    ranges = []
    for item in raw:
        if not (isinstance(item, list | tuple) and len(item) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)):
            raise invalid
        start, end = float(item[0]), float(item[1])
        if not (0 <= start <= end <= duration + 1):
            raise invalid
        ranges.append([start, min(end, duration)])
    return merge_ranges(ranges)


def report_watched(user_id: int, state: CourseState, key: str, raw_ranges: object) -> LessonProgress:
    """Store the ranges of a video the learner played; 90% of the video completes the lesson.

    The gain since the last report may not exceed the time that passed at double speed, so a
    script cannot claim a video watched the moment it opened.
    :raises LearningError: not a video lesson, not opened, malformed or implausible ranges.
    """
    lesson_state = state.lesson(key)
    lesson = lesson_state.lesson
    if lesson.duration_seconds is None:
        raise LearningError(_("This lesson has no video."), code=INVALID)
    if not lesson_state.reachable or lesson_state.progress is None:
        raise LearningError(_("Open the lesson before you watch its video."))
    progress = lesson_state.progress
    duration = lesson.duration_seconds
    ranges = parse_ranges(raw_ranges, duration)
    merged = merge_ranges([*progress.watched, *ranges])
    gain = covered_seconds(merged) - covered_seconds(progress.watched)
    since = progress.reported_at if progress.reported_at and progress.reported_at > progress.last_opened_at \
        else progress.last_opened_at
    elapsed = max((state.now - since).total_seconds(), 0.0)
    if gain > elapsed * MAX_PLAYBACK_RATE + REPORT_SLACK_SECONDS:
        raise LearningError(_("Only the parts of the video you have watched count. Watch the video and try again."),
                            code=INVALID)
    progress.watched = merged
    progress.reported_at = state.now
    if progress.completed_at is None and covered_seconds(merged) >= VIDEO_COMPLETE_SHARE * duration:
        progress.completed_at = state.now
        progress.seconds_spent += int(min(elapsed, MAX_VISIT.total_seconds()))
        _refresh_reachability(state)
    db.session.flush()
    return progress


def watched_share(progress: LessonProgress | None, duration: float | None) -> float:
    if progress is None or not duration:
        return 0.0
    return min(covered_seconds(progress.watched) / duration, 1.0)
