"""Courses as imported from files, and each learner's progress, attempts and certificates.

Learners are referred to by the foreign key "users.id" only: the learning platform never imports
the application's user model. Translatable content is stored as JSON objects keyed by language.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.database import Model, enum_type, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

#: Text in several languages: {"en": "...", "nl": "..."}.
Translated = dict[str, Any]


class Course(Model):
    """A course as last imported from `courses/<slug>/`. Never deleted: progress and certificates refer to it."""

    __tablename__ = "lms_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: Languages the content exists in; the first is shown to people whose language is not among them.
    languages: Mapped[list[str]] = mapped_column(JSON)
    #: Region codes the course is offered in (opaque to the learning platform).
    regions: Mapped[list[str]] = mapped_column(JSON)
    title: Mapped[Translated] = mapped_column(JSON)
    description: Mapped[Translated] = mapped_column(JSON)
    quiz_title: Mapped[Translated] = mapped_column(JSON)
    certifies: Mapped[bool]
    validity_months: Mapped[int | None]
    #: Percent of questions right needed to pass.
    pass_mark: Mapped[int]
    #: Attempts in a row before the cooldown applies.
    max_attempts: Mapped[int]
    cooldown_hours: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    #: SHA-256 of the imported files: an unchanged folder is not imported again.
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[CourseModule]] = relationship(
        order_by="CourseModule.position", back_populates="course", lazy="raise")
    lessons: Mapped[list[Lesson]] = relationship(order_by="Lesson.position", back_populates="course", lazy="raise")


class CourseModule(Model):
    """A group of lessons. `retired_at` is set when the module left the manifest."""

    __tablename__ = "lms_modules"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    #: The stable id from the manifest.
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[Translated] = mapped_column(JSON)
    retired_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="modules")


class Lesson(Model):
    """A text or video lesson. Its `version` changes when its content does, and progress is per version."""

    __tablename__ = "lms_lessons"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("lms_modules.id"))
    key: Mapped[str] = mapped_column(String(80))
    #: Order in the whole course.
    position: Mapped[int]
    title: Mapped[Translated] = mapped_column(JSON)
    #: HTML rendered from the Markdown at import, per language.
    body: Mapped[Translated] = deferred(mapped_column(JSON, nullable=False))
    #: A video lesson's stored video per language, as media references (media:<sha256>.<extension>), like the body;
    #: a lesson with one video for all languages has the same reference under each. NULL for a text lesson.
    videos: Mapped[Translated | None] = mapped_column(JSON(none_as_null=True))
    #: The length of the video, the same in every language (the import checks each WebM's).
    duration_seconds: Mapped[float | None]
    required: Mapped[bool] = mapped_column(default=True)
    #: A short hash of the content; a new version must be completed again.
    version: Mapped[str] = mapped_column(String(16))
    retired_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(back_populates="lessons")
    module: Mapped[CourseModule] = relationship()

    @property
    def is_video(self) -> bool:
        return self.videos is not None


class QuestionKind(StrEnum):
    """`single`: exactly one option is right. `multiple`: all right options and no wrong one must be chosen."""

    SINGLE = "single"
    MULTIPLE = "multiple"


class Question(Model):
    """A question of a course's final quiz. The right answers never leave the server."""

    __tablename__ = "lms_questions"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, name="kind", length=10))
    #: The key of the lesson to review when the answer is wrong.
    review_lesson_key: Mapped[str] = mapped_column(String(80))
    prompt: Mapped[Translated] = mapped_column(JSON)
    #: {"en": ["option", ...], ...}
    options: Mapped[Translated] = mapped_column(JSON)
    #: Indexes of the right options.
    correct: Mapped[list[int]] = mapped_column(JSON)
    retired_at: Mapped[datetime | None]


class Media(Model):
    """An image or video of a lesson, stored by content hash so every app server can serve it."""

    __tablename__ = "lms_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


class Enrollment(Model):
    """A learner's place in a course: where they left off, so any device can continue there."""

    __tablename__ = "lms_enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lms_lessons.id"))
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the learner first passed the quiz.
    completed_at: Mapped[datetime | None]


class LessonProgress(Model):
    """One learner's progress on one version of a lesson. Rows are never deleted.

    PII: none beyond the learner id.
    """

    __tablename__ = "lms_lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id"))
    version: Mapped[str] = mapped_column(String(16))
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The latest time the lesson was shown: the start of the current visit.
    last_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    seconds_spent: Mapped[int] = mapped_column(default=0)
    #: Video lessons: merged [start, end] seconds ranges the browser reported as played.
    watched: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    reported_at: Mapped[datetime | None]


class QuizAttempt(Model):
    """One attempt at a course's final quiz, stored with its question order and the answers given."""

    __tablename__ = "lms_quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "number"),
        # At most one open attempt per learner and course, so two tabs share one attempt.
        Index("uq_lms_quiz_attempts_open", "user_id", "course_id", unique=True,
              sqlite_where=text("submitted_at IS NULL"), postgresql_where=text("submitted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    #: 1, 2, 3 ... per learner and course.
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    #: Question ids in the order shown in this attempt.
    question_ids: Mapped[list[int]] = mapped_column(JSON)
    #: {question id: [option indexes in the order shown]}.
    option_orders: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    #: {question id: [chosen option indexes]} once submitted.
    answers: Mapped[dict[str, list[int]] | None] = mapped_column(JSON)
    score: Mapped[int | None]
    passed: Mapped[bool | None]
    #: Lesson keys to review, from the questions answered wrong.
    review: Mapped[list[str] | None] = mapped_column(JSON)


class CertificateStatus(LabelledEnum):
    """`valid`: issued, not expired, not revoked. `expired`: past its expiry date.
    `revoked`: withdrawn by staff (see CertificateRevocation); revocation wins over expiry."""

    # Translators: status of a certificate: issued, not expired, not revoked.
    VALID = "valid", _l("Valid")
    EXPIRED = "expired", _l("Expired")
    REVOKED = "revoked", _l("Revoked")


class Certificate(Model):
    """Proof that a learner passed a certifying course.

    PII: the holder's name as it was when the certificate was issued (printed and shown on the
    public verification page).
    """

    __tablename__ = "lms_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, unguessable, shown on the PDF and in the verification URL.
    number: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"))
    #: One certificate per passing attempt, however often the quiz is submitted.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lms_quiz_attempts.id"), unique=True)
    holder_name: Mapped[str] = mapped_column(String(210))
    #: The learner's region when issued: it decides the paper size.
    region: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    reminded_60_at: Mapped[datetime | None]
    reminded_14_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship(lazy="joined")
    revocation: Mapped[CertificateRevocation | None] = relationship(lazy="joined", back_populates="certificate")

    def status(self, now: datetime) -> CertificateStatus:
        if self.revocation is not None:
            return CertificateStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


class CertificateRevocation(Model):
    """Staff withdrew a certificate: who, when and why."""

    __tablename__ = "lms_certificate_revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("lms_certificates.id"), unique=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)

    certificate: Mapped[Certificate] = relationship(back_populates="revocation")


class CertificatePdf(Model):
    """A certificate rendered once per language, so downloads never run WeasyPrint again."""

    __tablename__ = "lms_certificate_pdfs"
    __table_args__ = (UniqueConstraint("certificate_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("lms_certificates.id"))
    locale: Mapped[str] = mapped_column(String(8))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
