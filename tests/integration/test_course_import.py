"""`flask lms import`: validation that names the file and the problem, idempotence, new versions."""

from __future__ import annotations

import hashlib
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.database import db
from installer_portal.commissioning.rules import zs_limit
from lms import webm
from lms.importer import read_course
from lms.models import Course, Lesson, LessonProgress, Question
from tests.helpers import log_in, make_user
from tests.learning import COURSES, SLUG, VIDEO_LESSON, complete_text, finish_lessons, lesson_url

ROOT = Path(__file__).parents[2]
PLAIN_VIDEO = 'video = "media/proving-dead.webm"'
PER_LANGUAGE_VIDEOS = ('video.en = "media/proving-dead.webm"\n  video.nl = "media/proving-dead.webm"\n'
                       '  video.nb = "media/proving-dead.webm"')
#: An EBML Void element: appended to a WebM file it makes another file that plays the same.
VOID = b"\xec\x81\x00"
LANGUAGES = ("en", "nl", "nb")


@pytest.fixture
def courses(tmp_path) -> Path:
    """A copy of the test courses that a test may edit."""
    shutil.copytree(COURSES, tmp_path / "courses")
    return tmp_path / "courses"


def manifest(courses: Path) -> Path:
    return courses / SLUG / "course.toml"


def run_import(app, path: Path):
    return app.test_cli_runner().invoke(args=["lms", "import", str(path)])


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Course, Lesson, Question))


def test_importing_twice_changes_nothing(app, courses):
    first = run_import(app, courses)
    assert first.exit_code == 0, first.output
    assert f"{SLUG}: imported" in first.output
    with app.app_context():
        imported_at = db.session.scalar(select(Course.imported_at))
    second = run_import(app, courses)
    assert f"{SLUG}: unchanged" in second.output
    assert counts(app) == (1, 4, 4)
    with app.app_context():
        assert db.session.scalar(select(Course.imported_at)) == imported_at


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: (c / SLUG / "lessons" / "rcd-test.nb.md").unlink(),
     r"rcd-test\.nb\.md: missing the 'nb' translation of lesson 'rcd-test'"),
    (lambda c: _edit(manifest(c), 'id = "rcd-test"', 'id = "safe-isolation"'),
     r"course\.toml: duplicate id 'safe-isolation'"),
    (lambda c: _edit(manifest(c), "correct = [2]", "correct = [3]"),
     r"course\.toml: quiz question 'rcd-button': answer index 3 is out of range \(3 options, indexes 0 to 2\)"),
    (lambda c: _edit(manifest(c), 'prompt.nl = "Wat moet een aardlekschakelaar van 30 mA doen bij 30 mA?"\n', ""),
     r"quiz question 'rcd-trip' prompt: missing the 'nl' translation"),
    (lambda c: _edit(manifest(c), 'review = "rcd-test"', 'review = "no-such-lesson"', count=1),
     r"'review' must name a lesson id of this course"),
    (lambda c: _edit(manifest(c), "pass_mark = 75", "pass_mark = 175"), r"'pass_mark' must be a whole percentage"),
    (lambda c: _edit(manifest(c), "[title]", "[title"), r"course\.toml: cannot be read"),
    (lambda c: (c / SLUG / "media" / "proving-dead.webm").unlink(), r"the media file 'media/proving-dead.webm'"),
    (lambda c: _edit(c / SLUG / "lessons" / "safe-isolation.en.md", "](media/diagram.svg)", "](../../secret.svg)"),
     r"safe-isolation\.en\.md: '\.\./\.\./secret\.svg' must be a file in media/"),
    (lambda c: (c / SLUG / "media" / "diagram.svg").write_text('<svg onload="alert(1)"></svg>'),
     r"diagram\.svg: SVG images may not hold scripts"),
    (lambda c: _edit(manifest(c), "kind = \"multiple\"", "kind = \"several\""), r"kind must be 'single' or 'multiple'"),
    (lambda c: _edit(manifest(c), "correct = [0, 2]", "correct = [0, 1, 2]"),
     r"quiz question 'tester-check': a 'multiple' question needs at least one wrong option"),
    (lambda c: _edit(manifest(c), "certifies = true", "certifies = true\nvalidty_months = 3"),
     r"unknown setting 'validty_months'"),
    (lambda c: _edit(manifest(c), PLAIN_VIDEO, 'video.en = "media/proving-dead.webm"\n'
                                               '  video.nl = "media/proving-dead.webm"'),
     r"course\.toml: lesson 'proving-dead': missing the 'nb' video \(video\.nb = "),
    (lambda c: _edit(manifest(c), PLAIN_VIDEO, PER_LANGUAGE_VIDEOS + '\n  video.de = "media/proving-dead.webm"'),
     r"lesson 'proving-dead': 'video\.de' is not one of the course's languages"),
    (lambda c: _edit(manifest(c), PLAIN_VIDEO, "video = 3"),
     r"lesson 'proving-dead': 'video' must be a file in media/, or one per language"),
    (lambda c: _edit(manifest(c), "duration_seconds = 40.0", "duration_seconds = 30.0"),
     r"lesson 'proving-dead': 'media/proving-dead\.webm' lasts 40\.0 s, but 'duration_seconds' is 30\.0"),
])
def test_a_broken_course_names_the_file_and_problem_and_imports_nothing(app, courses, change, message):
    change(courses)
    result = run_import(app, courses)
    assert result.exit_code != 0
    assert re.search(message, result.output), result.output
    assert "nothing was imported" in result.output
    assert counts(app) == (0, 0, 0)


