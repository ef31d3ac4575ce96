"""Attendance marks (one per enrolment and half-day slot) and trainers' sign-offs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from training.accounts.models import User
from training.catalogue.models import CourseSession, Slot
from training.database import append_only
from training.enrolment.models import Enrolment
from training.enums import LabelledEnum
from training.extensions import Model, enum_type, utcnow


class MarkStatus(LabelledEnum):
    PRESENT = "present", _l("Present")
    LATE = "late", _l("Late")
    ABSENT = "absent", _l("Absent")
    EXCUSED = "excused", _l("Excused")

    @property
    def counts_as_attended(self) -> bool:
        """Present and late count towards hours attended; absent and excused do not."""
        return self in (MarkStatus.PRESENT, MarkStatus.LATE)


class MarkMethod(LabelledEnum):
    TRAINER = "trainer", _l("Trainer")
    SELF_CHECKIN = "self_checkin", _l("Self check-in")
    ADMIN = "admin", _l("Training office")
    API = "api", _l("API")

    @property
    def by_learner(self) -> bool:
        """Whether the learner made the mark themselves (it never overrides anyone else's)."""
        return self is MarkMethod.SELF_CHECKIN


class SignatureMethod(LabelledEnum):
    DRAWN = "drawn", _l("drawn signature")
    TYPED = "typed", _l("typed signature")


class SignatureDevice(LabelledEnum):
    """Where the learner signed: their own signed-in device, or the trainer's with their password."""

    OWN = "own", _l("on their own device, signed in")
    TRAINER = "trainer", _l("on the trainer's device, with their password")


class AttendanceMark(Model):
    """A learner's attendance in one half-day slot."""

    __tablename__ = "attendance_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id"), index=True)
    enrolment_id: Mapped[int]
    slot_id: Mapped[int]
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
        # A half-day's marks by status, with their learners, read from the index alone: the roll
        # counts, the dashboard's attendance chart and the BPF never read the table's rows.
        sa.Index("ix_attendance_marks_slot_status_enrolment", "slot_id", "status", "enrolment_id"),
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


class AttendanceSignature(Model):
    """A learner's electronic signature of one half-day (21 CFR 11.50, 11.70).

    It shows who signed (the name as it was), when, and what it means, and carries the SHA-256
    of what was signed (`record_hash`, see `training.attendance.signatures`): a later change of
    the mark no longer matches it, so the signature cannot be moved to another value. Rows are
    only ever inserted (database triggers refuse UPDATE and DELETE).
    """

    __tablename__ = "attendance_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance_marks.id"), index=True)
    signer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(sa.String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    meaning: Mapped[str] = mapped_column(sa.Text)
    method: Mapped[SignatureMethod] = mapped_column(enum_type(SignatureMethod, "signature_method"))
    device: Mapped[SignatureDevice] = mapped_column(enum_type(SignatureDevice, "signature_device"))
    # The drawn strokes ("x,y x,y;x,y ...", integers in a 300 x 100 box), or the typed name.
    drawing: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    typed_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    record_hash: Mapped[str] = mapped_column(sa.String(64))

    mark: Mapped[AttendanceMark] = relationship()
    signer: Mapped[User] = relationship()


class SlotSignoff(Model):
    """A trainer's signature closing the roll of a slot: name, time, meaning, and the hash of the
    roll as it was signed (every mark and learner signature)."""

    __tablename__ = "slot_signoffs"

    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    signed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signer_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    meaning: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    record_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")

    slot: Mapped[Slot] = relationship()
    signed_by: Mapped[User] = relationship()


class AttendanceSheet(Model):
    """One attendance sheet handed out: its bytes, their SHA-256, and the digest of the attendance
    it shows. The same attendance gives back the same stored document; a dropped PDF is
    recognised by its fingerprint on the verification page."""

    __tablename__ = "attendance_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_digest: Mapped[str] = mapped_column(sa.String(64))
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    learners: Mapped[int] = mapped_column(default=0)
    half_days: Mapped[int] = mapped_column(default=0)
    signatures: Mapped[int] = mapped_column(default=0)

    session: Mapped[CourseSession] = relationship()
    generated_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("session_id", "content_digest"),)


# Signatures are never edited nor removed, whatever the code does (as the audit log).
append_only(AttendanceSignature.__table__)
