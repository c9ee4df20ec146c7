"""Loads courses from `courses/<slug>/` (manifest + Markdown per language) into the database.

Everything is validated before anything is written, so a broken folder imports nothing. Re-importing
is idempotent; content that left the manifest is retired, never deleted (see courses/README.md).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import markdown
from sqlalchemy import select

from core.database import db, utcnow
from core.errors import Refusal
from core.i18n import LANGUAGES

from . import webm
from .models import Course, CourseModule, Lesson, Media, Question, QuestionKind

#: How stored lessons refer to media: media:<sha256>.<extension>, turned into a URL when a page is rendered,
#: so the stored text does not depend on where the application mounts its routes.
MEDIA_SCHEME = "media:"
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp", ".webm": "video/webm", ".mp4": "video/mp4"}
VIDEO_SUFFIXES = {".webm", ".mp4"}
#: How far a WebM's declared length may differ from the manifest's `duration_seconds` (encoders round the end).
DURATION_TOLERANCE = 0.5
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_COURSE_KEYS = {"languages", "regions", "certifies", "validity_months", "pass_mark", "position", "attempts",
                "title", "description", "modules", "quiz"}
_UNSAFE_SVG = re.compile(rb"<script|javascript:|<foreignObject|\son[a-z]+\s*=", re.IGNORECASE)


class CourseImportError(Refusal):
    """The course files have problems; `problems` names each file and what is wrong with it (for the operator
    who imports them, in English: course files are not something a learner sees)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems), code="invalid_course")
        self.problems = problems


@dataclass
class LessonSpec:
    key: str
    module_key: str
    title: dict[str, str]
    body: dict[str, str]
    required: bool
    #: language -> media reference; the same reference in every language when the lesson has one video.
    videos: dict[str, str] | None
    duration: float | None
    version: str = ""


@dataclass
class QuestionSpec:
    key: str
    kind: QuestionKind
    review: str
    prompt: dict[str, str]
    options: dict[str, list[str]]
    correct: list[int]


@dataclass
class CourseSpec:
    slug: str
    content_hash: str
    settings: dict[str, Any]
    modules: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    questions: list[QuestionSpec] = field(default_factory=list)
    #: sha256 -> (content type, bytes)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class ImportResult:
    slug: str
    changed: bool


def import_courses(root: Path) -> list[ImportResult]:
    """Validate every course folder under `root` (or `root` itself if it is one), then import them all.

    :raises CourseImportError: listing every problem found; nothing has been written.
    """
    folders = [root] if (root / "course.toml").is_file() else sorted(
        p for p in root.iterdir() if p.is_dir() and (p / "course.toml").is_file())
    if not folders:
        raise CourseImportError([f"{root}: no course folders (a folder with a course.toml) found"])
    specs, problems = [], []
    for folder in folders:
        try:
            specs.append(read_course(folder))
        except CourseImportError as error:
            problems.extend(error.problems)
    if problems:
        raise CourseImportError(problems)
    return [_store(spec) for spec in specs]


def read_course(folder: Path) -> CourseSpec:
    """Read and validate one course folder.

    :raises CourseImportError: with every problem found.
    """
    reader = _Reader(folder)
    spec = reader.read()
    if reader.problems:
        raise CourseImportError(reader.problems)
    return spec


