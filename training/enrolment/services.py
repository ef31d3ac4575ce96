"""Enrolment operations. Each locks the session's seats, flushes, writes its audit rows and
sends its emails after the commit; a refusal raises a named EnrolmentError.

Seats: `CourseSession.seats_taken` counts confirmed enrolments. Every operation that
changes it first locks the session row (`training.database.lock`; BEGIN IMMEDIATE on
SQLite), so two requests never sell the same seat, and the database refuses a count above
the capacity whatever happens. The waitlist is served first come, first served, in
`waitlisted_at` order, in the same transaction that frees or adds a seat.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training.accounts.models import User
from training.audit.services import record
from training.catalogue import services as catalogue
from training.catalogue.models import CourseSession, CourseStatus, SessionStatus
from training.database import lock
from training.email import deferred, later, send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.enrolment.notifications import notify
from training.errors import DomainError
from training.extensions import db

# The enrolments that hold or wait for a seat.
ACTIVE = tuple(status for status in EnrolmentStatus if status.is_active)


class EnrolmentError(DomainError):
    """A refused enrolment operation; the message says why and what to do."""

    status_code = 409


class EnrolmentClosed(EnrolmentError):
    """The session takes no enrolment now (cancelled, started, past its deadline, unpublished)."""


class PrerequisitesNotAcknowledged(EnrolmentError):
    status_code = 422

    def default_message(self) -> str:
        return _("Please confirm that you meet the prerequisites of this course.")


class TooLateToCancel(EnrolmentError):
    """The cancellation deadline has passed; the learner must contact the training office."""


class ReasonRequired(EnrolmentError):
    """A cancellation that needs a reason came without one: any by the training office, and any
    after the session started (the enrolment is evidence by then: the reason goes to the audit log)."""


def _now() -> datetime:
    return datetime.now(UTC)


def enrol(
    actor: User,
    session: CourseSession,
    learner: User,
    *,
    acknowledged: bool,
    on_behalf: bool = False,
    reason: str | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol `learner`: confirmed, waitlisted or pending approval. Returns (enrolment, created).

    Enrolling again while enrolled returns the same enrolment (a double click, a retried
    request). An admin enrolling someone (`on_behalf`) may do so after the deadline or into
    a session recorded with past dates; the capacity rules are the same for everyone.
    """
    course = session.course  # noqa: F841  (held: the lock refreshes the session's row and drops its course)
    session = lock(CourseSession, session.id)
    existing = _find(session, learner)
    if existing is not None and existing.status in ACTIVE:
        return existing, False
    _check_open(session, on_behalf)
    if existing is not None and existing.status is EnrolmentStatus.REJECTED and not on_behalf:
        raise EnrolmentError(
            _(
                "The training office declined your enrolment in this session. Write to %(email)s to talk about it.",
                email=_contact(session),
            )
        )
    if not acknowledged and not on_behalf:
        raise PrerequisitesNotAcknowledged()
    enrolment = existing or Enrolment(session=session, user=learner)
    before = {"status": existing.status} if existing else None
    _place(enrolment, session, approval=session.approval_required and not on_behalf)
    enrolment.prerequisites_acknowledged_at = _now() if acknowledged else None
    enrolment.enrolled_by = actor if actor.id != learner.id else None
    enrolment.cancelled_at = enrolment.decided_at = enrolment.decided_by = enrolment.decision_reason = None
    db.session.add(enrolment)
    db.session.flush()
    record(
        actor,
        "enrolment.created" if existing is None else "enrolment.renewed",
        enrolment,
        before=before,
        after={"status": enrolment.status, "user": learner.email, "session_id": session.id},
        reason=reason,
    )
    _notify_state(enrolment)
    return enrolment, True


def _find(session: CourseSession, learner: User) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.session_id == session.id, Enrolment.user_id == learner.id)
    )


def _check_open(session: CourseSession, on_behalf: bool) -> None:
    if session.status is SessionStatus.CANCELLED:
        raise EnrolmentClosed(_("This session was cancelled: it takes no enrolment."))
    if session.course.status is not CourseStatus.PUBLISHED and not on_behalf:
        raise EnrolmentClosed(_("This course is not open for enrolment."))
    if on_behalf:
        return
    if session.starts_at <= _now():
        raise EnrolmentClosed(_("This session has already started: enrolment is closed."))
    if session.enrolment_deadline <= _now():
        raise EnrolmentClosed(
            _(
                "Enrolment for this session closed on %(date)s. Write to %(email)s if you still wish to attend.",
                date=_format(session.enrolment_deadline),
                email=_contact(session),
            )
        )


def _place(enrolment: Enrolment, session: CourseSession, approval: bool) -> EnrolmentStatus:
    """Set the enrolment's status: pending approval, a seat if one is free, else the waitlist; return it."""
    now = _now()
    if approval:
        enrolment.status = EnrolmentStatus.PENDING_APPROVAL
    elif session.seats_taken < session.capacity:
        enrolment.status, enrolment.confirmed_at = EnrolmentStatus.CONFIRMED, now
        session.seats_taken = session.seats_taken + 1
    else:
        enrolment.status, enrolment.waitlisted_at = EnrolmentStatus.WAITLISTED, now
    return enrolment.status


