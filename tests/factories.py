"""Test data factories. Rows are committed, as the app would commit them.

Each factory leaves the rows the app would hold after the step it stands for, built with the app's
models, and with its services where a service is simply how the data comes to be (granting a role,
confirming a commissioning). Call them inside an application context; tests/helpers.py and
tests/commissioning.py have helpers that do so and return plain values.

The way there through the pages (lessons, quiz, invitation mail, setup form, wizard) is walked by the
tests of those flows: test_invitations.py, test_learning_*.py, test_commissioning.py and the browser
journeys. Every other test starts here.
"""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory
from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from core.database import db, get_or_create, utcnow
from installer_portal.accounts.models import Role, RoleGrant, User
from installer_portal.accounts.passwords import hash_password
from installer_portal.accounts.services import grant_role
from installer_portal.accounts.tokens import hash_token
from installer_portal.commissioning.models import Commissioning, CommissioningPhoto, PhotoKind
from installer_portal.commissioning.services import confirm_commissioning
from installer_portal.invitations.models import InstallerAccount, Invitation
from installer_portal.invitations.services import INVITATION_LIFETIME, TERMS_VERSION
from installer_portal.markets import Region
from installer_portal.stations.models import Station
from lms.certificates import add_months, new_certificate_number
from lms.importer import import_courses
from lms.models import (
    Certificate,
    CertificateRevocation,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
)
from tests.learning import COURSES, SLUG

PASSWORD = "correct horse battery staple"


@cache
def _hashed_password(parameters: str) -> str:
    return hash_password(PASSWORD)


def _password_hash() -> str:
    """PASSWORD hashed once per set of Argon2 parameters (a test may set others with @pytest.mark.config)."""
    return _hashed_password(repr(current_app.config.get("ARGON2_PARAMETERS")))


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(_Factory):
    """A confirmed learner in Europe with the password PASSWORD; traits for the other states."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password_hash = factory.LazyFunction(_password_hash)
    region = Region.EUROPE
    locale = "en"
    email_confirmed_at = factory.LazyFunction(utcnow)

    class Params:
        unconfirmed = factory.Trait(email_confirmed_at=None)
        with_profile = factory.Trait(
            first_name="Kari", last_name="Nordmann", phone="+4740612345", country="NO",
            profile_completed_at=factory.LazyFunction(utcnow),
        )
        support = factory.Trait(role_grants=factory.LazyFunction(lambda: [RoleGrant(role=Role.SUPPORT)]))


# Learning ---------------------------------------------------------------------------------------


class CourseFactory(_Factory):
    """A certifying course with no lessons and no questions: what a certificate needs to refer to.

    Every factory that needs a course shares this one (same slug). For lessons and a quiz, use
    `imported_course()`: the test course in tests/data/courses.
    """

    class Meta:
        model = Course
        sqlalchemy_get_or_create = ("slug",)

    slug = "installer-certification"
    languages = factory.LazyFunction(lambda: ["en", "nl", "nb"])
    regions = factory.LazyFunction(lambda: [region.value for region in Region])
    title = factory.LazyFunction(lambda: {"en": "Installer certification", "nl": "Installateurscertificering",
                                          "nb": "Montørsertifisering"})
    description = factory.LazyFunction(lambda: {"en": "Safe installation of charging stations."})
    quiz_title = factory.LazyFunction(lambda: {"en": "Final quiz"})
    certifies = True
    validity_months = 24
    pass_mark = 75
    max_attempts = 3
    cooldown_hours = 24
    content_hash = "0" * 64


def imported_course(slug: str = SLUG) -> Course:
    """The test course (tests/data/courses), imported by the app's importer if it is not there yet."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        import_courses(COURSES)
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == slug))
    return course


def _next_attempt_number(user_id: int, course_id: int) -> int:
    latest = db.session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id == course_id))
    return (latest or 0) + 1


def _questions(course_id: int) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.course_id == course_id,
                                                          Question.retired_at.is_(None))
                                   .order_by(Question.position)))