def test_a_lesson_can_have_one_video_per_language(app, client, courses):
    nb_video = courses / SLUG / "media" / "proving-dead.nb.webm"
    nb_video.write_bytes((courses / SLUG / "media" / "proving-dead.webm").read_bytes() + VOID)
    _edit(manifest(courses), PLAIN_VIDEO, PER_LANGUAGE_VIDEOS.replace("proving-dead.webm\"\n  video.nb = \"media/"
                                                                      "proving-dead.webm", "proving-dead.webm\"\n"
                                                                      "  video.nb = \"media/proving-dead.nb.webm"))
    videos = next(lesson.videos for lesson in read_course(courses / SLUG).lessons if lesson.key == VIDEO_LESSON)
    assert videos is not None
    assert videos["en"] == videos["nl"] != videos["nb"]
    assert videos["nb"] == f"media:{hashlib.sha256(nb_video.read_bytes()).hexdigest()}.webm"


def test_one_video_for_all_languages_is_stored_under_each_and_keeps_its_version(courses):
    lessons = {lesson.key: lesson for lesson in read_course(courses / SLUG).lessons}
    video = f"media:{hashlib.sha256((courses / SLUG / 'media' / 'proving-dead.webm').read_bytes()).hexdigest()}.webm"
    assert lessons[VIDEO_LESSON].videos == {"en": video, "nl": video, "nb": video}
    assert lessons["safe-isolation"].videos is None
    # The version is computed from the one reference, as before lessons could have a video per language, so
    # progress on the video lessons already imported is kept.
    lesson = lessons[VIDEO_LESSON]
    fingerprint = repr((sorted(lesson.body.items()), sorted(lesson.title.items()), video, 40.0, True))
    assert lesson.version == hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def test_one_broken_course_stops_the_whole_import(app, courses):
    shutil.copytree(courses / SLUG, courses / "second-course")
    (courses / "second-course" / "lessons" / "rcd-test.en.md").unlink()
    result = run_import(app, courses)
    assert "second-course/lessons/rcd-test.en.md" in result.output
    assert counts(app) == (0, 0, 0)


