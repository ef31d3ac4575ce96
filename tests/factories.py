"""factory_boy factories for the models; bound to the app's session by the `ctx` fixture."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from werkzeug.security import generate_password_hash

from training.accounts.models import LearnerCategory, Role, User, UserRole
from training.catalogue.models import Course, CourseFormat, CourseSession, CourseStatus, Level, Slot, Track
from training.certificates.models import Certificate
from training.enrolment.models import Enrolment, EnrolmentStatus

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    """One scrypt hash of PASSWORD, computed once: hashing per user would slow the suite."""
    return generate_password_hash(PASSWORD, method="scrypt")


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None
        sqlalchemy_session_persistence = "commit"


def bind(session) -> None:
    """Point every factory at the given SQLAlchemy session."""
    for cls in BaseFactory.__subclasses__():
        cls._meta.sqlalchemy_session = session


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="fr_FR")
    organisation = "Genethon"
    category = LearnerCategory.EMPLOYEE
    locale = "en"
    password_hash = factory.LazyFunction(password_hash)
    email_confirmed_at = factory.LazyFunction(lambda: datetime.now(UTC))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        names = extracted if extracted is not None else ["learner"]
        self.roles = [UserRole(role=Role(name)) for name in names]


PARIS = ZoneInfo("Europe/Paris")


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), PARIS).astimezone(UTC)


class CourseFactory(BaseFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Thérapie génique, module {n}")
    track = Track.RESEARCH
    level = Level.INTERMEDIATE
    language = "fr"
    format = CourseFormat.IN_PERSON
    summary = "Un cours pratique du biocluster GenoTher."
    objectives = "Décrire les étapes du procédé\nAppliquer les bonnes pratiques"
    prerequisites = "Bases de biologie moléculaire"
    audience = "Chercheurs et ingénieurs"
    duration_hours = Decimal("7")
    price_eur = Decimal("900")
    teaching_methods = "Cours et travaux pratiques"
    assessment = "QCM en fin de session"
    accessibility = "Contactez notre référent handicap"
    contact = "formation@genother.example"
    status = CourseStatus.PUBLISHED


class SessionFactory(BaseFactory):
    """A session of one day (two half-day slots), by default in three weeks."""

    class Meta:
        model = CourseSession
        exclude = ("day",)

    course = factory.SubFactory(CourseFactory)
    day = factory.LazyFunction(lambda: date.today() + timedelta(days=21))
    place = "Genopole Campus 1, Evry"
    capacity = 12
    starts_at = factory.LazyAttribute(lambda o: paris(o.day, 9))
    ends_at = factory.LazyAttribute(lambda o: paris(o.day, 17))
    enrolment_deadline = factory.LazyAttribute(lambda o: o.starts_at - timedelta(days=3))
    cancellation_deadline = factory.LazyAttribute(lambda o: o.starts_at - timedelta(days=2))

    @factory.post_generation
    def slots(self, create, extracted, **kwargs):
        if extracted is not None:
            self.slots = extracted
        else:
            day = self.starts_at.astimezone(PARIS).date()
            self.slots = [
                Slot(starts_at=paris(day, 9), ends_at=paris(day, 12, 30), hours=Decimal("3.5")),
                Slot(starts_at=paris(day, 13, 30), ends_at=paris(day, 17), hours=Decimal("3.5")),
            ]
        if create:  # post-generation comes after factory_boy's own commit
            SessionFactory._meta.sqlalchemy_session.commit()


def enrol(
    session: CourseSession,
    user: User,
    status: EnrolmentStatus = EnrolmentStatus.CONFIRMED,
    at: datetime | None = None,
    **fields,
) -> Enrolment:
    """An enrolment written as the enrolment services leave it: made `at` (default now), with the
    timestamp its status requires, and the session's seat counter kept in step."""
    at = at or datetime.now(UTC)
    stamps = {
        "confirmed_at": at if status is EnrolmentStatus.CONFIRMED else None,
        "waitlisted_at": at if status is EnrolmentStatus.WAITLISTED else None,
    }
    enrolment = Enrolment(session=session, user=user, status=status, created_at=at, **{**stamps, **fields})
    SessionFactory._meta.sqlalchemy_session.add(enrolment)
    session.seats_taken += status is EnrolmentStatus.CONFIRMED
    SessionFactory._meta.sqlalchemy_session.commit()
    return enrolment


def certify(
    enrolment: Enrolment, issued_by: User, code: str, serial: str, pdf: bytes = b"%PDF-1.7", **fields
) -> Certificate:
    """A stored certificate of `enrolment` for a 7-hour session, its fingerprint that of `pdf` (committed)."""
    fields = {"hours_attended": Decimal("7"), "hours_scheduled": Decimal("7"), "locale": "en", **fields}
    fields.setdefault("sha256", hashlib.sha256(pdf).hexdigest())
    certificate = Certificate(code=code, serial=serial, enrolment=enrolment, issued_by=issued_by, pdf=pdf, **fields)
    SessionFactory._meta.sqlalchemy_session.add(certificate)
    SessionFactory._meta.sqlalchemy_session.commit()
    return certificate


def signed_in_id(user) -> str:
    """The cookie identity of a new server-side session of `user`, as signing in opens one (committed)."""
    from training.accounts import sessions
    from training.extensions import db

    sessions.start(user)
    db.session.commit()
    return user.get_id()
