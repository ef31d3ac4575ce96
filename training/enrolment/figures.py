"""Enrolment figures shown on catalogue pages."""

from __future__ import annotations

import sqlalchemy as sa

from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def waitlist_lengths(session_ids: list[int]) -> dict[int, dict]:
    """How many learners wait for a seat in each session."""
    query = (
        sa.select(Enrolment.session_id, sa.func.count())
        .where(Enrolment.session_id.in_(session_ids), Enrolment.status == EnrolmentStatus.WAITLISTED)
        .group_by(Enrolment.session_id)
    )
    counts = dict(db.session.execute(query).all())
    return {session_id: {"waitlist_length": counts.get(session_id, 0)} for session_id in session_ids}
