"""Certificates owed, counted by the database: the SQL twin of `services.eligibility` and `pending`.

The dashboard asks, over hundreds of sessions and thousands of learners, how many certificates
each session still owes. Judging every learner in Python (the `Eligibility` objects, with their
translated reasons) took seconds at ten years of data; this query returns the counts alone.
The rule is the same, and `tests/certificates/test_due.py` holds the two to agree:

- a confirmed learner of an ended session is eligible when the hours attended (present or late)
  reach the scheduled hours times the course's threshold, rounded half up to the hundredth;
- an eligible learner is owed a certificate unless a valid one tells the same hours, or none is
  valid and one revoked for the same hours stays revoked.

Hours are compared in whole hundredths, so SQLite's floating-point sums round like Decimals. The
hours attended are each enrolment's total kept by the database as the marks are written
(`training/attendance/totals.py`): no mark is read here.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from training.catalogue.models import Course, CourseSession, Slot
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment.models import Enrolment, EnrolmentStatus


def _hundredths(value) -> sa.ColumnElement:
    """A 2-decimal amount as a whole number of hundredths, exact on SQLite and PostgreSQL."""
    return sa.cast(sa.func.round(value * 100), sa.Integer)


def owed_by_session(sessions: sa.Select) -> sa.Select:
    """(session id, learners owed a certificate) for the sessions whose ids `sessions` selects,
    leaving out sessions that owe none. The caller says which sessions have ended."""
    scheduled = (
        sa.select(Slot.session_id, sa.func.sum(_hundredths(Slot.hours)).label("hours"))
        .where(Slot.session_id.in_(sessions))
        .group_by(Slot.session_id)
        .subquery("scheduled")
    )
    # Kept by the database as the marks are written (training/attendance/totals.py).
    hours_attended = _hundredths(Enrolment.hours_attended)
    # attended >= round_half_up(scheduled * threshold), all in hundredths: 100 A + 50 > S * T.
    eligible = 100 * hours_attended + 50 > scheduled.c.hours * _hundredths(Course.attendance_threshold)

    # The valid certificate (at most one) is joined; a subquery of the form EXISTS OR EXISTS
    # made PostgreSQL hash every certificate ever issued, instead of looking up the few owed.
    valid = aliased(Certificate, name="valid")
    same_as_valid = sa.and_(
        _hundredths(valid.hours_attended) == hours_attended,
        _hundredths(valid.hours_scheduled) == scheduled.c.hours,
    )
    kept_revoked = sa.exists().where(
        valid.id.is_(None),
        Certificate.enrolment_id == Enrolment.id,
        Certificate.status == CertificateStatus.REVOKED,
        _hundredths(Certificate.hours_attended) == hours_attended,
        _hundredths(Certificate.hours_scheduled) == scheduled.c.hours,
    )
    return (
        sa.select(Enrolment.session_id, sa.func.count().label("learners"))
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .join(scheduled, scheduled.c.session_id == Enrolment.session_id)
        .outerjoin(valid, sa.and_(valid.enrolment_id == Enrolment.id, valid.status == CertificateStatus.VALID))
        .where(
            Enrolment.session_id.in_(sessions),
            Enrolment.status == EnrolmentStatus.CONFIRMED,
            eligible,
            sa.or_(valid.id.is_(None), ~same_as_valid),
            ~kept_revoked,
        )
        .group_by(Enrolment.session_id)
    )