class QuizAttemptFactory(_Factory):
    """A submitted attempt at the course's quiz, every answer right (`failed=True`: every answer wrong).

    As the app requires before a quiz, the learner is enrolled and completed the required lessons; a
    passing attempt completes the enrollment (as lms.quiz.submit_attempt does). No certificate: that is
    CertificateFactory.
    """

    class Meta:
        model = QuizAttempt
        exclude = ("user", "course", "questions")

    user = factory.SubFactory(UserFactory, with_profile=True)
    course = factory.SubFactory(CourseFactory)
    user_id = factory.SelfAttribute("user.id")
    course_id = factory.SelfAttribute("course.id")
    number = factory.LazyAttribute(lambda o: _next_attempt_number(o.user_id, o.course_id))
    submitted_at = factory.LazyFunction(utcnow)
    started_at = factory.LazyAttribute(lambda o: o.submitted_at - timedelta(minutes=10))
    questions = factory.LazyAttribute(lambda o: _questions(o.course_id))
    question_ids = factory.LazyAttribute(lambda o: [question.id for question in o.questions])
    option_orders = factory.LazyAttribute(
        lambda o: {str(question.id): list(range(len(question.options["en"]))) for question in o.questions})
    answers = factory.LazyAttribute(lambda o: {
        str(question.id): sorted(question.correct) if o.passed
        else [next(i for i in range(len(question.options["en"])) if i not in question.correct)]
        for question in o.questions})
    passed = True
    score = factory.LazyAttribute(lambda o: 100 if o.passed else 0)
    review = factory.LazyAttribute(lambda o: [] if o.passed else sorted({q.review_lesson_key for q in o.questions}))

    class Params:
        failed = factory.Trait(passed=False)

    @factory.post_generation
    def progress(attempt, create, extracted, **kwargs):
        """The lessons done before the quiz, and the enrollment (completed by a pass)."""
        if not create:
            return
        lessons = db.session.scalars(select(Lesson).where(Lesson.course_id == attempt.course_id,
                                                          Lesson.retired_at.is_(None), Lesson.required))
        for lesson in lessons:
            get_or_create(LessonProgress, {"user_id": attempt.user_id, "lesson_id": lesson.id,
                                           "version": lesson.version},
                          first_opened_at=attempt.started_at, last_opened_at=attempt.started_at,
                          completed_at=attempt.started_at,
                          watched=[[0, lesson.duration_seconds]] if lesson.is_video else [])
        enrollment, _created = get_or_create(Enrollment, {"user_id": attempt.user_id, "course_id": attempt.course_id},
                                             started_at=attempt.started_at, last_active_at=attempt.submitted_at)
        if attempt.passed and enrollment.completed_at is None:
            enrollment.completed_at = attempt.submitted_at
        db.session.commit()


class CertificateFactory(_Factory):
    """A certified learner: the passing attempt and the certificate it earned, valid for the course's validity.

    `user=` and `course=` for a given person and course. Traits: `expired` (passed 25 months ago),
    `revoked` (withdrawn by staff). The app's certificate_issued signal is not sent, so there is no
    invitation: add an InvitationFactory.
    """

    class Meta:
        model = Certificate
        exclude = ("user", "passed_at", "attempt")

    user = factory.SubFactory(UserFactory, with_profile=True)
    course = factory.SubFactory(CourseFactory)
    passed_at = factory.LazyFunction(utcnow)
    attempt = factory.SubFactory(QuizAttemptFactory, user=factory.SelfAttribute("..user"),
                                 course=factory.SelfAttribute("..course"),
                                 submitted_at=factory.SelfAttribute("..passed_at"))
    user_id = factory.SelfAttribute("user.id")
    attempt_id = factory.SelfAttribute("attempt.id")
    number = factory.LazyFunction(new_certificate_number)
    holder_name = factory.LazyAttribute(lambda o: o.user.display_name)
    region = factory.LazyAttribute(lambda o: o.user.region.value)
    issued_at = factory.SelfAttribute("attempt.submitted_at")
    expires_at = factory.LazyAttribute(
        lambda o: add_months(o.issued_at, o.course.validity_months) if o.course.validity_months else None)
    revocation = factory.Maybe(
        "revoked", yes_declaration=factory.LazyFunction(lambda: CertificateRevocation(reason="Exam fraud")),
        no_declaration=None)

    class Params:
        revoked = False
        expired = factory.Trait(passed_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=25 * 31)))


# Installers -------------------------------------------------------------------------------------


class InvitationFactory(_Factory):
    """A pending invitation sent for a certificate, as invitations.services.issue_invitation leaves it, without
    its mail. `.token` is the link's raw token and `.link` the path the mail would carry.

    `certificate__user=` for a given person. Traits: used, expired, revoked, superseded.
    """

    class Meta:
        model = Invitation
        exclude = ("certificate",)

    certificate = factory.SubFactory(CertificateFactory)
    certificate_id = factory.SelfAttribute("certificate.id")
    user = factory.LazyAttribute(lambda o: db.session.get(User, o.certificate.user_id))
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    created_at = factory.SelfAttribute("certificate.issued_at")
    expires_at = factory.LazyAttribute(lambda o: o.created_at + INVITATION_LIFETIME)

    class Params:
        used = factory.Trait(used_at=factory.SelfAttribute("created_at"))
        expired = factory.Trait(created_at=factory.LazyFunction(lambda: utcnow() - INVITATION_LIFETIME
                                                               - timedelta(days=1)))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(utcnow), revoke_reason="Wrong address")
        superseded = factory.Trait(superseded_at=factory.LazyFunction(utcnow))

    @classmethod
    def _create(cls, model_class, *args, token: str, **kwargs):
        invitation = super()._create(model_class, *args, token_hash=hash_token(token), **kwargs)
        invitation.token = token
        invitation.link = f"/invitation/{token}"
        return invitation