def test_raw_html_in_a_lesson_is_shown_as_text(app, courses):
    _edit(courses / SLUG / "lessons" / "safe-isolation.en.md", "Text of", '<script>alert(1)</script> Text of')
    spec = read_course(courses / SLUG)
    body = next(lesson.body["en"] for lesson in spec.lessons if lesson.key == "safe-isolation")
    assert "<script>" not in body
    assert "&lt;script&gt;" in body


def test_a_new_version_keeps_progress_on_unchanged_lessons(app, client, courses):
    run_import(app, courses)
    log_in(client, make_user(app, with_profile=True))
    finish_lessons(client)
    _edit(courses / SLUG / "lessons" / "rcd-test.nl.md", "Text of", "Changed text of")
    _edit(manifest(courses), '''  [[modules.lessons]]
  id = "further-reading"''', '''  [[modules.lessons]]
  id = "new-lesson"
  title.en = "New"
  title.nl = "Nieuw"
  title.nb = "Ny"

  [[modules.lessons]]
  id = "further-reading"''')
    for language in ("en", "nl", "nb"):
        (courses / SLUG / "lessons" / f"new-lesson.{language}.md").write_text("New lesson text.")
    result = run_import(app, courses)
    assert f"{SLUG}: imported" in result.output, result.output
    html = client.get(f"/learn/{SLUG}/").get_data(as_text=True)
    done = re.findall(r'<li class="done[^"]*">\s*<a href="/learn/safety-basics/lessons/([\w-]+)"', html)
    assert done == ["safe-isolation", "proving-dead"]
    assert client.get(f"/learn/{SLUG}/continue").headers["Location"] == lesson_url("rcd-test")
    with app.app_context():
        # The completion of the old version is kept, not deleted.
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 3


def test_a_lesson_removed_from_the_manifest_is_retired_and_its_progress_kept(app, client, courses):
    run_import(app, courses)
    log_in(client, make_user(app, with_profile=True))
    complete_text(client, "safe-isolation")
    remove_first_lesson(courses)
    assert run_import(app, courses).exit_code == 0
    assert client.get(lesson_url("safe-isolation")).status_code == 404
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.key == "safe-isolation"))
        assert lesson.retired_at is not None
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_a_lesson_put_back_into_the_manifest_is_active_again_with_its_progress(app, client, courses):
    run_import(app, courses)
    log_in(client, make_user(app, with_profile=True))
    complete_text(client, "safe-isolation")
    original = manifest(courses).read_text()
    remove_first_lesson(courses)
    run_import(app, courses)
    manifest(courses).write_text(original)
    assert run_import(app, courses).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Lesson.retired_at).where(Lesson.key == "safe-isolation")) is None
    assert client.get(lesson_url("safe-isolation")).status_code == 200
    assert 'class="done' in client.get(f"/learn/{SLUG}/").get_data(as_text=True)


@pytest.mark.parametrize("slug", ["ac-installation-eu", "level2-nec-na"])
def test_the_real_courses_are_valid_and_big_enough(slug):
    spec = read_course(ROOT / "courses" / slug)
    assert len(spec.modules) >= 3
    assert len(spec.lessons) >= 8
    assert len(spec.questions) >= 12
    assert spec.settings["pass_mark"] == 80
    assert spec.settings["certifies"] is True
    expected = ["en", "nl", "nb"] if slug.endswith("-eu") else ["en"]
    assert spec.settings["languages"] == expected
    assert {q.kind for q in spec.questions} == {"single", "multiple"}