class _Reader:
    """Collects problems instead of stopping at the first, so authors fix a folder in one pass."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.manifest = folder / "course.toml"
        self.problems: list[str] = []
        self.languages: list[str] = []
        self.hasher = hashlib.sha256()
        self.media: dict[str, tuple[str, bytes]] = {}
        self.media_urls: dict[str, str] = {}

    def problem(self, where: Path | str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def read(self) -> CourseSpec:
        slug = self.folder.name
        spec = CourseSpec(slug=slug, content_hash="", settings={})
        if not _ID.match(slug):
            self.problem(self.folder, "the folder name must be lower-case letters, digits and hyphens")
        try:
            raw = self.manifest.read_bytes()
            data = tomllib.loads(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            self.problem(self.manifest, f"cannot be read: {error}")
            return spec
        self.hasher.update(raw)
        for key in sorted(set(data) - _COURSE_KEYS):
            self.problem(self.manifest, f"unknown setting '{key}'")
        self.languages = self._languages(data.get("languages"))
        spec.settings = self._settings(data)
        lesson_keys: set[str] = set()
        module_keys: set[str] = set()
        modules = data.get("modules")
        if not isinstance(modules, list) or not modules:
            self.problem(self.manifest, "there must be at least one [[modules]] with lessons")
            modules = []
        for number, module in enumerate(modules, 1):
            key = self._key(module, f"module {number}", module_keys)
            spec.modules.append((key, self._texts(module.get("title"), f"module '{key}' title")))
            lessons = module.get("lessons")
            if not isinstance(lessons, list) or not lessons:
                self.problem(self.manifest, f"module '{key}' has no [[modules.lessons]]")
                continue
            for lesson in lessons:
                spec.lessons.append(self._lesson(lesson, key, lesson_keys))
        spec.questions = self._quiz(data.get("quiz"), lesson_keys, spec.settings)
        spec.media = self.media
        spec.content_hash = self.hasher.hexdigest()
        return spec

    def _languages(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(self.manifest, "'languages' must be a list such as [\"en\", \"nl\", \"nb\"]")
            return ["en"]
        unknown = [v for v in value if v not in LANGUAGES]
        if unknown:
            self.problem(self.manifest, f"unsupported language(s) {', '.join(unknown)}; use {', '.join(LANGUAGES)}")
        if len(set(value)) != len(value):
            self.problem(self.manifest, "a language is listed twice in 'languages'")
        return [v for v in value if v in LANGUAGES] or ["en"]

    def _settings(self, data: dict[str, Any]) -> dict[str, Any]:
        regions = data.get("regions")
        if not isinstance(regions, list) or not regions or not all(isinstance(r, str) and r for r in regions):
            self.problem(self.manifest, "'regions' must be a non-empty list of region codes")
            regions = []
        certifies = data.get("certifies", False)
        if not isinstance(certifies, bool):
            self.problem(self.manifest, "'certifies' must be true or false")
        validity = data.get("validity_months")
        if certifies and not (isinstance(validity, int) and 1 <= validity <= 120):
            self.problem(self.manifest, "a certifying course needs 'validity_months' between 1 and 120")
        pass_mark = data.get("pass_mark")
        if not (isinstance(pass_mark, int) and 1 <= pass_mark <= 100):
            self.problem(self.manifest, "'pass_mark' must be a whole percentage from 1 to 100")
        attempts = data.get("attempts", {})
        max_attempts, cooldown = attempts.get("max", 3), attempts.get("cooldown_hours", 24)
        if not (isinstance(max_attempts, int) and max_attempts >= 1):
            self.problem(self.manifest, "'attempts.max' must be a whole number of at least 1")
        if not (isinstance(cooldown, int) and cooldown >= 0):
            self.problem(self.manifest, "'attempts.cooldown_hours' must be a whole number of hours, 0 or more")
        position = data.get("position", 0)
        if not isinstance(position, int):
            self.problem(self.manifest, "'position' must be a whole number")
        return {
            "languages": self.languages, "regions": regions, "certifies": bool(certifies),
            "validity_months": validity if certifies else None, "pass_mark": pass_mark,
            "max_attempts": max_attempts, "cooldown_hours": cooldown, "position": position,
            "title": self._texts(data.get("title"), "[title]"),
            "description": self._texts(data.get("description"), "[description]"),
            "quiz_title": self._texts((data.get("quiz") or {}).get("title"), "quiz title"),
        }

    def _key(self, table: Any, what: str, seen: set[str]) -> str:
        key = table.get("id") if isinstance(table, dict) else None
        if not isinstance(key, str) or not _ID.match(key):
            self.problem(self.manifest, f"{what} needs an 'id' of lower-case letters, digits and hyphens")
            return f"?{what}"
        if key in seen:
            self.problem(self.manifest, f"duplicate id '{key}'")
        seen.add(key)
        return key

    def _texts(self, value: Any, what: str) -> dict[str, str]:
        value = value if isinstance(value, dict) else {}
        for language in self.languages:
            text_value = value.get(language)
            if not isinstance(text_value, str) or not text_value.strip():
                self.problem(self.manifest, f"{what}: missing the '{language}' translation")
        return {k: v.strip() for k, v in value.items() if k in self.languages and isinstance(v, str)}

    def _lesson(self, table: dict[str, Any], module_key: str, seen: set[str]) -> LessonSpec:
        key = self._key(table, f"a lesson of module '{module_key}'", seen)
        duration = table.get("duration_seconds")
        videos = self._videos(table.get("video"), duration, key)
        required = table.get("required", True)
        if not isinstance(required, bool):
            self.problem(self.manifest, f"lesson '{key}': 'required' must be true or false")
        has_duration = videos is not None and isinstance(duration, int | float)
        spec = LessonSpec(key=key, module_key=module_key, body={}, required=bool(required), videos=videos,
                          title=self._texts(table.get("title"), f"lesson '{key}' title"),
                          duration=float(duration) if has_duration and duration is not None else None)
        for language in self.languages:
            path = self.folder / "lessons" / f"{key}.{language}.md"
            try:
                source = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                self.problem(path, f"missing the '{language}' translation of lesson '{key}'")
                continue
            if not source.strip():
                self.problem(path, "the lesson text is empty")
            self.hasher.update(source.encode())
            spec.body[language] = self._markdown(source, path)
        # A lesson with one video for every language keeps the version it had before videos could differ by language.
        video = (next(iter(videos.values())) if isinstance(table.get("video"), str) else sorted(videos.items())
                 ) if videos else None
        fingerprint = repr((sorted(spec.body.items()), sorted(spec.title.items()), video, spec.duration, spec.required))
        spec.version = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
        return spec

    def _videos(self, video: Any, duration: Any, key: str) -> dict[str, str] | None:
        """A video lesson's stored video per language: `video = "media/…"` is the same file in every language,
        `video.<language> = "media/…"` one file per language. Each WebM must last `duration_seconds`."""
        if video is None:
            return None
        where = f"lesson '{key}'"
        if not (isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0):
            self.problem(self.manifest, f"{where}: a video lesson needs 'duration_seconds'")
            duration = None
        if isinstance(video, str):
            files = dict.fromkeys(self.languages, video)
        elif isinstance(video, dict) and all(isinstance(value, str) for value in video.values()):
            for language in sorted(set(video) - set(self.languages)):
                self.problem(self.manifest, f"{where}: 'video.{language}' is not one of the course's languages")
            for language in self.languages:
                if language not in video:
                    self.problem(self.manifest, f"{where}: missing the '{language}' video "
                                                f"(video.{language} = \"media/<file>.webm\")")
            files = {language: video[language] for language in self.languages if language in video}
        else:
            self.problem(self.manifest, f"{where}: 'video' must be a file in media/, or one per language "
                                        f"(video.en = \"media/<file>.webm\")")
            return None
        urls: dict[str, str] = {}
        for reference in dict.fromkeys(files.values()):
            url = self._media_url(reference, self.manifest)
            if Path(reference).suffix.lower() not in VIDEO_SUFFIXES:
                self.problem(self.manifest, f"{where}: the video '{reference}' must be a .webm or .mp4 file")
            elif url is not None:
                urls[reference] = url
                length = webm.duration_seconds(self.media[url.removeprefix(MEDIA_SCHEME).partition(".")[0]][1])
                if duration and length is not None and abs(length - duration) > DURATION_TOLERANCE:
                    self.problem(self.manifest, f"{where}: '{reference}' lasts {length:.1f} s, but 'duration_seconds' "
                                                f"is {duration}: every video of a lesson must last that long")
        return {language: urls[reference] for language, reference in files.items() if reference in urls}

    def _quiz(self, quiz: Any, lesson_keys: set[str], settings: dict[str, Any]) -> list[QuestionSpec]:
        questions = (quiz or {}).get("questions") if isinstance(quiz, dict) else None
        if not isinstance(questions, list) or not questions:
            self.problem(self.manifest, "the course needs a [quiz] with at least one [[quiz.questions]]")
            return []
        seen: set[str] = set()
        specs = []
        for number, table in enumerate(questions, 1):
            key = self._key(table, f"quiz question {number}", seen)
            where = f"quiz question '{key}'"
            kind = table.get("kind", "single")
            if kind not in set(QuestionKind):
                self.problem(self.manifest, f"{where}: kind must be 'single' or 'multiple'")
                kind = QuestionKind.SINGLE
            review = table.get("review")
            if review not in lesson_keys:
                self.problem(self.manifest, f"{where}: 'review' must name a lesson id of this course, not {review!r}")
            options = table.get("options") if isinstance(table.get("options"), dict) else {}
            counts = set()
            for language in self.languages:
                values = options.get(language)
                if not (isinstance(values, list) and len(values) >= 2 and all(isinstance(v, str) and v.strip()
                                                                                 for v in values)):
                    self.problem(self.manifest, f"{where}: missing the '{language}' options (at least two)")
                else:
                    counts.add(len(values))
            if len(counts) > 1:
                self.problem(self.manifest, f"{where}: the languages have different numbers of options")
            count = min(counts) if counts else 0
            correct = table.get("correct")
            if not (isinstance(correct, list) and correct and all(isinstance(i, int) for i in correct)):
                self.problem(self.manifest, f"{where}: 'correct' must list the right options' indexes, e.g. [1]")
                correct = []
            for index in correct:
                if count and not 0 <= index < count:
                    self.problem(self.manifest, f"{where}: answer index {index} is out of range "
                                                f"({count} options, indexes 0 to {count - 1})")
            if len(set(correct)) != len(correct):
                self.problem(self.manifest, f"{where}: an answer index is listed twice")
            if kind == QuestionKind.SINGLE and len(correct) != 1:
                self.problem(self.manifest, f"{where}: a 'single' question has exactly one right option")
            if kind == QuestionKind.MULTIPLE and count and len(correct) >= count:
                self.problem(self.manifest, f"{where}: a 'multiple' question needs at least one wrong option")
            specs.append(QuestionSpec(
                key=key, kind=QuestionKind(kind), review=str(review),
                prompt=self._texts(table.get("prompt"), f"{where} prompt"),
                options={k: [o.strip() for o in v] for k, v in options.items()
                         if k in self.languages and isinstance(v, list) and all(isinstance(o, str) for o in v)},
                correct=sorted(correct)))
        self.hasher.update(repr(settings).encode())
        return specs

    def _media_url(self, reference: str, where: Path) -> str | None:
        """Read a media file once, store it by content hash and return the reference lessons use for it."""
        if reference in self.media_urls:
            return self.media_urls[reference]
        path = (self.folder / reference).resolve()
        media_dir = (self.folder / "media").resolve()
        suffix = path.suffix.lower()
        if media_dir not in path.parents or suffix not in MEDIA_TYPES:
            self.problem(where, f"'{reference}' must be a file in media/ of type {', '.join(sorted(MEDIA_TYPES))}")
            return None
        try:
            data = path.read_bytes()
        except OSError:
            self.problem(where, f"the media file '{reference}' does not exist")
            return None
        if suffix == ".svg" and _UNSAFE_SVG.search(data):
            self.problem(path, "SVG images may not hold scripts, event handlers or foreignObject")
        digest = hashlib.sha256(data).hexdigest()
        self.hasher.update(digest.encode())
        self.media[digest] = (MEDIA_TYPES[suffix], data)
        url = f"{MEDIA_SCHEME}{digest}{suffix}"
        self.media_urls[reference] = url
        return url

    def _markdown(self, source: str, path: Path) -> str:
        renderer = markdown.Markdown(extensions=["tables", "attr_list", "sane_lists"])
        # Lessons are Markdown, not HTML: raw HTML is shown as text.
        renderer.preprocessors.deregister("html_block")
        renderer.inlinePatterns.deregister("html")
        renderer.treeprocessors.register(_MediaLinks(renderer, self, path), "lms_media", 0)
        return renderer.convert(source)


class _MediaLinks(markdown.treeprocessors.Treeprocessor):
    """Points lesson images at the stored media and checks each has alt text."""

    def __init__(self, md: markdown.Markdown, reader: _Reader, path: Path):
        super().__init__(md)
        self.reader, self.path = reader, path

    def run(self, root: ET.Element) -> None:
        for image in root.iter("img"):
            source = image.get("src", "")
            if not image.get("alt", "").strip():
                self.reader.problem(self.path, f"the image '{source}' needs alt text")
            url = self.reader._media_url(source, self.path)
            if url:
                image.set("src", url)
                image.set("loading", "lazy")


def _assign(row: Any, **values: Any) -> bool:
    """Set only the values that differ, so an unchanged import writes nothing."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _store(spec: CourseSpec) -> ImportResult:
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is not None and course.content_hash == spec.content_hash:
        return ImportResult(spec.slug, changed=False)
    now = utcnow()
    if course is None:
        course = Course(slug=spec.slug, content_hash=spec.content_hash, **spec.settings)
        db.session.add(course)
        db.session.flush()
    else:
        _assign(course, content_hash=spec.content_hash, imported_at=now, **spec.settings)

    known_media = set(db.session.scalars(select(Media.sha256).where(Media.sha256.in_(spec.media))))
    for digest, (content_type, data) in spec.media.items():
        if digest not in known_media:
            db.session.add(Media(sha256=digest, content_type=content_type, size=len(data), data=data))

    _sync(CourseModule, course.id, [(key, {"position": position, "title": title})
                                     for position, (key, title) in enumerate(spec.modules)], now)
    db.session.flush()
    module_ids = dict(db.session.execute(select(CourseModule.key, CourseModule.id)
                                         .where(CourseModule.course_id == course.id)).all())
    _sync(Lesson, course.id, [
        (lesson.key, {"module_id": module_ids[lesson.module_key], "position": position, "title": lesson.title,
                      "body": lesson.body, "videos": lesson.videos, "duration_seconds": lesson.duration,
                      "required": lesson.required, "version": lesson.version})
        for position, lesson in enumerate(spec.lessons)], now)
    _sync(Question, course.id, [
        (question.key, {"position": position, "kind": question.kind, "review_lesson_key": question.review,
                        "prompt": question.prompt, "options": question.options, "correct": question.correct})
        for position, question in enumerate(spec.questions)], now)
    db.session.flush()
    return ImportResult(spec.slug, changed=True)


def _sync(model: Any, course_id: int, items: list[tuple[str, dict[str, Any]]], now: datetime) -> None:
    """Insert new rows, update changed ones, retire the ones no longer in the manifest (never delete)."""
    rows = {row.key: row for row in db.session.scalars(select(model).where(model.course_id == course_id))}
    for key, values in items:
        row = rows.get(key)
        if row is None:
            db.session.add(model(course_id=course_id, key=key, **values))
        else:
            _assign(row, retired_at=None, **values)
    keep = {key for key, _values in items}
    for row in rows.values():
        if row.key not in keep and row.retired_at is None:
            row.retired_at = now