class InstallerAccountFactory(_Factory):
    """The installer account set up with a (used) invitation, and the installer role that comes with it."""

    class Meta:
        model = InstallerAccount
        exclude = ("invitation",)

    invitation = factory.SubFactory(InvitationFactory, used=True)
    invitation_id = factory.SelfAttribute("invitation.id")
    user_id = factory.SelfAttribute("invitation.user_id")
    business_name = "Nordmann Elektro AS"
    terms_version = TERMS_VERSION
    terms_accepted_at = factory.SelfAttribute("invitation.used_at")
    created_at = factory.SelfAttribute("invitation.used_at")

    @factory.post_generation
    def role(account, create, extracted, **kwargs):
        if create:
            grant_role(db.session.get(User, account.user_id), Role.INSTALLER)
            db.session.commit()


class InstallerFactory(UserFactory):
    """A certified installer: a person with a profile, their certificate, the invitation it brought (used),
    their InstallerAccount and the installer role. Options of the certificate go with `certificate__`, e.g.
    `InstallerFactory(certificate__expired=True)`; `certificate=` an existing one.
    """

    first_name = "Kari"
    last_name = "Nordmann"
    phone = "+4740612345"
    country = "NO"
    profile_completed_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def certificate(user, create, extracted, **kwargs):
        if create:
            certificate = extracted or CertificateFactory(user=user, **kwargs)
            InstallerAccountFactory(invitation__certificate=certificate)


# Stations and commissioning ---------------------------------------------------------------------


class StationFactory(_Factory):
    """A station from the manufacturer's registry, in stock."""

    class Meta:
        model = Station

    serial = factory.Sequence(lambda n: f"EVP-22-{900000 + n:06d}")
    mac = factory.Sequence(lambda n: "02:00:5E:" + ":".join(f"{n >> shift & 0xFF:02X}" for shift in (16, 8, 0)))
    model = "Wallbox Pro 22"
    rated_power_kw = Decimal("22.0")
    connectors = 2
    manufactured_on = date(2026, 8, 14)


@cache
def _photo() -> tuple[bytes, int, int]:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), (128, 126, 120)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue(), 160, 120


class CommissioningPhotoFactory(_Factory):
    """A photo from site, as stored: a small JPEG without EXIF."""

    class Meta:
        model = CommissioningPhoto

    kind = PhotoKind.STATION
    jpeg = factory.LazyFunction(lambda: _photo()[0])
    width = factory.LazyFunction(lambda: _photo()[1])
    height = factory.LazyFunction(lambda: _photo()[2])


def _confirm(commissioning: Commissioning, create: bool, extracted, **kwargs) -> None:
    if create:
        confirm_commissioning(commissioning, commissioning.installer)
        db.session.commit()


class CommissioningFactory(_Factory):
    """An installer's draft for a station with the location, the installation and passing tests saved (next: photos).

    `with_photo=True`: one photo too, so the draft is ready to confirm. `completed=True`: confirmed with
    commissioning.services.confirm_commissioning, which commissions the station and stores and mails the report.
    """

    class Meta:
        model = Commissioning

    station = factory.SubFactory(StationFactory)
    installer = factory.SubFactory(InstallerFactory)
    site_name = "Hansen, driveway"
    street = "Storgata 1"
    postal_code = "0155"
    city = "Oslo"
    country = factory.LazyAttribute(lambda o: o.installer.country)
    latitude = Decimal("59.913868")
    longitude = Decimal("10.752245")
    accuracy_m = 8
    parking_bay = "P3"
    location_saved_at = factory.LazyFunction(utcnow)
    breaker_a = 32
    max_current_a = 32
    phases = 3
    earthing = "TN-C-S"
    supply_v = 400
    breaker_curve = "B"
    rcd_type = "type_a_6ma"
    network = "wifi"
    access = "private"
    installation_saved_at = factory.LazyFunction(utcnow)
    continuity_ohm = Decimal("0.22")
    insulation_mohm = Decimal("299")
    loop_impedance_ohm = Decimal("0.45")
    rcd_trip_ms = 24
    rcd_trip_ma = Decimal("22.5")
    dc_6ma_ok = True
    phase_rotation_ok = True
    instrument = "Fluke 1664 FC, 12345678"
    tests_saved_at = factory.LazyFunction(utcnow)

    class Params:
        with_photo = False
        completed = factory.Trait(with_photo=True)

    photo = factory.Maybe("with_photo", yes_declaration=factory.RelatedFactory(
        CommissioningPhotoFactory, factory_related_name="commissioning"))
    confirmed = factory.Maybe("completed", yes_declaration=factory.PostGeneration(_confirm))