def test_the_eu_course_shows_each_language_its_own_figures():
    """Figures carry words (RCD, MCB, EVSE in English), so nl and nb lessons point at their own translated
    files, and the Norwegian earthing figure has the IT panel that most Norwegian homes need."""
    spec = read_course(ROOT / "courses" / "ac-installation-eu")
    lessons = {lesson.key: lesson for lesson in spec.lessons}
    for key in ("earthing-systems", "load-management", "pen-loss-outdoor"):
        figures = {language: re.findall(r'src="(media:[^"]+)"', body) for language, body in lessons[key].body.items()}
        assert len({tuple(sources) for sources in figures.values()}) == 3, key
    earthing_nb = re.search(r'src="media:([0-9a-f]+)', lessons["earthing-systems"].body["nb"])
    assert earthing_nb is not None
    figure = spec.media[earthing_nb.group(1)][1].decode()
    assert ">IT</text>" in figure
    assert "Jordfeil-" in figure
    assert "EVSE" not in figure


def test_the_eu_commissioning_video_exists_in_each_language_and_lasts_its_duration():
    """The generated videos (media-src/commissioning_tests_video.py): real WebM files, one per language, each as
    long as the manifest says, and small enough for a phone on a site's mobile data."""
    course = ROOT / "courses" / "ac-installation-eu"
    lesson = next(lesson for module in tomllib.loads((course / "course.toml").read_text())["modules"]
                  for lesson in module["lessons"] if lesson["id"] == "commissioning-tests")
    assert lesson["video"] == {language: f"media/commissioning-tests.{language}.webm" for language in LANGUAGES}
    files = {language: (course / reference).read_bytes() for language, reference in lesson["video"].items()}
    assert len(set(files.values())) == 3
    for language, data in files.items():
        assert data[:4] == b"\x1a\x45\xdf\xa3", language          # the EBML header
        assert b"webm" in data[:40], language
        assert webm.duration_seconds(data) == pytest.approx(lesson["duration_seconds"], abs=0.05), language
        assert len(data) < 250_000, language


def test_the_eu_course_gives_the_zs_limit_the_commissioning_check_uses():
    """Course, video and app agree: a B32's Zs limit is 1.37 Ω (0.95 × 230 V / 160 A), never the 1.44 Ω
    without the voltage factor, written with each language's decimal separator."""
    course = ROOT / "courses" / "ac-installation-eu"
    limit = str(zs_limit("B", 32))
    assert limit == "1.37"
    paths = [course / "course.toml", *course.glob("lessons/*.md"), *course.glob("media-src/*.toml")]
    texts = {path.name: " ".join(path.read_text().split()) for path in paths}
    assert [name for name, text in texts.items() if "1.44" in text or "1,44" in text] == []
    assert f"B32: **{limit} Ω**" in texts["commissioning-tests.en.md"]
    for language in ("nl", "nb"):
        assert f"B32: **{limit.replace('.', ',')} Ω**" in texts[f"commissioning-tests.{language}.md"]
    slides = tomllib.loads((course / "media-src" / "commissioning-tests.slides.toml").read_text())["slides"]
    zs_lines = {language: " ".join(line for slide in slides for line in slide["lines"][language])
                for language in LANGUAGES}
    assert f"B32: Zs ≤ {limit} Ω" in zs_lines["en"]
    assert f"B32: Zs ≤ {limit.replace('.', ',')} Ω" in zs_lines["nl"]
    assert f"B32: {limit.replace('.', ',')} Ω" in zs_lines["nb"]
    assert "230 V IT: L\N{EN DASH}L 230 V" in zs_lines["nb"]


def test_the_real_courses_import_together(app):
    result = run_import(app, ROOT / "courses")
    assert result.exit_code == 0, result.output
    assert counts(app)[0] == 2


def remove_first_lesson(courses: Path) -> None:
    """Take the lesson "safe-isolation" out of the manifest (its quiz question reviews another lesson)."""
    text = manifest(courses).read_text()
    start = text.index('  [[modules.lessons]]\n  id = "safe-isolation"')
    end = text.index('  [[modules.lessons]]\n  id = "proving-dead"')
    manifest(courses).write_text(text[:start] + text[end:].replace('review = "safe-isolation"', 'review = "rcd-test"'))


def _edit(path: Path, old: str, new: str, count: int = -1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
