"""Attendance marks (one per enrolment and half-day slot) and trainers' sign-offs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.models import User
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment
from training.enums import LabelledEnum, labels
from training.extensions import db, enum_type, utcnow


class MarkStatus(LabelledEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def counts_as_attended(self) -> bool:
        """Present and late count towards hours attended; absent and excused do not."""
        return self in (MarkStatus.PRESENT, MarkStatus.LATE)


MARK_STATUS_LABELS = labels({
    MarkStatus.PRESENT: _l("Present"),
    MarkStatus.LATE: _l("Late"),
    MarkStatus.ABSENT: _l("Absent"),
    MarkStatus.EXCUSED: _l("Excused"),
})


class MarkMethod(LabelledEnum):
    TRAINER = "trainer"
    SELF_CHECKIN = "self_checkin"
    ADMIN = "admin"
    API = "api"


class AttendanceMark(db.Model):
    """A learner's attendance in one half-day slot."""

    __tablename__ = "attendance_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id"), index=True)
    enrolment_id: Mapped[int]
    slot_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[MarkStatus] = mapped_column(enum_type(MarkStatus, "mark_status"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    method: Mapped[MarkMethod] = mapped_column(enum_type(MarkMethod, "mark_method"))
    marked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the learner checked in themselves, or was seen arriving.
    checked_in_at: Mapped[datetime | None]

    # Both relationships write session_id; the composite keys guarantee they agree.
    enrolment: Mapped[Enrolment] = relationship(overlaps="slot")
    slot: Mapped[Slot] = relationship(overlaps="enrolment")
    marked_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "slot_id"),
        # Both composite keys carry session_id, so a mark can never tie an enrolment
        # of one session to a slot of another.
        sa.ForeignKeyConstraint(
            ["enrolment_id", "session_id"],
            ["enrolments.id", "enrolments.session_id"],
            name="fk_attendance_marks_enrolment_session",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id", "session_id"],
            ["slots.id", "slots.session_id"],
            name="fk_attendance_marks_slot_session",
            ondelete="CASCADE",
        ),
    )


class SlotSignoff(db.Model):
    """A trainer's signature closing the roll of a slot."""

    __tablename__ = "slot_signoffs"

    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    signed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    slot: Mapped[Slot] = relationship()
    signed_by: Mapped[User] = relationship()
