"""The catalog and the course player: access, order of lessons, completion, resuming, video reports."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from core.database import db, utcnow
from lms.importer import import_courses
from lms.models import Enrollment, LessonProgress
from tests.helpers import log_in, make_user, statements_for, user_row
from tests.learning import (
    COURSE_URL,
    COURSES,
    SLUG,
    VIDEO_LESSON,
    complete_text,
    finish_lessons,
    import_test_course,
    lesson_url,
    report,
    watch_video,
)


def progress_rows(app, email):
    with app.app_context():
        user_id = user_row(app, email).id
        return db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id)).all()


def test_catalog_needs_a_complete_profile(app, client):
    import_test_course(app)
    log_in(client, make_user(app))
    response = client.get("/learn/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/profile")


def test_catalog_needs_a_confirmed_email(app, client):
    import_test_course(app)
    log_in(client, make_user(app, unconfirmed=True, with_profile=True))
    response = client.get("/learn/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/confirm-email"


def test_catalog_lists_the_courses_of_the_learners_region_with_status(client, learner):
    html = client.get("/learn/").get_data(as_text=True)
    assert 'data-course="safety-basics"' in html
    assert 'data-status="not_started"' in html
    assert "0% done" in html


def test_a_course_of_another_region_is_not_offered(app, client):
    import_test_course(app)
    log_in(client, make_user(app, with_profile=True, region="na", country="US", phone="+12025550123"))
    assert 'data-course="safety-basics"' not in client.get("/learn/").get_data(as_text=True)
    assert client.get(COURSE_URL).status_code == 404
    assert client.get(lesson_url("safe-isolation")).status_code == 404


def test_start_opens_the_first_lesson(client, learner):
    response = client.get(f"/learn/{SLUG}/continue")
    assert response.headers["Location"] == lesson_url("safe-isolation")


def test_lessons_are_shown_in_the_learners_language(app, client):
    import_test_course(app)
    log_in(client, make_user(app, with_profile=True, locale="nb"))
    html = client.get(lesson_url("safe-isolation")).get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Sikker frakobling" in html
    assert "Text of safe-isolation in nb." in html


def test_continue_resumes_where_the_learner_left_off_on_another_device(app, client, learner):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    other = app.test_client()
    from tests.conftest import PortalClient

    phone = PortalClient(other)
    log_in(phone, learner)
    assert phone.get(f"/learn/{SLUG}/continue").headers["Location"] == lesson_url(VIDEO_LESSON)


def test_a_lesson_after_an_unfinished_required_lesson_is_locked(app, client, learner):
    response = client.get(lesson_url("rcd-test"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/learn/{SLUG}/continue"
    follow = client.get(lesson_url("safe-isolation")).get_data(as_text=True)
    assert "Complete the earlier lessons first." in follow
    assert complete_text(client, "rcd-test").status_code == 302
    assert [row.lesson_id for row in progress_rows(app, learner) if row.completed_at] == []


def test_continuing_past_a_text_lesson_completes_it_and_moves_on(app, client, learner):
    client.get(lesson_url("safe-isolation"))
    response = complete_text(client, "safe-isolation")
    assert response.headers["Location"] == lesson_url(VIDEO_LESSON)
    rows = progress_rows(app, learner)
    assert len(rows) == 1
    assert rows[0].completed_at is not None
    # Continuing again is harmless: still one row.
    complete_text(client, "safe-isolation")
    assert len(progress_rows(app, learner)) == 1


def test_the_player_answers_json_for_background_saving(client, learner):
    client.get(lesson_url("safe-isolation"))
    response = complete_text(client, "safe-isolation", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json == {"next": lesson_url(VIDEO_LESSON)}


def test_time_spent_is_counted_per_visit_and_capped(app, client, learner):
    client.get(lesson_url("safe-isolation"))
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        complete_text(client, "safe-isolation")
    with time_machine.travel(utcnow() + timedelta(hours=5), tick=False):
        client.get(lesson_url("safe-isolation"))
    with time_machine.travel(utcnow() + timedelta(hours=9), tick=False):
        complete_text(client, "safe-isolation")
    (row,) = progress_rows(app, learner)
    # 4 minutes, then a visit of 4 hours counted as 30 minutes.
    assert 4 * 60 + 30 * 60 - 5 <= row.seconds_spent <= 4 * 60 + 30 * 60 + 60


def test_a_video_lesson_needs_ninety_percent_watched(client, learner):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    response = complete_text(client, VIDEO_LESSON, headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "90%" in response.json["error"]


def test_a_video_watched_at_a_plausible_pace_completes_the_lesson(client, learner):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    start = utcnow()
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        first = report(client, VIDEO_LESSON, [[0, 20]])
    assert first.json == {"complete": False, "share": 0.5}
    with time_machine.travel(start + timedelta(seconds=37), tick=False):
        second = report(client, VIDEO_LESSON, [[0, 20], [20, 36.5]])
    assert second.json["complete"] is True
    assert complete_text(client, VIDEO_LESSON).headers["Location"] == lesson_url("rcd-test")


def test_back_to_back_video_reports_cannot_add_up_to_more_than_real_time(app, client, learner):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    start = utcnow()
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert report(client, VIDEO_LESSON, [[0, 20]]).status_code == 200
    with time_machine.travel(start + timedelta(seconds=12), tick=False):
        response = report(client, VIDEO_LESSON, [[0, 38]])
    assert response.status_code == 422
    assert response.json["error"].startswith("Only the parts of the video you have watched count.")
    assert [r.watched for r in progress_rows(app, learner) if r.watched] == [[[0.0, 20.0]]]


def test_a_video_claimed_watched_too_fast_is_refused(app, client, learner):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        response = report(client, VIDEO_LESSON, [[0, 40]])
    assert response.status_code == 422
    assert "Only the parts of the video you have watched count." in response.json["error"]
    video_rows = [r for r in progress_rows(app, learner) if r.watched]
    assert video_rows == []


@pytest.mark.parametrize("ranges", [
    "all of it", [[0]], [[5, 2]], [[-1, 3]], [[0, 500]], [["0", "3"]], [[True, 3]], [[0, 1]] * 101, None,
])
def test_malformed_video_reports_are_refused(client, learner, ranges):
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    response = report(client, VIDEO_LESSON, ranges)
    assert response.status_code == 422
    assert response.json["error"] == "We could not record what you watched. Reload the page and try again."


def test_a_video_report_for_a_text_lesson_or_unknown_lesson_is_refused(client, learner):
    client.get(lesson_url("safe-isolation"))
    assert report(client, "safe-isolation", [[0, 3]]).status_code == 422
    assert report(client, "no-such-lesson", [[0, 3]]).status_code == 404


def test_a_report_for_a_lesson_of_a_course_not_offered_is_refused(app, client, learner):
    assert report(client, VIDEO_LESSON, [[0, 3]], slug="another-course").status_code == 404


def test_a_lesson_of_one_course_cannot_be_reported_or_completed_through_another(app, client, learner, tmp_path):
    other = tmp_path / "other-course"
    shutil.copytree(COURSES / SLUG, other)
    (other / "lessons" / f"{VIDEO_LESSON}.en.md").rename(other / "lessons" / "other-video.en.md")
    for language in ("nl", "nb"):
        (other / "lessons" / f"{VIDEO_LESSON}.{language}.md").rename(other / "lessons" / f"other-video.{language}.md")
    manifest = other / "course.toml"
    manifest.write_text(manifest.read_text().replace(f'"{VIDEO_LESSON}"', '"other-video"'))
    with app.app_context():
        import_courses(other)
        db.session.commit()
    complete_text(client, "safe-isolation")
    client.get(lesson_url(VIDEO_LESSON))
    response = report(client, VIDEO_LESSON, [[0, 3]], slug="other-course")
    assert response.status_code == 404
    assert response.json == {"error": "This lesson is not part of this course."}
    assert complete_text(client, VIDEO_LESSON, slug="other-course").status_code == 404
    assert progress_rows(app, learner)[-1].watched == []


def test_refusals_are_translated(app, client):
    import_test_course(app)
    log_in(client, make_user(app, with_profile=True, locale="nl"))
    client.get(lesson_url("safe-isolation"))
    response = report(client, "safe-isolation", [[0, 3]])
    assert response.json == {"error": "Deze les heeft geen video."}


def test_a_tampered_lesson_id_shows_not_found(client, learner):
    assert client.get(lesson_url("../../etc")).status_code == 404
    assert client.get(lesson_url("safe-isolation%00")).status_code == 404
    assert client.get(lesson_url("x" * 500)).status_code == 404


def test_finishing_all_required_lessons_leads_to_the_quiz(app, client, learner):
    finish_lessons(client)
    assert client.get(f"/learn/{SLUG}/continue").headers["Location"] == f"/learn/{SLUG}/quiz"
    html = client.get("/learn/").get_data(as_text=True)
    assert 'data-status="in_progress"' in html
    assert "75% done" in html  # 3 required lessons of 3, the quiz still to pass: 3 of 4 steps
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        assert enrollment.completed_at is None


def test_media_are_served_with_range_requests_and_long_caching(client, learner):
    html = client.get(lesson_url("safe-isolation")).get_data(as_text=True)
    image = re.search(r'src="(/learn/media/[0-9a-f]{64}\.svg)"', html).group(1)
    response = client.get(image)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
    # An SVG opened on its own runs nothing, even if one slipped past the importer's check.
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    complete_text(client, "safe-isolation")
    video_html = client.get(lesson_url(VIDEO_LESSON)).get_data(as_text=True)
    video = re.search(r'src="(/learn/media/[0-9a-f]{64}\.webm)"', video_html).group(1)
    partial = client.get(video, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206
    assert "default-src 'none'" not in partial.headers["Content-Security-Policy"]
    assert len(partial.data) == 100
    assert client.get("/learn/media/" + "0" * 64 + ".webm").status_code == 404


def test_each_learner_gets_the_lesson_video_in_their_language(app, client, other_client, tmp_path):
    """A lesson with `video.<language>`: the Norwegian learner is served the nb file, the English one the en file,
    and watching either completes the lesson."""
    courses = tmp_path / "courses"
    shutil.copytree(COURSES, courses)
    media = courses / SLUG / "media"
    english = (media / "proving-dead.webm").read_bytes()
    norwegian = english + b"\xec\x81\x00"  # an EBML Void element: another file that plays the same
    (media / "proving-dead.nb.webm").write_bytes(norwegian)
    manifest = courses / SLUG / "course.toml"
    manifest.write_text(manifest.read_text().replace(
        'video = "media/proving-dead.webm"', 'video.en = "media/proving-dead.webm"\n'
        '  video.nl = "media/proving-dead.webm"\n  video.nb = "media/proving-dead.nb.webm"'))
    with app.app_context():
        import_courses(courses)
        db.session.commit()
    for person, locale, data in ((client, "nb", norwegian), (other_client, "en", english)):
        log_in(person, make_user(app, with_profile=True, locale=locale))
        complete_text(person, "safe-isolation")
        html = person.get(lesson_url(VIDEO_LESSON)).get_data(as_text=True)
        source = re.search(r'<video [^>]*src="(/learn/media/[0-9a-f]{64}\.webm)"', html).group(1)
        assert source == f"/learn/media/{hashlib.sha256(data).hexdigest()}.webm", locale
        assert person.get(source).data == data
        assert watch_video(person).json["complete"] is True


def test_video_progress_survives_a_reload(client, learner):
    complete_text(client, "safe-isolation")
    watch_video(client)
    html = client.get(lesson_url(VIDEO_LESSON)).get_data(as_text=True)
    assert 'data-complete="true"' in html


def test_the_player_reads_without_the_write_lock_and_writes_briefly(app, client, learner):
    """On SQLite one writer at a time: the page's reads must not hold the lock, only the visit's UPDATE."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    client.get(lesson_url("safe-isolation"))
    statements = [statement.split()[0] + (" IMMEDIATE" if "IMMEDIATE" in statement else "")
                  for statement in statements_for(app, client, lesson_url("safe-isolation"))]
    first_write = statements.index("BEGIN IMMEDIATE")
    assert statements[0] == "BEGIN"
    assert all(s == "SELECT" for s in statements[1:first_write])
    assert statements[first_write + 1:] == ["UPDATE"]
