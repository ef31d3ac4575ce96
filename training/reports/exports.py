"""The rows of the back office's CSV exports: enrolments, attendance and certificates.

Each export covers one scope: a session, a course, or a period of Paris calendar days. For a
period, each export takes its own natural date: the sessions starting in it (enrolments), the
half-days starting in it (attendance) and the certificates issued in it (certificates).
Every export is one query of plain columns, however many rows it returns, read in batches
(a server-side cursor on PostgreSQL) and formatted row by row as the download goes: the query
runs when the rows are asked for, the formatting as they are consumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from training.accounts.models import User
from training.attendance.models import AttendanceMark, SlotSignoff
from training.catalogue.models import Course, CourseSession, Slot
from training.certificates.models import Certificate
from training.csvexport import streamed
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.reports.values import paris_iso, paris_midnight, plain_number


@dataclass(frozen=True)
class Scope:
    """What an export covers: exactly one of a session, a course, or the days `first` to `last`."""

    session_id: int | None = None
    course_id: int | None = None
    first: date | None = None
    last: date | None = None

    @property
    def slug(self) -> str:
        """A file-name part: "session-12", "course-3" or "2026-01-01-to-2026-03-31"."""
        if self.session_id is not None:
            return f"session-{self.session_id}"
        if self.course_id is not None:
            return f"course-{self.course_id}"
        first, last = self.period()
        return f"{first.isoformat()}-to-{last.isoformat()}"

    def period(self) -> tuple[date, date]:
        """The first and last day of a period scope; ValueError for a scope that names no period."""
        if self.first is None or self.last is None:
            raise ValueError("a scope is a session, a course, or a period with both its days")
        return self.first, self.last

    def where(self, period_column) -> sa.ColumnElement[bool]:
        """The condition selecting this scope, `period_column` being the date a period applies to."""
        if self.session_id is not None:
            return CourseSession.id == self.session_id
        if self.course_id is not None:
            return CourseSession.course_id == self.course_id
        first, last = self.period()
        return sa.and_(period_column >= paris_midnight(first), period_column < paris_midnight(last + timedelta(days=1)))


def _value(member) -> str:
    """An enum's stored value ("confirmed"), stable whatever the reader's language; "" for none."""
    return member.value if member is not None else ""


# ---------------------------------------------------------------- enrolments

ENROLMENT_HEADER = (
    "session_id",
    "course",
    "session_start",
    "learner",
    "email",
    "organisation",
    "category",
    "status",
    "enrolled_at",
    "confirmed_at",
    "cancelled_at",
    "decided_by",
    "decision_reason",
)


def enrolment_rows(scope: Scope) -> Iterator[tuple]:
    """Every enrolment of the scope, whatever its status, by session then learner name."""
    decider = aliased(User)
    query = (
        sa.select(
            CourseSession.id,
            Course.title,
            CourseSession.starts_at,
            User.name,
            User.email,
            User.organisation,
            User.category,
            Enrolment.status,
            Enrolment.created_at,
            Enrolment.confirmed_at,
            Enrolment.cancelled_at,
            decider.name,
            Enrolment.decision_reason,
        )
        .select_from(Enrolment)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .join(User, Enrolment.user_id == User.id)
        .outerjoin(decider, Enrolment.decided_by_id == decider.id)
        .where(scope.where(CourseSession.starts_at))
        .order_by(CourseSession.starts_at, CourseSession.id, User.name, Enrolment.id)
    )
    return (
        (
            session_id,
            title,
            paris_iso(start),
            name,
            email,
            organisation,
            _value(category),
            _value(status),
            paris_iso(created),
            paris_iso(confirmed),
            paris_iso(cancelled),
            decided_by or "",
            reason or "",
        )
        for (
            session_id,
            title,
            start,
            name,
            email,
            organisation,
            category,
            status,
            created,
            confirmed,
            cancelled,
            decided_by,
            reason,
        ) in streamed(query)
    )


# ---------------------------------------------------------------- attendance

ATTENDANCE_HEADER = (
    "learner",
    "email",
    "course",
    "half_day_start",
    "half_day_end",
    "hours",
    "status",
    "method",
    "marked_by",
    "marked_at",
    "note",
    "signed_off_by",
)


def attendance_rows(scope: Scope) -> Iterator[tuple]:
    """One row per confirmed enrolment and half-day of the scope, marked or not, by half-day then learner."""
    marker, signer = aliased(User), aliased(User)
    query = (
        sa.select(
            User.name,
            User.email,
            Course.title,
            Slot.starts_at,
            Slot.ends_at,
            Slot.hours,
            AttendanceMark.status,
            AttendanceMark.method,
            marker.name,
            AttendanceMark.marked_at,
            AttendanceMark.note,
            signer.name,
        )
        .select_from(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .join(Slot, Slot.session_id == CourseSession.id)
        .outerjoin(
            AttendanceMark, sa.and_(AttendanceMark.enrolment_id == Enrolment.id, AttendanceMark.slot_id == Slot.id)
        )
        .outerjoin(marker, AttendanceMark.marked_by_id == marker.id)
        .outerjoin(SlotSignoff, SlotSignoff.slot_id == Slot.id)
        .outerjoin(signer, SlotSignoff.signed_by_id == signer.id)
        .where(Enrolment.status == EnrolmentStatus.CONFIRMED, scope.where(Slot.starts_at))
        .order_by(Slot.starts_at, Slot.id, User.name, Enrolment.id)
    )
    return (
        (
            name,
            email,
            title,
            paris_iso(start),
            paris_iso(end),
            plain_number(hours),
            _value(status),
            _value(method),
            marked_by or "",
            paris_iso(marked_at),
            note or "",
            signed_by or "",
        )
        for (
            name,
            email,
            title,
            start,
            end,
            hours,
            status,
            method,
            marked_by,
            marked_at,
            note,
            signed_by,
        ) in streamed(query)
    )


# ---------------------------------------------------------------- certificates

CERTIFICATE_HEADER = (
    "serial",
    "code",
    "learner",
    "email",
    "course",
    "course_version",
    "session_start",
    "version",
    "status",
    "hours_attended",
    "hours_scheduled",
    "issued_at",
    "issued_by",
    "revoked_at",
    "revocation_reason",
    "sha256",
)


def certificate_rows(scope: Scope) -> Iterator[tuple]:
    """Every certificate version of the scope (valid, superseded or revoked), by issue time."""
    learner, issuer = aliased(User), aliased(User)
    query = (
        sa.select(
            Certificate.serial,
            Certificate.code,
            learner.name,
            learner.email,
            Course.title,
            Certificate.course_version,
            CourseSession.starts_at,
            Certificate.version,
            Certificate.status,
            Certificate.hours_attended,
            Certificate.hours_scheduled,
            Certificate.issued_at,
            issuer.name,
            Certificate.revoked_at,
            Certificate.revocation_reason,
            Certificate.sha256,
        )
        .select_from(Certificate)
        .join(Enrolment, Certificate.enrolment_id == Enrolment.id)
        .join(learner, Enrolment.user_id == learner.id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .join(issuer, Certificate.issued_by_id == issuer.id)
        .where(scope.where(Certificate.issued_at))
        .order_by(Certificate.issued_at, Certificate.id)
    )
    return (
        (
            serial,
            code,
            name,
            email,
            title,
            course_version,
            paris_iso(start),
            version,
            _value(status),
            plain_number(attended),
            plain_number(scheduled),
            paris_iso(issued),
            issued_by,
            paris_iso(revoked),
            reason or "",
            sha256,
        )
        for (
            serial,
            code,
            name,
            email,
            title,
            course_version,
            start,
            version,
            status,
            attended,
            scheduled,
            issued,
            issued_by,
            revoked,
            reason,
            sha256,
        ) in streamed(query)
    )


EXPORTS: dict[str, tuple[tuple[str, ...], Callable[[Scope], Iterator[tuple]]]] = {
    "enrolments": (ENROLMENT_HEADER, enrolment_rows),
    "attendance": (ATTENDANCE_HEADER, attendance_rows),
    "certificates": (CERTIFICATE_HEADER, certificate_rows),
}


def export(kind: str, scope: Scope) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """The header and rows of export `kind` ("enrolments", "attendance", "certificates") for `scope`."""
    header, rows = EXPORTS[kind]
    return header, rows(scope)