def _notify_state(enrolment: Enrolment) -> None:
    if enrolment.status is EnrolmentStatus.CONFIRMED:
        notify(enrolment, "confirmed")
    elif enrolment.status is EnrolmentStatus.WAITLISTED:
        notify(enrolment, "waitlisted", position=later(waitlist_position, enrolment))
    else:
        notify(enrolment, "pending")


@deferred
def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first in line; None when not on the waitlist. The waitlisted email counts it when
    it is sent, outside the enrolment's transaction and its lock."""
    if enrolment.status is not EnrolmentStatus.WAITLISTED:
        return None
    ahead = (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.session_id == enrolment.session_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            sa.or_(
                Enrolment.waitlisted_at < enrolment.waitlisted_at,
                sa.and_(Enrolment.waitlisted_at == enrolment.waitlisted_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return db.session.scalars(ahead).one() + 1


def renew_calendar_link(user: User) -> None:
    """Give the learner a new secret calendar address; the earlier one stops working (audited)."""
    had_one = user.calendar_token is not None
    user.calendar_token = secrets.token_urlsafe(24)
    record(user, "user.calendar_link_renewed" if had_one else "user.calendar_link_created", user)


def waitlist_positions(enrolments: list[Enrolment]) -> dict[int, int]:
    """`waitlist_position` of several waitlisted enrolments, in one query."""
    session_ids = {e.session_id for e in enrolments if e.status is EnrolmentStatus.WAITLISTED}
    if not session_ids:
        return {}
    line = sa.func.row_number().over(
        partition_by=Enrolment.session_id, order_by=(Enrolment.waitlisted_at, Enrolment.id)
    )
    ranked = (
        sa.select(Enrolment.id, line.label("position"))
        .where(Enrolment.session_id.in_(session_ids), Enrolment.status == EnrolmentStatus.WAITLISTED)
        .subquery()
    )
    wanted = [e.id for e in enrolments]
    return dict(db.session.execute(sa.select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_(wanted))).all())


def cancel(
    actor: User, enrolment: Enrolment, *, reason: str | None = None, as_admin: bool = False, notify_learner: bool = True
) -> bool:
    """Cancel an enrolment; returns False when it was already closed (cancelling twice changes nothing).

    A learner may cancel until the session's cancellation deadline; an admin at any time, with
    a reason. Once the session has started, anyone needs a reason (`ReasonRequired`), and the
    freed seat stays empty: nobody is promoted into a session that has begun. Before that, a
    freed seat goes to the first on the waitlist in the same transaction. With
    `notify_learner=False` the caller sends the learner's email itself (see
    `training.certificates.withdrawal`, which adds what it revoked).
    """
    session = lock(CourseSession, enrolment.session_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE:
        return False
    if not as_admin and session.cancellation_deadline <= _now():
        raise TooLateToCancel(
            _(
                "The cancellation deadline (%(date)s) has passed. Write to %(email)s to cancel.",
                date=_format(session.cancellation_deadline),
                email=_contact(session),
            )
        )
    reason = (reason or "").strip() or None
    _check_reason(session, reason, as_admin)
    before = {"status": enrolment.status}
    freed = enrolment.status is EnrolmentStatus.CONFIRMED
    enrolment.status, enrolment.cancelled_at = EnrolmentStatus.CANCELLED, _now()
    if as_admin:
        enrolment.decided_by, enrolment.decided_at, enrolment.decision_reason = actor, _now(), reason
    if freed:
        session.seats_taken = session.seats_taken - 1
    db.session.flush()
    record(actor, "enrolment.cancelled", enrolment, before=before, after={"status": enrolment.status}, reason=reason)
    if notify_learner:
        notify(enrolment, "cancelled", reason=reason if as_admin else None)
    promote_waitlist(actor, session)
    return True


def _check_reason(session: CourseSession, reason: str | None, as_admin: bool) -> None:
    """Refuse a cancellation without a reason when one is required (`ReasonRequired`)."""
    if reason:
        return
    if has_started(session):
        raise ReasonRequired(
            _(
                "This session has already started: give the reason for cancelling. It is "
                "kept in the audit log, and the learner receives it."
            )
        )
    if as_admin:
        raise ReasonRequired(_("Give the reason for cancelling: the learner receives it."))


def has_started(session: CourseSession) -> bool:
    """Whether the session's first half-day has begun (cancelling then needs a reason)."""
    return session.starts_at <= _now()


def promote_waitlist(actor: User | None, session: CourseSession) -> list[Enrolment]:
    """Give free seats to the waitlist, first come first served; call with the session locked.

    Nobody is promoted once the session has started: a seat freed then stays empty, and the
    waitlisted learners stay where they are (the training office may enrol someone by hand).
    """
    promoted: list[Enrolment] = []
    if has_started(session):
        return promoted
    while session.seats_taken < session.capacity:
        first = db.session.scalar(
            sa.select(Enrolment)
            .where(Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.id)
            .limit(1)
        )
        if first is None:
            break
        first.status, first.confirmed_at = EnrolmentStatus.CONFIRMED, _now()
        session.seats_taken = session.seats_taken + 1
        db.session.flush()
        record(
            actor,
            "enrolment.promoted",
            first,
            before={"status": EnrolmentStatus.WAITLISTED},
            after={"status": first.status},
        )
        notify(first, "promoted")
        promoted.append(first)
    return promoted


def update_session(actor: User, session: CourseSession, **fields) -> list[Enrolment]:
    """Change a session's fields (`training.catalogue.services.update_session`); seats that a raised
    capacity frees go to the waitlist at once. Returns the enrolments promoted, each told by email."""
    catalogue.update_session(actor, session, **fields)
    return promote_waitlist(actor, lock(CourseSession, session.id))


def approve(actor: User, enrolment: Enrolment) -> None:
    """Approve a pending enrolment: a seat when one is free, else the waitlist."""
    session = lock(CourseSession, enrolment.session_id)
    db.session.refresh(enrolment)
    if enrolment.status is not EnrolmentStatus.PENDING_APPROVAL:
        raise EnrolmentError(_("This enrolment is no longer awaiting approval."))
    placed = _place(enrolment, session, approval=False)
    enrolment.decided_by, enrolment.decided_at = actor, _now()
    db.session.flush()
    record(
        actor,
        "enrolment.approved",
        enrolment,
        before={"status": EnrolmentStatus.PENDING_APPROVAL},
        after={"status": enrolment.status},
    )
    if placed is EnrolmentStatus.CONFIRMED:
        notify(enrolment, "approved")
    else:
        notify(enrolment, "waitlisted", position=later(waitlist_position, enrolment))


def reject(actor: User, enrolment: Enrolment, reason: str) -> None:
    """Decline a pending enrolment; the learner receives the reason."""
    if not (reason or "").strip():
        raise EnrolmentError(_("Give the reason for declining: the learner receives it."))
    lock(CourseSession, enrolment.session_id)
    db.session.refresh(enrolment)
    if enrolment.status is not EnrolmentStatus.PENDING_APPROVAL:
        raise EnrolmentError(_("This enrolment is no longer awaiting approval."))
    enrolment.status = EnrolmentStatus.REJECTED
    enrolment.decided_by, enrolment.decided_at, enrolment.decision_reason = actor, _now(), reason.strip()
    db.session.flush()
    record(
        actor,
        "enrolment.rejected",
        enrolment,
        before={"status": EnrolmentStatus.PENDING_APPROVAL},
        after={"status": enrolment.status},
        reason=reason.strip(),
    )
    notify(enrolment, "rejected", reason=reason.strip())


def can_cancel(enrolment: Enrolment) -> bool:
    """Whether the learner may still cancel by themselves."""
    return enrolment.status in ACTIVE and enrolment.session.cancellation_deadline > _now()


def _contact(session: CourseSession) -> str:
    return session.course.contact or current_app.config["TRAINING_OFFICE_EMAIL"]


def _format(moment: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "medium")


def active_enrolments(session: CourseSession) -> list[Enrolment]:
    """The session's enrolments awaiting approval, confirmed or waitlisted, oldest first."""
    query = (
        sa.select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status.in_(ACTIVE))
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    return list(db.session.scalars(query))


def cancel_session(actor: User, session: CourseSession, reason: str) -> list[Enrolment]:
    """Cancel a session (`training.catalogue.services.cancel_session`) and every active enrolment in
    it. Returns the enrolments cancelled; each learner is told by email, with the reason."""
    reason = (reason or "").strip()
    catalogue.cancel_session(actor, session, reason)  # refuses an empty reason
    return _cancel_all(actor, session, reason)


def _cancel_all(actor: User, session: CourseSession, reason: str) -> list[Enrolment]:
    """Cancel every active enrolment of a cancelled session and tell each learner by email."""
    now = _now()
    enrolments = active_enrolments(session)
    for enrolment in enrolments:
        before = {"status": enrolment.status}
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.cancelled_at = enrolment.decided_at = now
        enrolment.decided_by = actor
        enrolment.decision_reason = reason
        record(
            actor, "enrolment.cancelled", enrolment, before=before, after={"status": enrolment.status}, reason=reason
        )
    session.seats_taken = 0
    db.session.flush()
    for enrolment in enrolments:
        _send_session_cancelled(enrolment.user, session, reason)
    return enrolments


def _send_session_cancelled(user: User, session: CourseSession, reason: str) -> None:
    send_email(
        user.email,
        _l("Session cancelled: %(title)s", title=session.course.title),
        "enrolment/session_cancelled",
        locale=user.locale,
        user=user,
        session=session,
        course=session.course,
        reason=reason,
        contact=current_app.config["TRAINING_OFFICE_EMAIL"],
    )
