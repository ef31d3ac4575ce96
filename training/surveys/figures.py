"""Satisfaction results of a course (Qualiopi indicators 2 and 30).

The rule "satisfied = an overall rating of 4 or 5" lives here only: the public course page
and the training office's results pages both count with `satisfied_count` and `satisfaction_rate`.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment
from training.extensions import db
from training.surveys.models import SurveyResponse

SATISFIED_FROM = 4  # an overall rating of 4 or 5 out of 5 counts as satisfied


def satisfied_count():
    """SQL: the number of responses whose overall rating counts as satisfied."""
    return sa.func.sum(sa.case((SurveyResponse.overall >= SATISFIED_FROM, 1), else_=0))


def satisfaction_rate(responses: int, satisfied: int | None) -> int | None:
    """The share of satisfied responses in whole percent; None when there is no response."""
    return round(100 * (satisfied or 0) / responses) if responses else None


def satisfaction(course_id: int) -> dict:
    """Number of survey responses, mean overall rating and share of satisfied learners."""
    query = (
        sa.select(sa.func.count(SurveyResponse.id), sa.func.avg(SurveyResponse.overall), satisfied_count())
        .join(Enrolment, SurveyResponse.enrolment_id == Enrolment.id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .where(CourseSession.course_id == course_id)
    )
    count, mean, satisfied = db.session.execute(query).one()
    if not count:
        return {}
    return {
        "survey_responses": count,
        "satisfaction_mean": round(float(mean), 1),
        "satisfaction_rate": satisfaction_rate(count, satisfied),
    }
