"""Survey results for the training office: per session, and per course over its sessions.

Comments come without the learner's name: the results are read as anonymous.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from training.catalogue.models import Course, CourseSession, SessionStatus
from training.enrolment.models import Enrolment
from training.extensions import db
from training.surveys.figures import satisfaction_rate, satisfied_count
from training.surveys.models import RATING_FIELDS, SurveyInvitation, SurveyResponse

RATINGS = range(1, 6)


@dataclass
class Summary:
    """The headline figures of one session, or of several together."""

    invited: int = 0
    answered: int = 0
    means: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(RATING_FIELDS))
    satisfaction_rate: int | None = None

    @property
    def response_rate(self) -> int | None:
        """Answers per learner asked, in whole percent."""
        return round(100 * self.answered / self.invited) if self.invited else None


@dataclass
class Comment:
    """A learner's comment, with its date and session but never its author."""

    submitted_at: datetime
    text: str
    session_id: int


@dataclass
class Results:
    """Everything a results page shows."""

    summary: Summary
    distribution: list[tuple[int, int]]  # (overall rating, number of answers), 1 to 5
    comments: list[Comment]
    sessions: list[tuple[CourseSession, Summary]] = field(default_factory=list)


def _responses(condition):
    return (
        sa.select()
        .select_from(SurveyResponse)
        .join(Enrolment, SurveyResponse.enrolment_id == Enrolment.id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .where(condition)
    )


def _asked(condition, keys: list):
    """SQL: learners asked, i.e. sent the invitation or answered from "My trainings" before it left."""
    asked = sa.union(sa.select(SurveyInvitation.enrolment_id), sa.select(SurveyResponse.enrolment_id)).subquery()
    return (
        sa.select(*keys, sa.func.count())
        .select_from(asked)
        .join(Enrolment, Enrolment.id == asked.c.enrolment_id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .where(condition)
        .group_by(*keys)
    )


def _answers(condition, keys: list):
    """SQL: number of answers, mean of each question, number of satisfied answers."""
    means = (sa.func.avg(getattr(SurveyResponse, name)) for name in RATING_FIELDS)
    return (
        _responses(condition)
        .add_columns(*keys, sa.func.count(SurveyResponse.id), *means, satisfied_count())
        .group_by(*keys)
    )


def _summaries(condition, grouped: bool) -> dict[tuple, Summary]:
    """Summaries keyed by (session id,) when grouped, else one under (), in two queries."""
    keys = [CourseSession.id] if grouped else []
    summaries: dict[tuple, Summary] = defaultdict(Summary)
    for row in db.session.execute(_asked(condition, keys)):
        summaries[tuple(row[: len(keys)])].invited = row[-1]
    for row in db.session.execute(_answers(condition, keys)):
        count, *means, satisfied = row[len(keys) :]
        summary = summaries[tuple(row[: len(keys)])]
        summary.answered, summary.satisfaction_rate = count, satisfaction_rate(count, satisfied)
        summary.means = {
            name: None if mean is None else round(float(mean), 1)
            for name, mean in zip(RATING_FIELDS, means, strict=True)
        }
    return summaries


def _distribution(condition) -> list[tuple[int, int]]:
    counts = dict(
        db.session.execute(
            _responses(condition).add_columns(SurveyResponse.overall, sa.func.count()).group_by(SurveyResponse.overall)
        ).all()
    )
    return [(rating, counts.get(rating, 0)) for rating in RATINGS]


def _comments(condition) -> list[Comment]:
    rows = db.session.execute(
        _responses(condition)
        .add_columns(SurveyResponse.submitted_at, SurveyResponse.comment, CourseSession.id)
        .where(SurveyResponse.comment != "")
        .order_by(SurveyResponse.submitted_at.desc())
    ).all()
    return [Comment(*row) for row in rows]


def _results(condition) -> Results:
    summary = _summaries(condition, grouped=False).get((), Summary())
    return Results(summary, _distribution(condition), _comments(condition))


def for_session(session: CourseSession) -> Results:
    """The session's invitations, answers, means, distribution of the overall rating and comments."""
    return _results(CourseSession.id == session.id)


def for_course(course: Course, now: datetime | None = None) -> Results:
    """The same over every session of the course, with a line per held session that has ended."""
    now = now or datetime.now(UTC)
    results = _results(CourseSession.course_id == course.id)
    per_session = {
        key[0]: summary for key, summary in _summaries(CourseSession.course_id == course.id, grouped=True).items()
    }
    sessions = db.session.scalars(
        sa.select(CourseSession)
        .where(
            CourseSession.course_id == course.id,
            sa.or_(
                sa.and_(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.ends_at <= now),
                CourseSession.id.in_(list(per_session)),
            ),
        )
        .order_by(CourseSession.starts_at.desc())
    ).all()
    results.sessions = [(session, per_session.get(session.id, Summary())) for session in sessions]
    return results
