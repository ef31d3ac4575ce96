"""factory_boy factories for the models; bound to the app's session by the `ctx` fixture."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import factory
from werkzeug.security import generate_password_hash

from training.accounts.models import LearnerCategory, Role, User, UserRole

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
    locale = "fr"
    password_hash = factory.LazyFunction(password_hash)
    email_confirmed_at = factory.LazyFunction(lambda: datetime.now(UTC))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        names = extracted if extracted is not None else ["learner"]
        self.roles = [UserRole(role=Role(name)) for name in names]
