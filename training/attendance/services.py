"""Attendance operations: marks, sign-off, self check-in, and the hours that follow from them.

Each change writes an audit row with the earlier and the new value. Once the trainer has
signed a slot off, a change needs a reason: nothing is overwritten silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from training.accounts.models import User
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus, SlotSignoff
from training.audit.services import record
from training.catalogue.models import CourseSession, SessionStatus, Slot, session_trainers
from training.email import send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.errors import DomainError
from training.extensions import db
from training.urls import external_url

CHECKIN_TOKEN_ROTATION = 30  # seconds between two QR codes
CHECKIN_TOKEN_MAX_AGE = 60  # a code scanned up to a minute after it was shown still works
CHECKIN_MARGIN = timedelta(minutes=30)  # how early before a slot, and how late after, check-in is open
MARK_FIELDS = ("status", "note", "method", "marked_by", "checked_in_at")


class AttendanceError(DomainError):
    status_code = 409


class ReasonRequired(AttendanceError):
    status_code = 422

    def default_message(self) -> str:
        return _("This half-day is signed off: give the reason for the change, it is kept with both values.")


class CheckInRefused(AttendanceError):
    """A self check-in that cannot be accepted; the message says why."""

    status_code = 403


def teaches(user: User, session: CourseSession) -> bool:
    """Whether `user` is one of the session's trainers."""
    return any(trainer.id == user.id for trainer in session.trainers)


def roster(slot: Slot) -> list[tuple[Enrolment, AttendanceMark | None]]:
    """The confirmed learners of the slot's session, by name, with their mark for this slot."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).join(Enrolment.user)
        .where(Enrolment.session_id == slot.session_id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .order_by(User.name, User.id)
    ).all()
    marks = {m.enrolment_id: m for m in db.session.scalars(
        sa.select(AttendanceMark).where(AttendanceMark.slot_id == slot.id))}
    return [(enrolment, marks.get(enrolment.id)) for enrolment in enrolments]


def signoff(slot: Slot) -> SlotSignoff | None:
    """The trainer's sign-off of the slot, if any."""
    return db.session.get(SlotSignoff, slot.id)


def signoffs(slot_ids: list[int]) -> dict[int, SlotSignoff | None]:
    """The sign-off of each slot (None when not signed off), in one query."""
    found = {s.slot_id: s for s in db.session.scalars(
        sa.select(SlotSignoff).where(SlotSignoff.slot_id.in_(slot_ids)))} if slot_ids else {}
    return {slot_id: found.get(slot_id) for slot_id in slot_ids}


def trainer_sessions(trainer: User) -> list[CourseSession]:
    """The scheduled sessions `trainer` teaches, in date order."""
    return list(db.session.scalars(
        sa.select(CourseSession).join(session_trainers)
        .where(session_trainers.c.user_id == trainer.id, CourseSession.status == SessionStatus.SCHEDULED)
        .order_by(CourseSession.starts_at)))


def confirmed_counts(session_ids: list[int]) -> dict[int, int]:
    """How many confirmed learners each session has."""
    if not session_ids:
        return {}
    query = sa.select(Enrolment.session_id, sa.func.count()).where(
        Enrolment.session_id.in_(session_ids), Enrolment.status == EnrolmentStatus.CONFIRMED
    ).group_by(Enrolment.session_id)
    return dict(db.session.execute(query).all())


def _confirmed_enrolment(slot: Slot, enrolment: Enrolment) -> Enrolment:
    if enrolment.session_id != slot.session_id or enrolment.status is not EnrolmentStatus.CONFIRMED:
        raise AttendanceError(_("This learner does not hold a confirmed seat in this session."))
    return enrolment


def _state(mark: AttendanceMark | None) -> dict | None:
    if mark is None:
        return None
    return {"status": mark.status, "note": mark.note, "method": mark.method,
            "marked_by": mark.marked_by.email if mark.marked_by else None, "checked_in_at": mark.checked_in_at}


