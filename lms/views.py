"""The learner's pages (blueprint "learn") and the public certificate verification page ("verify").

Who may learn is the application's decision: it passes an access check to `init_app`, which runs
before every route of the "learn" blueprint.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_percent
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from core.database import begin_writing, db, utcnow
from core.downloads import attachment, cache_forever
from core.i18n import _, current_language

from . import quiz as quiz_rules
from .certificates import (
    certificate_by_number,
    render_certificate_pdf,
    store_certificate_pdf,
    stored_certificate_pdf,
)
from .errors import INVALID, NOT_FOUND, LearningError
from .models import Certificate, CertificateStatus, Course, Lesson, Media, Question, QuestionKind, QuizAttempt
from .progress import (
    CourseState,
    CourseStatus,
    complete_lesson,
    learner_course_state,
    lesson_body,
    lesson_to_open,
    record_visit,
    report_watched,
    watched_share,
)

bp = Blueprint("learn", __name__, url_prefix="/learn")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


#: HTTP statuses of refusals, by their code; any other refusal conflicts with where the learner is.
_STATUSES = {NOT_FOUND: 404, INVALID: 422}
#: A lesson's reference to stored media, as the importer writes it: media:<sha256>.<extension>.
_MEDIA_REFERENCE = re.compile(r"media:([0-9a-f]{64})\.([a-z0-9]+)")


def init_app(app: Flask, *, access_check: Callable[[], ResponseReturnValue | None],
             paper_size: Callable[[str], str], holder_formats: Callable[[int, str], tuple[str, str]]) -> None:
    """Register the pages. `access_check` runs before every learner page (who may learn is the application's
    decision); `paper_size` gives the CSS page size of a certificate from the region it was issued in;
    `holder_formats(user_id, language)` gives the locale and time zone a certificate's dates are written in."""
    app.extensions["lms"] = {"access_check": access_check, "paper_size": paper_size,
                             "holder_formats": holder_formats}
    app.register_blueprint(bp)
    app.register_blueprint(verify_bp)
    app.add_template_filter(translated)
    app.add_template_filter(lambda value: format_percent(value / 100), "percent")
    app.add_template_filter(lambda share: format_percent(share), "share")
    app.add_template_global(content_language)
    app.add_template_global(media_url)
    # The learning pages compare with enum members, never with their spelling.
    app.jinja_env.globals.update(CertificateStatus=CertificateStatus, CourseStatus=CourseStatus,
                                 QuestionKind=QuestionKind)


@bp.before_request
def check_access():
    return current_app.extensions["lms"]["access_check"]()


def content_language(course: Course) -> str:
    """The language course content is shown in: the page's, if the course exists in it."""
    page_language = request.environ.get("lms.page_language")
    if page_language is None:  # asked for dozens of times per page
        page_language = request.environ["lms.page_language"] = current_language()
    return page_language if page_language in course.languages else course.languages[0]


def translated(texts: dict, course: Course):
    return texts.get(content_language(course)) or texts.get(course.languages[0], "")


def media_url(reference: str) -> str:
    """The URL of a stored image or video a lesson refers to (the route decides it, not the stored text)."""
    found = _MEDIA_REFERENCE.fullmatch(reference)
    return url_for("learn.media", sha256=found[1], extension=found[2]) if found else reference


def with_media_urls(html: str) -> str:
    return _MEDIA_REFERENCE.sub(lambda found: media_url(found[0]), html)


def _status(error: LearningError) -> int:
    return _STATUSES.get(error.code or "", 409)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _offered_courses() -> list[Course]:
    courses = db.session.scalars(select(Course).order_by(Course.position, Course.slug))
    return [c for c in courses if current_user.region in c.regions]


_COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"))


def _course(slug: str) -> Course:
    course = db.session.scalar(_COURSE_BY_SLUG, {"slug": slug})
    if course is None or current_user.region not in course.regions:
        abort(404)
    return course


def _state(course: Course) -> CourseState:
    return learner_course_state(current_user.id, course, utcnow())


