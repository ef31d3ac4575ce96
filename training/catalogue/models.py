"""Courses, sessions (dated runs of a course) and half-day slots."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.enums import LabelledEnum
from training.extensions import Model, db, enum_type, utcnow
from training.text import fold

if TYPE_CHECKING:
    from training.accounts.models import User


class Track(LabelledEnum):
    RESEARCH = "research", _l("Research")
    BIOMANUFACTURING = "biomanufacturing", _l("Biomanufacturing")
    ENTREPRENEURSHIP = "entrepreneurship", _l("Entrepreneurship")


class Level(LabelledEnum):
    INTRODUCTORY = "introductory", _l("Introductory")
    INTERMEDIATE = "intermediate", _l("Intermediate")
    ADVANCED = "advanced", _l("Advanced")


class CourseFormat(LabelledEnum):
    IN_PERSON = "in_person", _l("In person")
    REMOTE = "remote", _l("Remote")
    HYBRID = "hybrid", _l("Hybrid")


class CourseStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    ARCHIVED = "archived", _l("Archived")


class SessionStatus(LabelledEnum):
    SCHEDULED = "scheduled", _l("Scheduled")
    CANCELLED = "cancelled", _l("Cancelled")


session_trainers = sa.Table(
    "session_trainers",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class Course(Model):
    """A course of the catalogue, with everything a Qualiopi programme page must show."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    track: Mapped[Track] = mapped_column(enum_type(Track, "track"), index=True)
    level: Mapped[Level] = mapped_column(enum_type(Level, "level"))
    language: Mapped[str] = mapped_column(sa.String(5))
    format: Mapped[CourseFormat] = mapped_column(enum_type(CourseFormat, "course_format"))
    summary: Mapped[str] = mapped_column(sa.Text)
    objectives: Mapped[str] = mapped_column(sa.Text)
    prerequisites: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    audience: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    duration_hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    price_eur: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    teaching_methods: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    assessment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    accessibility: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    contact: Mapped[str] = mapped_column(sa.String(320), default="", server_default="")
    access_delay: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Share of the scheduled hours a learner must attend to earn a certificate.
    attendance_threshold: Mapped[Decimal] = mapped_column(
        sa.Numeric(3, 2), default=Decimal("0.80"), server_default="0.80"
    )
    # Bumped when the content changes, so a GMP training record names the version taught.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[CourseStatus] = mapped_column(
        enum_type(CourseStatus, "course_status"), default=CourseStatus.DRAFT, index=True
    )
    # Accent-free, lower-cased title, summary and objectives: the catalogue's search index,
    # kept by `_index_course` below so that every writer (pages, API, CLI) keeps it right.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    sessions: Mapped[list[CourseSession]] = relationship(back_populates="course")

    __table_args__ = (
        sa.CheckConstraint("duration_hours > 0", name="duration_positive"),
        sa.CheckConstraint("price_eur >= 0", name="price_not_negative"),
        sa.CheckConstraint("attendance_threshold > 0 AND attendance_threshold <= 1", name="threshold_fraction"),
        sa.CheckConstraint("language IN ('fr', 'en')", name="language_known"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    @property
    def is_published(self) -> bool:
        return self.status is CourseStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseSession(Model):
    """A dated run of a course, made of half-day slots."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    place: Mapped[str] = mapped_column(sa.String(300))
    capacity: Mapped[int]
    # Confirmed enrolments; kept by the enrolment services under a row lock and checked
    # by the database, so a seat is never sold twice whatever the Python code does.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # First and last instant of the session's slots (denormalised for catalogue queries).
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    enrolment_deadline: Mapped[datetime]
    cancellation_deadline: Mapped[datetime]
    approval_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    what_to_bring: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every change (seats taken included): part of the catalogue cache key.
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=sa.text("CURRENT_TIMESTAMP"), index=True
    )
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)

    course: Mapped[Course] = relationship(back_populates="sessions")
    slots: Mapped[list[Slot]] = relationship(
        back_populates="session", order_by="Slot.starts_at", cascade="all, delete-orphan"
    )
    trainers: Mapped[list[User]] = relationship(secondary=session_trainers)

    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    @property
    def scheduled_hours(self) -> Decimal:
        return sum((slot.hours for slot in self.slots), Decimal("0"))

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} of course {self.course_id}>"


class Slot(Model):
    """A half-day of a session: the unit of attendance (Code du travail R6332-26)."""

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2))
    # Whether the trainer signed the half-day off, kept by database triggers on the sign-offs
    # (training/attendance/totals.py): query it, a Python object does not see a trigger's change.
    signed_off: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    session: Mapped[CourseSession] = relationship(back_populates="slots")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("hours > 0 AND hours <= 12", name="hours_in_range"),
        sa.UniqueConstraint("session_id", "starts_at"),
        # Target of the attendance marks' composite foreign key (slot and enrolment of one session).
        sa.UniqueConstraint("id", "session_id"),
        # Half-days of a period (a year for the BPF, months for the dashboard) are found by start,
        # and the attendance export reads them in this order, streaming from the first one
        # instead of sorting 1.5 million rows first.
        sa.Index("ix_slots_starts_at_id", "starts_at", "id"),
        # The few half-days not signed off, for the dashboard whatever the years of history (counted
        # from the index alone).
        sa.Index(
            "ix_slots_unsigned",
            "ends_at",
            "session_id",
            postgresql_where=sa.text("NOT signed_off"),
            sqlite_where=sa.text("NOT signed_off"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Slot {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"


@sa.event.listens_for(Course, "before_insert")
@sa.event.listens_for(Course, "before_update")
def _index_course(_mapper, _connection, course: Course) -> None:
    course.search_text = fold(" ".join([course.title or "", course.summary or "", course.objectives or ""]))


@sa.event.listens_for(Slot, "after_insert")
@sa.event.listens_for(Slot, "after_update")
@sa.event.listens_for(Slot, "after_delete")
def _touch_session(_mapper, connection, slot: Slot) -> None:
    # A slot's change is a change of its session: the catalogue cache keys on sessions.updated_at.
    sessions = CourseSession.__table__
    connection.execute(sa.update(sessions).where(sessions.c.id == slot.session_id).values(updated_at=utcnow()))