def set_mark(actor: User, slot: Slot, enrolment: Enrolment, status: MarkStatus, *, note: str = "",
             method: MarkMethod = MarkMethod.TRAINER, reason: str | None = None,
             checked_in_at: datetime | None = None) -> AttendanceMark:
    """Record or change a learner's mark for a half-day; audited with both values."""
    _confirmed_enrolment(slot, enrolment)
    mark = db.session.scalar(sa.select(AttendanceMark).filter_by(slot_id=slot.id, enrolment_id=enrolment.id))
    note = (note or "").strip()
    if mark is not None and mark.status is status and mark.note == note:
        return mark
    reason = (reason or "").strip() or None
    if mark is not None and signoff(slot) is not None and reason is None:
        raise ReasonRequired()
    before = _state(mark)
    if mark is None:
        mark = AttendanceMark(session_id=slot.session_id, slot_id=slot.id, enrolment_id=enrolment.id)
        db.session.add(mark)
    mark.status, mark.note, mark.method, mark.marked_by = status, note, method, actor
    mark.marked_at = datetime.now(UTC)
    if checked_in_at is not None or status in (MarkStatus.ABSENT, MarkStatus.EXCUSED):
        mark.checked_in_at = checked_in_at
    db.session.flush()
    record(actor, "attendance.marked" if before is None else "attendance.changed", mark, before=before,
           after=_state(mark), reason=reason)
    if status is MarkStatus.ABSENT and (before is None or before["status"] is not MarkStatus.ABSENT):
        _alert_absence(mark)
    return mark


def mark_all_present(actor: User, slot: Slot) -> int:
    """Mark every learner not yet marked as present; returns how many were marked."""
    count = 0
    for enrolment, mark in roster(slot):
        if mark is None:
            set_mark(actor, slot, enrolment, MarkStatus.PRESENT)
            count += 1
    return count


def sign_off(actor: User, slot: Slot) -> SlotSignoff:
    """The trainer's signature closing the roll of a half-day; every learner must be marked."""
    existing = signoff(slot)
    if existing is not None:
        return existing
    unmarked = [e.user.name for e, mark in roster(slot) if mark is None]
    if unmarked:
        raise AttendanceError(_("Mark every learner before signing off: %(names)s.", names=", ".join(unmarked)))
    if slot.starts_at > datetime.now(UTC):
        raise AttendanceError(_("This half-day has not started yet: it cannot be signed off."))
    done = SlotSignoff(slot_id=slot.id, signed_by=actor, signed_at=datetime.now(UTC))
    db.session.add(done)
    db.session.flush()
    record(actor, "attendance.signed_off", object_type="slots", object_id=slot.id,
           after={"session_id": slot.session_id, "signed_by": actor.email, "signed_at": done.signed_at})
    return done


def _alert_absence(mark: AttendanceMark) -> None:
    """Tell the training office that a learner missed a half-day, so someone can follow up."""
    session = mark.enrolment.session
    learner = mark.enrolment.user
    send_email(current_app.config["TRAINING_OFFICE_EMAIL"], _l("Absence: %(name)s", name=learner.name),
               "attendance/absence_alert", locale="fr", learner=learner, course=session.course,
               slot=mark.slot, mark=mark,
               session_url=external_url("attendance.session_detail", session_id=session.id))


# --- Self check-in -------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="attendance.checkin")


def checkin_token(slot: Slot) -> str:
    """A signed code for the slot's QR code; it changes every CHECKIN_TOKEN_ROTATION seconds."""
    window = int(datetime.now(UTC).timestamp()) // CHECKIN_TOKEN_ROTATION
    return _serializer().dumps({"slot": slot.id, "w": window})


def read_checkin_token(token: str) -> int:
    """The slot id of a valid, recent code; CheckInRefused otherwise."""
    try:
        payload = _serializer().loads(token, max_age=CHECKIN_TOKEN_MAX_AGE)
    except BadSignature as error:  # SignatureExpired is a BadSignature
        expired = type(error).__name__ == "SignatureExpired"
        raise CheckInRefused(_("This code has expired: scan the code on the screen again.") if expired
                             else _("This code is not valid: scan the code shown by your trainer.")) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("slot"), int):
        raise CheckInRefused(_("This code is not valid: scan the code shown by your trainer."))
    return payload["slot"]