def _refused(error: LearningError, fallback: str):
    db.session.rollback()
    if _wants_json():
        return jsonify(error=error.message), _status(error)
    if error.code == NOT_FOUND:
        abort(404)
    flash(error.message, "error")
    return redirect(fallback)


@bp.route("/")
def catalog():
    now = utcnow()
    states = [learner_course_state(current_user.id, course, now) for course in _offered_courses()]
    return render_template("learn/catalog.html", states=states)


@bp.route("/mine")
def mine():
    now = utcnow()
    states = [learner_course_state(current_user.id, course, now) for course in _offered_courses()]
    attempts = {s.course.id: [a for a in quiz_rules.attempts_of(current_user.id, s.course.id) if a.submitted_at]
                for s in states}
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == current_user.id)
                                      .order_by(Certificate.issued_at.desc())).all()
    return render_template("learn/mine.html", states=states, attempts=attempts, certificates=certificates, now=now)


@bp.route("/<slug>/")
def course(slug: str):
    state = _state(_course(slug))
    return render_template("learn/course.html", state=state)


@bp.route("/<slug>/continue")
def resume(slug: str):
    """Start and Continue: the lesson where the learner left off, on whatever device, or the quiz."""
    state = _state(_course(slug))
    lesson_state = state.resume_lesson()
    if lesson_state is None:
        return redirect(url_for(".quiz", slug=slug))
    return redirect(url_for(".lesson", slug=slug, key=lesson_state.lesson.key))


@bp.route("/<slug>/lessons/<key>")
def lesson(slug: str, key: str):
    state = _state(_course(slug))
    try:
        current = lesson_to_open(state, key)
    except LearningError as error:
        return _refused(error, url_for(".resume", slug=slug))
    language = content_language(state.course)
    lesson_row = current.lesson
    page = render_template(
        "learn/player.html", state=state, current=current, language=language,
        body=with_media_urls(lesson_body(state.course, lesson_row, language)),
        previous=state.previous_before(key), following=state.next_after(key),
        watched=watched_share(current.progress, lesson_row.duration_seconds))
    visit = (current_user.id, state.course.id, lesson_row.id, lesson_row.version, state.now,
             state.enrollment.last_lesson_id if state.enrollment else None)
    begin_writing()
    record_visit(*visit)
    db.session.commit()
    return page


@bp.route("/<slug>/lessons/<key>/complete", methods=["POST"])
def complete(slug: str, key: str):
    state = _state(_course(slug))
    try:
        complete_lesson(current_user.id, state, key)
    except LearningError as error:
        return _refused(error, url_for(".lesson", slug=slug, key=key))
    db.session.commit()
    following = state.next_after(key)
    target = url_for(".lesson", slug=slug, key=following.lesson.key) if following else url_for(".quiz", slug=slug)
    if _wants_json():
        return jsonify(next=target)
    return redirect(target)


@bp.route("/<slug>/lessons/<key>/watched", methods=["POST"])
def watched(slug: str, key: str):
    """The player reports the ranges of a video played (JSON: {"ranges": [[start, end], ...]})."""
    state = _state(_course(slug))
    payload = request.get_json(silent=True) or {}
    try:
        progress = report_watched(current_user.id, state, key, payload.get("ranges"))
    except LearningError as error:
        db.session.rollback()
        return jsonify(error=error.message), _status(error)
    db.session.commit()
    lesson_row = state.lesson(key).lesson
    return jsonify(complete=progress.completed_at is not None,
                   share=round(watched_share(progress, lesson_row.duration_seconds), 3))


@bp.route("/<slug>/quiz")
def quiz(slug: str):
    state = _state(_course(slug))
    attempts = quiz_rules.attempts_of(current_user.id, state.course.id)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    question_count = db.session.scalar(select(func.count()).select_from(Question).where(
        Question.course_id == state.course.id, Question.retired_at.is_(None)))
    return render_template("learn/quiz_intro.html", state=state, attempts=attempts, open_attempt=open_attempt,
                           blockers=[] if open_attempt else quiz_rules.quiz_blockers(state, attempts),
                           question_count=question_count)


