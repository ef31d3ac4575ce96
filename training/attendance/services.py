"""Attendance operations: marks, sign-off, self check-in, signatures, and the hours that follow.

The rules of time and authority (issue 14):

- present and late may be marked from ATTENDANCE_OPEN_MINUTES (30) before the half-day starts;
  absent and excused at any time, so a trainer can record a known absence in advance;
- only a trainer of the session or an admin marks others; a learner's self check-in never
  overrides a mark someone else made, and stops at sign-off;
- after sign-off a change needs a reason, and the audit row keeps before, after, who, when, why.

Every change locks the slot's row first (`training.database.lock`), so concurrent marks of one
roll call are applied one after the other: none is lost, and each audit row's "before" is the
previous row's "after". Every refusal is a named `AttendanceError` that changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import contains_eager, selectinload

from training.accounts.models import User
from training.attendance import signatures
from training.attendance.models import (
    AttendanceMark,
    AttendanceSignature,
    MarkMethod,
    MarkStatus,
    SignatureDevice,
    SignatureMethod,
    SlotSignoff,
)
from training.audit.services import record
from training.catalogue.models import CourseSession, SessionStatus, Slot, session_trainers
from training.database import lock
from training.email import send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.errors import DomainError
from training.extensions import db
from training.timezones import PARIS
from training.urls import external_url

CHECKIN_TOKEN_ROTATION = 30  # seconds between two QR codes
CHECKIN_TOKEN_MAX_AGE = 60  # a code scanned up to a minute after it was shown still works
CHECKIN_CLOSES_AFTER = timedelta(minutes=30)  # self check-in stays open this long after a slot ends
LATE_AFTER = timedelta(minutes=15)  # a self check-in later than this after the start is "late"


class AttendanceError(DomainError):
    status_code = 409


class ReasonRequired(AttendanceError):
    status_code = 422

    def default_message(self) -> str:
        return _("This half-day is signed off: give the reason for the change, it is kept with both values.")


class TooEarly(AttendanceError):
    """Present or late before the half-day has opened."""


class NotAllowed(AttendanceError):
    """The actor may not change this mark (not a trainer of the session, or a learner's own check-in
    against someone else's mark)."""

    status_code = 403


class CheckInRefused(AttendanceError):
    """A self check-in that cannot be accepted; the message says why."""

    status_code = 403


class SignatureError(AttendanceError):
    """A signature that cannot be accepted (wrong password, unreadable drawing, nothing to sign)."""

    status_code = 422


def teaches(user: User, session: CourseSession) -> bool:
    """Whether `user` is one of the session's trainers."""
    return any(trainer.id == user.id for trainer in session.trainers)


def roster(slot: Slot) -> list[tuple[Enrolment, AttendanceMark | None]]:
    """The confirmed learners of the slot's session, by name (loaded with them), with their mark for this slot."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.session_id == slot.session_id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .order_by(User.name, User.id)
        .options(contains_eager(Enrolment.user))
    ).all()
    marks = {
        m.enrolment_id: m
        for m in db.session.scalars(sa.select(AttendanceMark).where(AttendanceMark.slot_id == slot.id))
    }
    return [(enrolment, marks.get(enrolment.id)) for enrolment in enrolments]


def signoff(slot: Slot) -> SlotSignoff | None:
    """The trainer's sign-off of the slot, if any (read afresh from the database)."""
    return db.session.scalar(
        sa.select(SlotSignoff).where(SlotSignoff.slot_id == slot.id).execution_options(populate_existing=True)
    )


def signoffs(slot_ids: list[int]) -> dict[int, SlotSignoff | None]:
    """The sign-off of each slot (None when not signed off), in one query."""
    found = (
        {s.slot_id: s for s in db.session.scalars(sa.select(SlotSignoff).where(SlotSignoff.slot_id.in_(slot_ids)))}
        if slot_ids
        else {}
    )
    return {slot_id: found.get(slot_id) for slot_id in slot_ids}


def _taught_by(trainer: User) -> sa.Select:
    """The scheduled sessions `trainer` teaches, with their course and half-days loaded in two more
    queries however many sessions there are."""
    return (
        sa.select(CourseSession)
        .join(session_trainers)
        .where(session_trainers.c.user_id == trainer.id, CourseSession.status == SessionStatus.SCHEDULED)
        .options(selectinload(CourseSession.course), selectinload(CourseSession.slots))
    )


def running_and_upcoming_sessions(trainer: User, now: datetime) -> list[CourseSession]:
    """The sessions `trainer` teaches that have not ended at `now`, the soonest first."""
    query = _taught_by(trainer).where(CourseSession.ends_at > now)
    return list(db.session.scalars(query.order_by(CourseSession.starts_at, CourseSession.id)))


def past_sessions(trainer: User, now: datetime) -> sa.Select:
    """The query of the sessions `trainer` taught that had ended at `now`, the latest first (a
    trainer of ten years has hundreds: the caller pages it)."""
    return (
        _taught_by(trainer)
        .where(CourseSession.ends_at <= now)
        .order_by(CourseSession.ends_at.desc(), CourseSession.id.desc())
    )


def trainer_slots_on(trainer: User, day: date) -> list[Slot]:
    """The half-days `trainer` teaches on `day` (Paris time), in time order, with their session
    and course."""
    start = datetime.combine(day, time(), PARIS)
    query = (
        sa.select(Slot)
        .join(Slot.session)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .where(
            session_trainers.c.user_id == trainer.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            Slot.starts_at >= start,
            Slot.starts_at < start + timedelta(days=1),
        )
        .order_by(Slot.starts_at, Slot.id)
        .options(contains_eager(Slot.session).selectinload(CourseSession.course))
    )
    return list(db.session.scalars(query))


def confirmed_counts(session_ids: list[int]) -> dict[int, int]:
    """How many confirmed learners each session has."""
    if not session_ids:
        return {}
    query = (
        sa.select(Enrolment.session_id, sa.func.count())
        .where(Enrolment.session_id.in_(session_ids), Enrolment.status == EnrolmentStatus.CONFIRMED)
        .group_by(Enrolment.session_id)
    )
    return dict(db.session.execute(query).all())


def opens_at(slot: Slot) -> datetime:
    """From when present or late may be marked, and learners may check in and sign."""
    return slot.starts_at - timedelta(minutes=current_app.config["ATTENDANCE_OPEN_MINUTES"])


def _paris_time(moment: datetime) -> str:
    return format_datetime(moment, "EEEE d MMMM, HH:mm")


def _confirmed_enrolment(slot: Slot, enrolment: Enrolment) -> Enrolment:
    if enrolment.session_id != slot.session_id or enrolment.status is not EnrolmentStatus.CONFIRMED:
        raise AttendanceError(_("This learner does not hold a confirmed seat in this session."))
    return enrolment


def _check_authority(actor: User, slot: Slot, enrolment: Enrolment, method: MarkMethod) -> None:
    """A learner marks only themselves, by check-in; anyone else must teach the session or be an admin."""
    if method.by_learner:
        if actor.id != enrolment.user_id:
            raise NotAllowed(_("A learner can only check themselves in."))
    elif not (actor.is_admin or teaches(actor, slot.session)):
        raise NotAllowed(_("Only a trainer of this session or the training office can mark attendance."))


def _check_time(slot: Slot, status: MarkStatus) -> None:
    """Present or late only once the half-day has opened; absent and excused at any time."""
    if status.counts_as_attended and datetime.now(UTC) < opens_at(slot):
        raise TooEarly(
            _(
                "This half-day starts on %(start)s: present or late can be marked from %(open)s. "
                "Absent or excused can be set now.",
                start=_paris_time(slot.starts_at),
                open=_paris_time(opens_at(slot)),
            )
        )


def _state(mark: AttendanceMark | None) -> dict | None:
    if mark is None:
        return None
    return {
        "status": mark.status,
        "note": mark.note,
        "method": mark.method,
        "marked_by": mark.marked_by.email if mark.marked_by else None,
        "checked_in_at": mark.checked_in_at,
    }


def current_mark(slot: Slot, enrolment: Enrolment) -> AttendanceMark | None:
    """The learner's mark for the half-day, read afresh from the database (after the slot's lock)."""
    return db.session.scalar(
        sa.select(AttendanceMark)
        .filter_by(slot_id=slot.id, enrolment_id=enrolment.id)
        .execution_options(populate_existing=True)
    )


def set_mark(
    actor: User,
    slot: Slot,
    enrolment: Enrolment,
    status: MarkStatus,
    *,
    note: str = "",
    method: MarkMethod = MarkMethod.TRAINER,
    reason: str | None = None,
    checked_in_at: datetime | None = None,
) -> AttendanceMark:
    """Record or change a learner's mark for a half-day, under the slot's lock; audited with both values."""
    slot = lock(Slot, slot.id)
    _confirmed_enrolment(slot, enrolment)
    _check_authority(actor, slot, enrolment, method)
    if slot.session.status is SessionStatus.CANCELLED:
        raise AttendanceError(_("This session is cancelled: attendance can no longer be marked."))
    mark = current_mark(slot, enrolment)
    note = (note or "").strip()
    if mark is not None and mark.status is status and mark.note == note:
        return mark
    _check_time(slot, status)
    signed_off = signoff(slot) is not None
    if method.by_learner and (signed_off or (mark is not None and not mark.method.by_learner)):
        raise CheckInRefused(_("Your trainer has already marked this half-day: ask them to change it."))
    reason = (reason or "").strip() or None
    if signed_off and reason is None:
        raise ReasonRequired()
    before = _state(mark)
    if mark is None:
        mark = AttendanceMark(session_id=slot.session_id, slot_id=slot.id, enrolment_id=enrolment.id)
        db.session.add(mark)
    mark.status, mark.note, mark.method, mark.marked_by = status, note, method, actor
    mark.marked_at = datetime.now(UTC)
    if checked_in_at is not None or not status.counts_as_attended:
        mark.checked_in_at = checked_in_at
    db.session.flush()
    record(
        actor,
        "attendance.marked" if before is None else "attendance.changed",
        mark,
        before=before,
        after=_state(mark),
        reason=reason,
    )
    if status is MarkStatus.ABSENT and (before is None or before["status"] is not MarkStatus.ABSENT):
        _alert_absence(mark)
    return mark


def mark_all_present(actor: User, slot: Slot) -> int:
    """Mark every learner not yet marked as present; returns how many were marked."""
    slot = lock(Slot, slot.id)
    _check_time(slot, MarkStatus.PRESENT)
    count = 0
    for enrolment, mark in roster(slot):
        if mark is None:
            set_mark(actor, slot, enrolment, MarkStatus.PRESENT)
            count += 1
    return count


def sign_off(actor: User, slot: Slot, password: str) -> SlotSignoff:
    """The trainer's signature closing the roll of a half-day: password again, every learner marked.

    The sign-off stores the trainer's name, the time, its meaning and the hash of the roll with
    its learners' signatures.
    """
    slot = lock(Slot, slot.id)
    existing = signoff(slot)
    if existing is not None:
        return existing
    if not (actor.is_admin or teaches(actor, slot.session)):
        raise NotAllowed(_("Only a trainer of this session or the training office can sign the roll off."))
    if slot.starts_at > datetime.now(UTC):
        raise AttendanceError(_("This half-day has not started yet: it cannot be signed off."))
    rows = roster(slot)
    unmarked = [e.user.name for e, mark in rows if mark is None]
    if unmarked:
        raise AttendanceError(_("Mark every learner before signing off: %(names)s.", names=", ".join(unmarked)))
    if not actor.check_password(password or ""):
        raise SignatureError(_("Your password is not right: type it again to sign the roll off."))
    now = datetime.now(UTC)
    meaning = signatures.signoff_meaning(slot, len(rows), slot.session.course.language)
    done = SlotSignoff(
        slot_id=slot.id,
        signed_by=actor,
        signed_at=now,
        signer_name=actor.name,
        meaning=meaning,
        record_hash=signatures.roll_hash(slot, [m for _e, m in rows if m is not None], now, actor.id, meaning),
    )
    db.session.add(done)
    db.session.flush()
    record(
        actor,
        "attendance.signed_off",
        object_type="slots",
        object_id=slot.id,
        after={
            "session_id": slot.session_id,
            "signed_by": actor.email,
            "signed_at": done.signed_at,
            "meaning": meaning,
            "record_hash": done.record_hash,
        },
    )
    return done


def signoff_intact(done: SlotSignoff) -> bool:
    """Whether the roll is still as the trainer signed it (False once a mark was corrected)."""
    marks = list(db.session.scalars(sa.select(AttendanceMark).where(AttendanceMark.slot_id == done.slot_id)))
    return signatures.signoff_matches(done, marks)


def _alert_absence(mark: AttendanceMark) -> None:
    """Tell the training office that a learner missed a half-day, so someone can follow up."""
    session = mark.enrolment.session
    learner = mark.enrolment.user
    send_email(
        current_app.config["TRAINING_OFFICE_EMAIL"],
        _l("Absence: %(name)s", name=learner.name),
        "attendance/absence_alert",
        locale="fr",
        learner=learner,
        course=session.course,
        slot=mark.slot,
        mark=mark,
        session_url=external_url("attendance.session_detail", session_id=session.id),
    )


# --- Learners' signatures ------------------------------------------------------------------


def sign(
    signer: User, slot: Slot, enrolment: Enrolment, *, device: SignatureDevice, drawing: str = "", typed_name: str = ""
) -> AttendanceSignature:
    """The learner signs their present or late mark of the half-day (drawn, or their typed name).

    Only the enrolment's learner signs, while the roll is open (from the opening time until
    sign-off). Signing again while the signature still matches the mark changes nothing.
    """
    slot = lock(Slot, slot.id)
    if signer.id != enrolment.user_id or enrolment.session_id != slot.session_id:
        raise NotAllowed(_("Only the learner can sign their own attendance."))
    mark = current_mark(slot, enrolment)
    if mark is None or not mark.status.counts_as_attended:
        raise SignatureError(_("There is no presence to sign for this half-day: check in first."))
    if signoff(slot) is not None:
        raise SignatureError(_("This half-day is signed off: signatures are closed."))
    if datetime.now(UTC) < opens_at(slot):
        raise TooEarly(_("Signing opens at %(open)s.", open=_paris_time(opens_at(slot))))
    latest = signatures.latest_signatures([mark.id]).get(mark.id)
    if latest is not None and latest.signer_id == signer.id and signatures.is_intact(latest):
        return latest
    try:
        if drawing.strip():
            method, drawing, typed_name = SignatureMethod.DRAWN, signatures.clean_drawing(drawing), ""
        else:
            typed_name = signatures.clean_typed_name(typed_name, signer.name)
            method, drawing = SignatureMethod.TYPED, ""
    except signatures.SignatureRefused as refused:
        raise SignatureError(str(refused)) from None
    return _store_signature(signer, mark, method, device, drawing, typed_name)


def _store_signature(
    signer: User, mark: AttendanceMark, method: SignatureMethod, device: SignatureDevice, drawing: str, typed_name: str
) -> AttendanceSignature:
    now = datetime.now(UTC)
    meaning = signatures.mark_meaning(mark.slot, mark.status, mark.slot.session.course.language)
    fields: signatures.SignatureFields = {
        "signer_id": signer.id,
        "signer_name": signer.name,
        "signed_at": now,
        "meaning": meaning,
        "method": method,
        "device": device,
        "drawing": drawing,
        "typed_name": typed_name,
    }
    signature = AttendanceSignature(mark=mark, record_hash=signatures.signature_hash(mark, **fields), **fields)
    db.session.add(signature)
    db.session.flush()
    record(
        signer,
        "attendance.signed",
        signature,
        after={
            "mark_id": mark.id,
            "slot_id": mark.slot_id,
            "signer": signer.email,
            "signed_at": now,
            "meaning": meaning,
            "method": method,
            "device": device,
            "record_hash": signature.record_hash,
        },
    )
    return signature


def sign_on_trainer_device(
    trainer: User, slot: Slot, enrolment: Enrolment, password: str, *, drawing: str = "", typed_name: str = ""
) -> AttendanceSignature:
    """The learner signs on the trainer's phone: their own password identifies them (§11.200)."""
    slot = lock(Slot, slot.id)
    _check_authority(trainer, slot, enrolment, MarkMethod.TRAINER)
    learner = enrolment.user
    if not learner.is_active or not learner.check_password(password or ""):
        raise SignatureError(
            _("The password is not right: %(name)s types their own password to sign.", name=learner.name)
        )
    return sign(learner, slot, enrolment, device=SignatureDevice.TRAINER, drawing=drawing, typed_name=typed_name)


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
        raise CheckInRefused(
            _("This code has expired: scan the code on the screen again.")
            if expired
            else _("This code is not valid: scan the code shown by your trainer.")
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("slot"), int):
        raise CheckInRefused(_("This code is not valid: scan the code shown by your trainer."))
    return payload["slot"]


def checkin_slot(learner: User, token: str) -> tuple[Slot, Enrolment]:
    """The half-day of a valid code and the signed-in learner's confirmed enrolment in its session.

    A forwarded code only ever concerns the person who opens it, signed in, and only if enrolled.
    """
    slot = db.session.get(Slot, read_checkin_token(token))
    if slot is None or slot.session.status is SessionStatus.CANCELLED:
        raise CheckInRefused(_("This code is not valid: scan the code shown by your trainer."))
    enrolment = db.session.scalar(sa.select(Enrolment).filter_by(session_id=slot.session_id, user_id=learner.id))
    if enrolment is None or enrolment.status is not EnrolmentStatus.CONFIRMED:
        raise CheckInRefused(_("You do not hold a confirmed seat in this session, so you cannot check in."))
    return slot, enrolment


def check_in(learner: User, token: str, *, drawing: str = "", typed_name: str = "") -> AttendanceMark:
    """Mark the signed-in learner present from a scanned code and take their signature.

    Valid code, confirmed seat, roll open now (from the opening time until 30 minutes after the
    end, and not signed off); a mark made by the trainer is never overwritten: a present mark is
    signed as it is, an absent or excused one is refused.
    """
    slot, enrolment = checkin_slot(learner, token)
    now = datetime.now(UTC)
    if now < opens_at(slot):
        raise CheckInRefused(
            _("This half-day has not started yet: check in from %(open)s.", open=_paris_time(opens_at(slot)))
        )
    if now > slot.ends_at + CHECKIN_CLOSES_AFTER:
        raise CheckInRefused(_("This half-day is over: ask your trainer to mark your attendance."))
    slot = lock(Slot, slot.id)
    mark = current_mark(slot, enrolment)
    if mark is None or not mark.status.counts_as_attended:
        status = MarkStatus.LATE if now > slot.starts_at + LATE_AFTER else MarkStatus.PRESENT
        mark = set_mark(learner, slot, enrolment, status, method=MarkMethod.SELF_CHECKIN, checked_in_at=now)
    sign(learner, slot, enrolment, device=SignatureDevice.OWN, drawing=drawing, typed_name=typed_name)
    return mark


# --- Figures -------------------------------------------------------------------------------

ATTENDED = (MarkStatus.PRESENT, MarkStatus.LATE)


def attended_hours(enrolment_ids: list[int]) -> dict[int, Decimal]:
    """Hours attended per enrolment: the hours of the slots marked present or late."""
    if not enrolment_ids:
        return {}
    query = (
        sa.select(AttendanceMark.enrolment_id, sa.func.sum(Slot.hours))
        .join(Slot, AttendanceMark.slot_id == Slot.id)
        .where(AttendanceMark.enrolment_id.in_(enrolment_ids), AttendanceMark.status.in_(ATTENDED))
        .group_by(AttendanceMark.enrolment_id)
    )
    found = {enrolment_id: Decimal(str(hours)) for enrolment_id, hours in db.session.execute(query)}
    return {enrolment_id: found.get(enrolment_id, Decimal("0")) for enrolment_id in enrolment_ids}


def scheduled_hours(session_ids: list[int]) -> dict[int, Decimal]:
    """Hours scheduled per session: the sum of its slots."""
    if not session_ids:
        return {}
    query = (
        sa.select(Slot.session_id, sa.func.sum(Slot.hours))
        .where(Slot.session_id.in_(session_ids))
        .group_by(Slot.session_id)
    )
    return {session_id: Decimal(str(hours)) for session_id, hours in db.session.execute(query)}


def rate(attended: Decimal, scheduled: Decimal) -> int:
    """Attendance rate in whole percent."""
    return round(100 * attended / scheduled) if scheduled else 0


def learner_hours(enrolment_ids: list[int]) -> dict[int, dict]:
    """For "My trainings": hours attended and scheduled, and the rate, per enrolment."""
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(enrolment_ids))).all()
    attended = attended_hours(enrolment_ids)
    scheduled = scheduled_hours(list({e.session_id for e in enrolments}))
    return {
        e.id: {
            "hours_attended": attended[e.id],
            "hours_scheduled": scheduled.get(e.session_id, Decimal("0")),
            "attendance_rate": rate(attended[e.id], scheduled.get(e.session_id, Decimal("0"))),
        }
        for e in enrolments
    }


def slot_counts(slot_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many learners are marked in each slot, by status."""
    counts: dict[int, dict[str, int]] = {slot_id: {} for slot_id in slot_ids}
    if not slot_ids:
        return counts
    query = (
        sa.select(AttendanceMark.slot_id, AttendanceMark.status, sa.func.count())
        .where(AttendanceMark.slot_id.in_(slot_ids))
        .group_by(AttendanceMark.slot_id, AttendanceMark.status)
    )
    for slot_id, status, count in db.session.execute(query):
        counts[slot_id][status.value] = count
    return counts
