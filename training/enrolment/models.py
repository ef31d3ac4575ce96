"""A learner's enrolment in a session."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.models import User
from training.catalogue.models import CourseSession
from training.enums import LabelledEnum
from training.extensions import Model, enum_type, utcnow


class EnrolmentStatus(LabelledEnum):
    PENDING_APPROVAL = "pending_approval", _l("Awaiting approval")
    CONFIRMED = "confirmed", _l("Confirmed")
    WAITLISTED = "waitlisted", _l("Waitlisted")
    CANCELLED = "cancelled", _l("Cancelled")
    REJECTED = "rejected", _l("Rejected")

    @property
    def is_active(self) -> bool:
        """Whether the learner holds, awaits or is in line for a seat (not cancelled or rejected)."""
        return self in (EnrolmentStatus.PENDING_APPROVAL, EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED)


class Enrolment(Model):
    """One learner in one session; its history lives in the audit log."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_type(EnrolmentStatus, "enrolment_status"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the learner joined the waitlist: the waitlist is served in this order.
    waitlisted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    prerequisites_acknowledged_at: Mapped[datetime | None]
    # The admin who enrolled the learner on their behalf, when it was not the learner.
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The hours of the half-days marked present or late, kept by database triggers as the marks
    # are written (training/attendance/totals.py), for the figures that add up thousands of them.
    # A Python object does not see a trigger's change: query the column, never read it here.
    hours_attended: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), default=0, server_default="0")

    session: Mapped[CourseSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id"),
        # Target of the attendance marks' composite foreign key.
        sa.UniqueConstraint("id", "session_id"),
        sa.CheckConstraint("status != 'waitlisted' OR waitlisted_at IS NOT NULL", name="waitlisted_has_time"),
        sa.CheckConstraint("status != 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"),
        sa.CheckConstraint("hours_attended >= 0", name="hours_attended_not_negative"),
        sa.Index("ix_enrolments_waitlist", "session_id", "status", "waitlisted_at"),
        # A session's confirmed learners with their hours (and the BPF's learners), read from the
        # index alone on PostgreSQL.
        sa.Index(
            "ix_enrolments_session_status_hours",
            "session_id",
            "status",
            postgresql_include=["hours_attended", "user_id"],
        ),
        # The requests awaiting approval, oldest first, without reading every enrolment.
        sa.Index(
            "ix_enrolments_pending",
            "created_at",
            "id",
            postgresql_where=sa.text("status = 'pending_approval'"),
            sqlite_where=sa.text("status = 'pending_approval'"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} {self.status.value}>"
