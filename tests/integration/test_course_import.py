"""`flask lms import`: validation that names the file and the problem, idempotence, new versions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.database import db
from lms.importer import read_course
from lms.models import Course, Lesson, LessonProgress, Question
from tests.helpers import log_in, make_user
from tests.learning import COURSES, SLUG, complete_text, finish_lessons, lesson_url

ROOT = Path(__file__).parents[2]


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
])
def test_a_broken_course_names_the_file_and_problem_and_imports_nothing(app, courses, change, message):
    change(courses)
    result = run_import(app, courses)
    assert result.exit_code != 0
    assert re.search(message, result.output), result.output
    assert "nothing was imported" in result.output
    assert counts(app) == (0, 0, 0)


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
