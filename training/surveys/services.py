"""The end-of-session survey: inviting each learner who attended once, and storing their answers once.

A learner is asked when their enrolment is confirmed, their session (not cancelled) has
ended and they attended at least one half-day. The invitation and the response are each
unique per enrolment in the database, so neither a second run nor a double submit can
make a second one.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from training.attendance.models import AttendanceMark, MarkStatus
from training.audit.services import record
from training.catalogue.models import CourseSession, SessionStatus
from training.email import send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.errors import DomainError
from training.extensions import db, utcnow
from training.surveys.models import RATING_FIELDS, SurveyInvitation, SurveyResponse
from training.urls import external_url

INVITE_WINDOW = timedelta(days=30)  # sessions ended longer ago than this get no invitation
COMMENT_MAX = 2000
ATTENDED = tuple(status for status in MarkStatus if status.counts_as_attended)


class SurveyState(enum.Enum):
    """Where one enrolment's survey stands."""

    UNAVAILABLE = "unavailable"  # not a confirmed seat, or the session was cancelled
    NOT_OPEN_YET = "not_open_yet"  # the session has not ended
    NOT_ATTENDED = "not_attended"  # no half-day attended: nothing to rate
    OPEN = "open"
    ANSWERED = "answered"


class SurveyError(DomainError):
    """The survey cannot take this answer; the message says why."""

    status_code = 409


class NotOpenYet(SurveyError):
    def default_message(self) -> str:
        return str(_l("The survey opens when the session ends."))


class NotSurveyed(SurveyError):
    status_code = 403

    def default_message(self) -> str:
        return str(_l("The survey is for the learners who attended the session."))


class AlreadyAnswered(SurveyError):
    def default_message(self) -> str:
        return str(_l("You have already answered this survey: your answers are unchanged."))


def _attended(enrolment_id):
    """SQL: whether the enrolment has a half-day marked present or late."""
    return sa.exists().where(AttendanceMark.enrolment_id == enrolment_id, AttendanceMark.status.in_(ATTENDED))


def _surveyed(now: datetime) -> tuple:
    """SQL conditions on Enrolment and CourseSession: a confirmed seat in a held session that has ended."""
    return (
        Enrolment.status == EnrolmentStatus.CONFIRMED,
        CourseSession.status == SessionStatus.SCHEDULED,
        CourseSession.ends_at <= now,
    )


def to_invite(now: datetime) -> list[Enrolment]:
    """The enrolments that should get the survey now and have had neither invitation nor answer."""
    query = (
        sa.select(Enrolment)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .where(
            *_surveyed(now),
            CourseSession.ends_at > now - INVITE_WINDOW,
            _attended(Enrolment.id),
            ~sa.exists().where(SurveyInvitation.enrolment_id == Enrolment.id),
            ~sa.exists().where(SurveyResponse.enrolment_id == Enrolment.id),
        )
        .order_by(CourseSession.ends_at, Enrolment.id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.session).selectinload(CourseSession.course))
    )
    return list(db.session.scalars(query))


def invite_ended_sessions(now: datetime) -> list[Enrolment]:
    """Email the survey once to each learner who attended a session ended in the last 30 days."""
    return [enrolment for enrolment in to_invite(now) if _invite(enrolment)]


def _invite(enrolment: Enrolment) -> bool:
    """Store the invitation, then queue the email; False when another run invited them first."""
    try:
        with db.session.begin_nested():
            db.session.add(SurveyInvitation(enrolment_id=enrolment.id))
            db.session.flush()
    except sa.exc.IntegrityError:
        return False
    user, session = enrolment.user, enrolment.session
    send_email(
        user.email,
        _l("Your opinion on “%(title)s”", title=session.course.title),
        "surveys/invitation",
        locale=user.locale,
        user=user,
        session=session,
        course=session.course,
        survey_url=external_url("surveys.answer", enrolment_id=enrolment.id),
    )
    record(None, "survey.invited", enrolment, after={"to": user.email})
    return True


def response_for(enrolment: Enrolment) -> SurveyResponse | None:
    """The learner's answers for this enrolment, if they gave them."""
    return db.session.scalar(sa.select(SurveyResponse).where(SurveyResponse.enrolment_id == enrolment.id))


def state(enrolment: Enrolment, now: datetime | None = None) -> SurveyState:
    """Where the enrolment's survey stands: answered, open, not open yet, or not for this learner."""
    now = now or datetime.now(UTC)
    session = enrolment.session
    if response_for(enrolment) is not None:
        return SurveyState.ANSWERED
    if enrolment.status is not EnrolmentStatus.CONFIRMED or session.status is SessionStatus.CANCELLED:
        return SurveyState.UNAVAILABLE
    if session.ends_at > now:
        return SurveyState.NOT_OPEN_YET
    if not db.session.scalar(sa.select(_attended(enrolment.id))):
        return SurveyState.NOT_ATTENDED
    return SurveyState.OPEN


def refusal(current: SurveyState) -> SurveyError | None:
    """The error that answering meets in this state; None while the survey is open."""
    errors = {
        SurveyState.ANSWERED: AlreadyAnswered,
        SurveyState.NOT_OPEN_YET: NotOpenYet,
        SurveyState.NOT_ATTENDED: NotSurveyed,
        SurveyState.UNAVAILABLE: NotSurveyed,
    }
    return errors[current]() if current in errors else None


def answer(
    actor, enrolment: Enrolment, ratings: dict[str, int], comment: str = "", now: datetime | None = None
) -> SurveyResponse:
    """Store the learner's answers once; AlreadyAnswered on a second try, even a simultaneous one."""
    error = refusal(state(enrolment, now))
    if error is not None:
        raise error
    response = SurveyResponse(
        enrolment_id=enrolment.id,
        comment=(comment or "").strip()[:COMMENT_MAX],
        **{field: ratings[field] for field in RATING_FIELDS},
    )
    try:
        with db.session.begin_nested():  # the unique enrolment_id settles a double submit
            db.session.add(response)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise AlreadyAnswered() from None
    # The public course page is cached on sessions.updated_at: its satisfaction rate changes now.
    enrolment.session.updated_at = utcnow()
    # Which learner answered, never what: the results are shown without names.
    record(actor, "survey.answered", enrolment)
    db.session.flush()
    return response


def survey_links(enrolment_ids: list[int], now: datetime | None = None) -> dict[int, dict]:
    """For "My trainings": the survey's address while it awaits an answer, or that it was answered."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        sa.select(Enrolment.id, SurveyResponse.id.is_not(None), _attended(Enrolment.id))
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .outerjoin(SurveyResponse, SurveyResponse.enrolment_id == Enrolment.id)
        .where(Enrolment.id.in_(enrolment_ids), *_surveyed(now))
    ).all()
    links: dict[int, dict] = {}
    for enrolment_id, answered, attended in rows:
        if answered:
            links[enrolment_id] = {"survey_answered": True}
        elif attended:
            links[enrolment_id] = {"survey_url": url_for("surveys.answer", enrolment_id=enrolment_id)}
    return links
