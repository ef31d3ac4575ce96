"""Enrolment operations. Each flushes, writes its audit rows and sends its emails after the commit."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from training.accounts.models import User
from training.audit.services import record
from training.catalogue.models import CourseSession
from training.email import send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

# The enrolments that hold or wait for a seat.
ACTIVE = (EnrolmentStatus.PENDING_APPROVAL, EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED)


def active_enrolments(session: CourseSession) -> list[Enrolment]:
    """The session's enrolments awaiting approval, confirmed or waitlisted, oldest first."""
    query = (sa.select(Enrolment).where(Enrolment.session_id == session.id, Enrolment.status.in_(ACTIVE))
             .order_by(Enrolment.created_at, Enrolment.id))
    return list(db.session.scalars(query))


def cancel_for_session(actor: User, session: CourseSession, reason: str) -> list[Enrolment]:
    """Cancel every active enrolment of a cancelled session and tell each learner by email."""
    now = datetime.now(UTC)
    enrolments = active_enrolments(session)
    for enrolment in enrolments:
        before = {"status": enrolment.status}
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.cancelled_at = enrolment.decided_at = now
        enrolment.decided_by = actor
        enrolment.decision_reason = reason
        record(actor, "enrolment.cancelled", enrolment, before=before, after={"status": enrolment.status},
               reason=reason)
    session.seats_taken = 0
    db.session.flush()
    for enrolment in enrolments:
        _send_session_cancelled(enrolment.user, session, reason)
    return enrolments


def _send_session_cancelled(user: User, session: CourseSession, reason: str) -> None:
    send_email(user.email, _l("Session cancelled: %(title)s", title=session.course.title),
               "enrolment/session_cancelled", locale=user.locale, user=user, session=session,
               course=session.course, reason=reason, contact=current_app.config["TRAINING_OFFICE_EMAIL"])