def check_in(learner: User, token: str) -> AttendanceMark:
    """Mark the learner present from a scanned code: valid code, confirmed seat, slot open now."""
    slot = db.session.get(Slot, read_checkin_token(token))
    if slot is None or slot.session.status is SessionStatus.CANCELLED:
        raise CheckInRefused(_("This code is not valid: scan the code shown by your trainer."))
    enrolment = db.session.scalar(sa.select(Enrolment).filter_by(session_id=slot.session_id, user_id=learner.id))
    if enrolment is None or enrolment.status is not EnrolmentStatus.CONFIRMED:
        raise CheckInRefused(_("You do not hold a confirmed seat in this session, so you cannot check in."))
    now = datetime.now(UTC)
    if now < slot.starts_at - CHECKIN_MARGIN:
        raise CheckInRefused(_("This half-day has not started yet: check in when it begins."))
    if now > slot.ends_at + CHECKIN_MARGIN:
        raise CheckInRefused(_("This half-day is over: ask your trainer to mark your attendance."))
    existing = db.session.scalar(sa.select(AttendanceMark).filter_by(slot_id=slot.id, enrolment_id=enrolment.id))
    if existing is not None and existing.status in (MarkStatus.PRESENT, MarkStatus.LATE):
        return existing
    status = MarkStatus.LATE if now > slot.starts_at + timedelta(minutes=15) else MarkStatus.PRESENT
    return set_mark(learner, slot, enrolment, status, method=MarkMethod.SELF_CHECKIN, checked_in_at=now,
                    reason=_("Self check-in") if existing is not None else None)


# --- Figures -------------------------------------------------------------------------------

ATTENDED = (MarkStatus.PRESENT, MarkStatus.LATE)


def attended_hours(enrolment_ids: list[int]) -> dict[int, Decimal]:
    """Hours attended per enrolment: the hours of the slots marked present or late."""
    if not enrolment_ids:
        return {}
    query = (sa.select(AttendanceMark.enrolment_id, sa.func.sum(Slot.hours))
             .join(Slot, AttendanceMark.slot_id == Slot.id)
             .where(AttendanceMark.enrolment_id.in_(enrolment_ids), AttendanceMark.status.in_(ATTENDED))
             .group_by(AttendanceMark.enrolment_id))
    found = {enrolment_id: Decimal(str(hours)) for enrolment_id, hours in db.session.execute(query)}
    return {enrolment_id: found.get(enrolment_id, Decimal("0")) for enrolment_id in enrolment_ids}


def scheduled_hours(session_ids: list[int]) -> dict[int, Decimal]:
    """Hours scheduled per session: the sum of its slots."""
    if not session_ids:
        return {}
    query = sa.select(Slot.session_id, sa.func.sum(Slot.hours)).where(Slot.session_id.in_(session_ids)) \
        .group_by(Slot.session_id)
    return {session_id: Decimal(str(hours)) for session_id, hours in db.session.execute(query)}


def rate(attended: Decimal, scheduled: Decimal) -> int:
    """Attendance rate in whole percent."""
    return round(100 * attended / scheduled) if scheduled else 0


def learner_hours(enrolment_ids: list[int]) -> dict[int, dict]:
    """For "My trainings": hours attended and scheduled, and the rate, per enrolment."""
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(enrolment_ids))).all()
    attended = attended_hours(enrolment_ids)
    scheduled = scheduled_hours(list({e.session_id for e in enrolments}))
    return {e.id: {"hours_attended": attended[e.id], "hours_scheduled": scheduled.get(e.session_id, Decimal("0")),
                   "attendance_rate": rate(attended[e.id], scheduled.get(e.session_id, Decimal("0")))}
            for e in enrolments}


def slot_counts(slot_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many learners are marked in each slot, by status."""
    counts: dict[int, dict[str, int]] = {slot_id: {} for slot_id in slot_ids}
    if not slot_ids:
        return counts
    query = sa.select(AttendanceMark.slot_id, AttendanceMark.status, sa.func.count()) \
        .where(AttendanceMark.slot_id.in_(slot_ids)).group_by(AttendanceMark.slot_id, AttendanceMark.status)
    for slot_id, status, count in db.session.execute(query):
        counts[slot_id][status.value] = count
    return counts
