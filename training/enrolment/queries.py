"""Reading a learner's enrolments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.accounts.models import User
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


@dataclass
class MyTrainings:
    """A learner's enrolments sorted the way the "My trainings" page shows them."""

    upcoming: list[Enrolment] = field(default_factory=list)
    waitlisted: list[Enrolment] = field(default_factory=list)
    pending: list[Enrolment] = field(default_factory=list)
    past: list[Enrolment] = field(default_factory=list)
    closed: list[Enrolment] = field(default_factory=list)


def my_trainings(user: User, now: datetime | None = None) -> MyTrainings:
    """Every enrolment of `user`, with sessions, courses and slots loaded in a fixed number of queries."""
    now = now or datetime.now(UTC)
    query = (
        sa.select(Enrolment)
        .join(CourseSession)
        .where(Enrolment.user_id == user.id)
        .order_by(CourseSession.starts_at)
        .options(
            selectinload(Enrolment.session).selectinload(CourseSession.slots),
            selectinload(Enrolment.session).selectinload(CourseSession.course),
            selectinload(Enrolment.session).selectinload(CourseSession.trainers),
        )
    )
    result = MyTrainings()
    for enrolment in db.session.scalars(query):
        _sort(result, enrolment, now)
    result.past.reverse()
    return result


def _sort(result: MyTrainings, enrolment: Enrolment, now: datetime) -> None:
    status = enrolment.status
    if status is EnrolmentStatus.CONFIRMED:
        (result.past if enrolment.session.ends_at <= now else result.upcoming).append(enrolment)
    elif status is EnrolmentStatus.WAITLISTED and enrolment.session.starts_at > now:
        result.waitlisted.append(enrolment)
    elif status is EnrolmentStatus.PENDING_APPROVAL and enrolment.session.starts_at > now:
        result.pending.append(enrolment)
    else:
        result.closed.append(enrolment)


def own_enrolment(user: User, enrolment_id: int) -> Enrolment | None:
    """The user's own enrolment with this id; None for anybody else's (which then answers 404)."""
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.user_id == user.id))
