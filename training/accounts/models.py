"""Users, their roles and their API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from training.enums import LabelledEnum
from training.extensions import Model, enum_type, utcnow


class Role(LabelledEnum):
    """What a person may do; a person may hold several roles."""

    LEARNER = "learner", _l("Learner")
    TRAINER = "trainer", _l("Trainer")
    ADMIN = "admin", _l("Administrator")


class LearnerCategory(LabelledEnum):
    """The trainee categories of the yearly BPF return."""

    EMPLOYEE = "employee", _l("Employee")
    JOB_SEEKER = "job_seeker", _l("Job seeker")
    SELF_FUNDED = "self_funded", _l("Self-funded individual")
    STUDENT = "student", _l("Student")
    OTHER = "other", _l("Other")


class User(UserMixin, Model):
    """A person: learner, trainer, admin, or several of these."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (the CHECK below), so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    category: Mapped[LearnerCategory] = mapped_column(
        enum_type(LearnerCategory, "learner_category"), default=LearnerCategory.EMPLOYEE
    )
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr", server_default="fr")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Cookies made before server-side sessions carried it; no longer read (see `UserSession`).
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    # Secret part of the learner's private calendar feed URL.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan", lazy="selectin")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("locale IN ('fr', 'en')", name="locale_known"),
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    # The secret key of the server-side session this object was loaded for (or signed in with).
    if TYPE_CHECKING:  # declared apart: SQLAlchemy would take an annotated attribute for a column
        session_key: str | None
    session_key = None  # a plain attribute, not a column

    def get_id(self) -> str:
        """The cookie's identity: the user's id and the key of their server-side session (`UserSession`).

        Signing out ends that session's row, so the session cookie and the remember-me cookie,
        which both carry this value, stop working at once, even copied elsewhere.
        """
        return f"{self.id}:{self.session_key or ''}"

    # Passwords
    @staticmethod
    def hash_password(password: str) -> str:
        """A scrypt hash of `password` (Werkzeug's default method), as `password_hash` holds it."""
        return generate_password_hash(password, method="scrypt")

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of `password`."""
        self.password_hash = self.hash_password(password)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches; always False for an account with no password yet."""
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    # Roles
    @property
    def role_set(self) -> set[Role]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds any of `roles`."""
        return bool(self.role_set.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_trainer(self) -> bool:
        return self.has_role(Role.TRAINER)


class UserRole(Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class UserSession(Model):
    """One signed-in browser: ended by signing out, from the profile, by "sign out everywhere",
    a password change or reset, or deactivation. Only a hash of its key is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))

    user: Mapped[User] = relationship()


class ApiToken(Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # "read" or "read write": a read-only token is refused on every request that changes something.
    scopes: Mapped[str] = mapped_column(sa.String(20), default="read write", server_default="read write")

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def can_write(self) -> bool:
        return "write" in self.scopes.split()

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its owner may still sign in."""
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.user.is_active_account
        )
