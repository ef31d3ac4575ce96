"""A session that ended two days ago, taught by `trainer`, and helpers to enrol, mark and answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import SessionFactory, enrol
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment
from training.extensions import db
from training.surveys.models import SurveyInvitation, SurveyResponse


def make_session(days_ago: int, **kwargs) -> CourseSession:
    """A one-day session of two half-days, `days_ago` days before today (negative: in the future)."""
    session = SessionFactory(day=date.today() - timedelta(days=days_ago), **kwargs)
    db.session.commit()
    return session


def mark(enrolment: Enrolment, marker, *statuses: MarkStatus) -> None:
    """Marks for the session's half-days, in order, as the trainer takes the roll."""
    for slot, status in zip(enrolment.session.slots, statuses, strict=False):
        db.session.add(
            AttendanceMark(
                session_id=enrolment.session_id,
                enrolment_id=enrolment.id,
                slot_id=slot.id,
                status=status,
                method=MarkMethod.TRAINER,
                marked_by_id=marker.id,
            )
        )
    db.session.commit()


def respond(enrolment: Enrolment, overall: int, comment: str = "", invited: bool = True, **others) -> SurveyResponse:
    """A stored answer (and, by default, the invitation that asked for it)."""
    ratings = {"content": overall, "trainer": overall, "organisation": overall, **others}
    response = SurveyResponse(enrolment=enrolment, overall=overall, comment=comment, **ratings)
    db.session.add(response)
    if invited:
        db.session.add(SurveyInvitation(enrolment=enrolment))
    db.session.commit()
    return response


def responses() -> list[SurveyResponse]:
    return list(db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)))


def invitations() -> list[SurveyInvitation]:
    return list(db.session.scalars(sa.select(SurveyInvitation).order_by(SurveyInvitation.id)))


@pytest.fixture
def ended_session(ctx, trainer) -> CourseSession:
    """ "AAV vector design", one day two days ago, taught by `trainer`."""
    return make_session(2, course__title="AAV vector design", course__slug="aav-vector-design", trainers=[trainer])


@pytest.fixture
def attended(ended_session, learner, trainer) -> Enrolment:
    """The learner's enrolment in the ended session: present in the morning, absent in the afternoon."""
    enrolment = enrol(ended_session, learner)
    mark(enrolment, trainer, MarkStatus.PRESENT, MarkStatus.ABSENT)
    return enrolment