@bp.route("/<slug>/quiz/start", methods=["POST"])
def quiz_start(slug: str):
    state = _state(_course(slug))
    try:
        attempt = quiz_rules.open_attempt(current_user.id, state)
    except LearningError as error:
        return _refused(error, url_for(".quiz", slug=slug))
    db.session.commit()
    return redirect(url_for(".attempt", slug=slug, number=attempt.number))


@bp.route("/<slug>/quiz/<int:number>", methods=["GET", "POST"])
def attempt(slug: str, number: int):
    course_row = _course(slug)
    state = _state(course_row)
    if request.method == "POST":
        try:
            submission = quiz_rules.submit_attempt(
                current_user.id, current_user.display_name, current_user.region, state, number,
                request.form.to_dict(flat=False))
        except LearningError as error:
            db.session.rollback()
            if error.code == NOT_FOUND:
                abort(404)
            flash(error.message, "error")
            return _attempt_page(state, number, chosen=request.form.to_dict(flat=False), status=422)
        db.session.commit()
        if not submission.recorded:
            flash(_("This quiz attempt was already submitted. Here is its result."), "info")
        return redirect(url_for(".attempt", slug=slug, number=number))
    return _attempt_page(state, number)


def _attempt_page(state: CourseState, number: int, chosen: dict | None = None, status: int = 200):
    row = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == current_user.id, QuizAttempt.course_id == state.course.id,
        QuizAttempt.number == number))
    if row is None:
        abort(404)
    questions = quiz_rules.questions_of(row)
    if row.submitted_at is None:
        return render_template("learn/quiz.html", state=state, attempt=row, questions=questions,
                               chosen=chosen or {}), status
    lessons = {lesson.key: lesson for lesson in db.session.scalars(
        select(Lesson).where(Lesson.course_id == state.course.id))}
    certificate = db.session.scalar(select(Certificate).where(Certificate.attempt_id == row.id))
    attempts = quiz_rules.attempts_of(current_user.id, state.course.id)
    return render_template("learn/quiz_result.html", state=state, attempt=row, total=len(questions),
                           review=[lessons[k] for k in row.review or [] if k in lessons], certificate=certificate,
                           blockers=quiz_rules.quiz_blockers(state, attempts))


@bp.route("/certificates/<number>.pdf")
def certificate_download(number: str):
    certificate = certificate_by_number(number)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    if certificate.revocation is not None:
        flash(_("This certificate has been revoked, so it can no longer be downloaded."), "error")
        return redirect(url_for(".mine"))
    locale, number, certificate_id = current_language(), certificate.number, certificate.id
    data = stored_certificate_pdf(certificate_id, locale)
    if data is None:  # not rendered yet (the job that renders it at issue has not run): render it here
        data = render_certificate_pdf(certificate, locale)
        # The rendering read in a plain transaction; storing takes the write lock at BEGIN and waits for it,
        # rather than failing at once because another process wrote while this one rendered.
        begin_writing()
        store_certificate_pdf(certificate_id, locale, data)
        db.session.commit()
    return attachment(data, "application/pdf", f"certificate-{number}.pdf")


@bp.route("/media/<sha256>.<extension>")
def media(sha256: str, extension: str):
    """Lesson images and videos, by content hash: immutable, cacheable for a year, with range requests."""
    row = db.session.scalar(select(Media).where(Media.sha256 == sha256))
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.set_etag(sha256)
    cache_forever(response)
    if row.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response.make_conditional(request, accept_ranges=True, complete_length=row.size)


@verify_bp.route("/", methods=["GET"])
def lookup():
    number = request.args.get("number", "").strip()
    if number:
        return redirect(url_for(".certificate", number=number))
    return render_template("verify/lookup.html")


@verify_bp.route("/<number>")
def certificate(number: str):
    found = certificate_by_number(number) if len(number) <= 40 else None
    if found is None:
        return render_template("verify/unknown.html", number=number[:40]), 404
    now = utcnow()
    return render_template("verify/certificate.html", certificate=found, status=found.status(now),
                           course_title=translated(found.course.title, found.course))
