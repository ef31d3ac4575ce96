"""Completion results of a course (Qualiopi indicator 2), from attendance."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from training.catalogue.models import Course, CourseSession, SessionStatus, Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def completion(course_id: int) -> dict:
    """Share of confirmed learners of ended sessions who attended enough hours to be certified,
    from the hours the database keeps per enrolment (`training/attendance/totals.py`)."""
    scheduled = (
        sa.select(Slot.session_id, sa.func.sum(Slot.hours).label("hours"))
        .join(CourseSession, Slot.session_id == CourseSession.id)
        .where(CourseSession.course_id == course_id)
        .group_by(Slot.session_id)
        .subquery()
    )
    query = (
        sa.select(
            sa.func.count(Enrolment.id),
            sa.func.sum(
                sa.case(
                    (Enrolment.hours_attended >= scheduled.c.hours * Course.attendance_threshold, 1),
                    else_=0,
                )
            ),
        )
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .join(scheduled, scheduled.c.session_id == CourseSession.id)
        .where(
            Course.id == course_id,
            Enrolment.status == EnrolmentStatus.CONFIRMED,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.ends_at < datetime.now(UTC),
        )
    )
    learners, completed = db.session.execute(query).one()
    if not learners:
        return {}
    return {"completion_learners": learners, "completion_rate": round(100 * (completed or 0) / learners)}
