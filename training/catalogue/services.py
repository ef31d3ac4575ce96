"""Catalogue operations: courses, sessions and their half-day slots.

Each operation takes the acting user, checks what a person would check, flushes,
writes its audit row and raises `SchedulingError` (naming the field at fault) on
refusal. None of them commits: the caller (a page, the API, the CLI) does, once.
Times are aware UTC datetimes; messages show them in Paris time. The rules and the
time arithmetic live in `training.catalogue.scheduling`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from training.accounts.models import User
from training.audit.services import record, snapshot
from training.catalogue import scheduling as rules
from training.catalogue.models import (
    Course,
    CourseFormat,
    CourseSession,
    CourseStatus,
    Level,
    SessionStatus,
    Slot,
    Track,
)
from training.catalogue.scheduling import (  # noqa: F401  (part of this module's interface)
    AFTERNOON,
    MORNING,
    PARIS,
    SchedulingError,
    half_day_slots,
    paris_to_utc,
    paris_wall_clock,
    slot_hours,
)
from training.database import lock
from training.extensions import db

COURSE_FIELDS = (
    "slug",
    "title",
    "track",
    "level",
    "language",
    "format",
    "summary",
    "objectives",
    "prerequisites",
    "audience",
    "duration_hours",
    "price_eur",
    "teaching_methods",
    "assessment",
    "accessibility",
    "contact",
    "access_delay",
    "attendance_threshold",
)
# A change to one of these is a new version of the course: GMP training records name the version taught.
CONTENT_FIELDS = ("title", "objectives", "summary", "duration_hours", "prerequisites", "assessment", "teaching_methods")
SESSION_FIELDS = (
    "place",
    "capacity",
    "enrolment_deadline",
    "cancellation_deadline",
    "approval_required",
    "what_to_bring",
)
SESSION_AUDIT_FIELDS = ("course_id", "status", "starts_at", "ends_at", *SESSION_FIELDS)
SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_ENUMS = {"track": Track, "level": Level, "format": CourseFormat}
_DECIMALS = ("duration_hours", "price_eur", "attendance_threshold")
_REQUIRED = {
    "slug": _l("Give the course a short name for its address, e.g. “aav-vector-design”."),
    "title": _l("Give the course a title."),
    "track": _l("Choose a track."),
    "level": _l("Choose a level."),
    "language": _l("Choose the language of the course."),
    "format": _l("Choose a format."),
    "summary": _l("Write a summary of the course."),
    "objectives": _l("List the objectives of the course."),
    "duration_hours": _l("Give the duration in hours."),
}


# ---------------------------------------------------------------- courses


def create_course(actor: User, **fields) -> Course:
    """Add a course (a draft unless `status` is given); raise SchedulingError on a wrong field."""
    status = _course_status(fields.pop("status", CourseStatus.DRAFT))
    values = _clean_course_fields(fields)
    _check_required(values, _REQUIRED)
    _check_course(values)
    course = Course(status=status, **values)
    db.session.add(course)
    db.session.flush()
    record(actor, "course.created", course, after=snapshot(course, ("status", "version", *COURSE_FIELDS)))
    return course


def update_course(actor: User, course: Course, **fields) -> None:
    """Change course fields; the audit row keeps only what changed, and content changes bump the version."""
    values = _clean_course_fields(fields)
    _check_required(values, {name: _REQUIRED[name] for name in values if name in _REQUIRED})
    _check_course({**{name: getattr(course, name) for name in COURSE_FIELDS}, **values}, course_id=course.id)
    changed = {name: value for name, value in values.items() if getattr(course, name) != value}
    if not changed:
        return
    before = snapshot(course, tuple(changed))
    if any(name in CONTENT_FIELDS for name in changed):
        before["version"] = course.version
        changed["version"] = course.version + 1
    for name, value in changed.items():
        setattr(course, name, value)
    db.session.flush()
    record(actor, "course.updated", course, before=before, after=snapshot(course, tuple(changed)))


def set_course_status(actor: User, course: Course, status: CourseStatus) -> None:
    """Publish, unpublish (back to draft) or archive a course."""
    status = _course_status(status)
    if course.status is status:
        raise SchedulingError(_("The course is already %(status)s.", status=_status_word(status)), field="status")
    if status is CourseStatus.PUBLISHED:
        needed = ("title", "summary", "objectives")
        _check_required(snapshot(course, needed), {name: _REQUIRED[name] for name in needed})
    before = {"status": course.status}
    course.status = status
    db.session.flush()
    action = {
        CourseStatus.PUBLISHED: "course.published",
        CourseStatus.DRAFT: "course.unpublished",
        CourseStatus.ARCHIVED: "course.archived",
    }[status]
    record(actor, action, course, before=before, after={"status": status})


def _course_status(value) -> CourseStatus:
    try:
        return CourseStatus(value)
    except ValueError:
        raise SchedulingError(_("Choose one of the proposed values."), field="status") from None


def _status_word(status: CourseStatus) -> str:
    return {
        CourseStatus.PUBLISHED: _("published"),
        CourseStatus.DRAFT: _("a draft"),
        CourseStatus.ARCHIVED: _("archived"),
    }[status]


def _clean_course_fields(fields: dict) -> dict:
    """Coerce enums and numbers, trim text; refuse unknown fields."""
    values = {}
    for name, value in fields.items():
        if name not in COURSE_FIELDS:
            raise SchedulingError(_("Unknown field: %(name)s.", name=name), field=name)
        values[name] = _clean_course_value(name, value)
    return values


def _clean_course_value(name: str, value):
    if value is None:
        return None if name in _ENUMS or name in _DECIMALS else ""
    if name in _ENUMS:
        try:
            return _ENUMS[name](value)
        except ValueError:
            raise SchedulingError(_("Choose one of the proposed values."), field=name) from None
    if name in _DECIMALS:
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise SchedulingError(_("Enter a number."), field=name)
        return number
    if not isinstance(value, str):
        raise SchedulingError(_("Enter text."), field=name)
    return value.strip()


def _check_required(values: dict, required: dict) -> None:
    for name, message in required.items():
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise SchedulingError(str(message), field=name)


def _check_course(values: dict, course_id: int | None = None) -> None:
    """Refuse what a person or the database would refuse, naming the field."""
    slug = values.get("slug") or ""
    if not slug or not set(slug) <= SLUG_CHARS or slug.startswith("-") or slug.endswith("-"):
        raise SchedulingError(
            _("The short name may hold only lowercase letters, digits and hyphens, e.g. “aav-vector-design”."),
            field="slug",
        )
    taken = sa.select(Course.id).where(Course.slug == slug, Course.id != (course_id or 0))
    if db.session.scalar(taken) is not None:
        raise SchedulingError(_("Another course already uses the short name “%(slug)s”.", slug=slug), field="slug")
    if values.get("language") not in ("fr", "en"):
        raise SchedulingError(_("The language must be French (fr) or English (en)."), field="language")
    _check_numbers(values)
    for name, value in values.items():
        length = getattr(Course.__table__.c[name].type, "length", None)
        if isinstance(value, str) and length and len(value) > length:
            raise SchedulingError(_("At most %(num)d characters.", num=length), field=name)


def _check_numbers(values: dict) -> None:
    for name in ("price_eur", "attendance_threshold"):
        if name in values and values[name] is None:
            raise SchedulingError(_("Enter a number."), field=name)
    duration, price = values.get("duration_hours"), values.get("price_eur")
    threshold = values.get("attendance_threshold")
    if duration is not None and not Decimal("0") < duration < Decimal("10000"):
        raise SchedulingError(_("The duration must be more than 0 and less than 10,000 hours."), field="duration_hours")
    if price is not None and not Decimal("0") <= price < Decimal("100000000"):
        raise SchedulingError(_("The price must be 0 or more."), field="price_eur")
    if threshold is not None and not Decimal("0") < threshold <= Decimal("1"):
        raise SchedulingError(
            _("The attendance needed must be above 0 % and at most 100 %."), field="attendance_threshold"
        )


# ---------------------------------------------------------------- sessions


def schedule_session(
    actor: User,
    course: Course,
    *,
    place: str,
    capacity: int,
    trainers: list[User],
    slots: list[tuple[datetime, datetime]],
    enrolment_deadline: datetime,
    cancellation_deadline: datetime,
    approval_required: bool = False,
    what_to_bring: str = "",
) -> CourseSession:
    """Add a dated session of `course` made of `slots` (aware start and end pairs); past dates are allowed."""
    values = {
        "place": (place or "").strip(),
        "capacity": capacity,
        "enrolment_deadline": enrolment_deadline,
        "cancellation_deadline": cancellation_deadline,
        "approval_required": bool(approval_required),
        "what_to_bring": (what_to_bring or "").strip(),
    }
    return _create_session(actor, course, values, list(dict.fromkeys(trainers)), slots)


def _create_session(
    actor: User,
    course: Course,
    values: dict,
    trainers: list[User],
    slots,
    action: str = "session.scheduled",
    note: dict | None = None,
) -> CourseSession:
    rules.check_course_open(course)
    rules.check_place_and_capacity(values["place"], values["capacity"])
    ordered = rules.check_slots(slots)
    rules.check_deadlines(ordered[0][0], values["enrolment_deadline"], values["cancellation_deadline"])
    rules.check_trainer_roles(trainers)
    rules.check_trainer_conflicts(trainers, ordered)
    session = CourseSession(
        course=course,
        starts_at=ordered[0][0],
        ends_at=ordered[-1][1],
        trainers=trainers,
        slots=[Slot(starts_at=start, ends_at=end, hours=slot_hours(start, end)) for start, end in ordered],
        **values,
    )
    db.session.add(session)
    db.session.flush()
    record(actor, action, session, after={**_session_state(session), **(note or {})})
    return session


def _session_state(session: CourseSession) -> dict:
    """What the audit log keeps of a whole session."""
    return {
        **snapshot(session, SESSION_AUDIT_FIELDS),
        "trainer_ids": sorted(t.id for t in session.trainers),
        "slots": [[slot.starts_at, slot.ends_at] for slot in session.slots],
    }


def update_session(actor: User, session: CourseSession, **fields) -> None:
    """Change the place, capacity, trainers, deadlines, approval rule or what to bring.

    Pages and the API call `training.enrolment.services.update_session`, which also gives the
    seats a raised capacity frees to the waitlist."""
    unknown = set(fields) - {*SESSION_FIELDS, "trainers"}
    if unknown:
        raise SchedulingError(_("Unknown field: %(name)s.", name=sorted(unknown)[0]), field=sorted(unknown)[0])
    rules.check_session_open(session)
    if "capacity" in fields:
        # Enrolments take seats under this row lock; holding it, the count below cannot move.
        session = lock(CourseSession, session.id)
    values = _session_values(session, fields)
    _check_session_update(session, values, fields.get("trainers"))
    changed = {name: value for name, value in values.items() if getattr(session, name) != value}
    before, after = snapshot(session, tuple(changed)), dict(changed)
    for name, value in changed.items():
        setattr(session, name, value)
    if "trainers" in fields and set(fields["trainers"]) != set(session.trainers):
        before["trainer_ids"] = sorted(t.id for t in session.trainers)
        session.trainers = list(dict.fromkeys(fields["trainers"]))
        after["trainer_ids"] = sorted(t.id for t in session.trainers)
    if after:
        db.session.flush()
        record(actor, "session.updated", session, before=before, after=after)


def _session_values(session: CourseSession, fields: dict) -> dict:
    """The session's fields after the change, text trimmed."""
    values = {name: fields.get(name, getattr(session, name)) for name in SESSION_FIELDS}
    values["place"] = (values["place"] or "").strip()
    values["what_to_bring"] = (values["what_to_bring"] or "").strip()
    values["approval_required"] = bool(values["approval_required"])
    return values


def _check_session_update(session: CourseSession, values: dict, trainers: list[User] | None) -> None:
    rules.check_place_and_capacity(values["place"], values["capacity"])
    if values["capacity"] < session.seats_taken:
        raise SchedulingError(
            ngettext(
                "%(num)d learner is already confirmed: the capacity cannot go below %(num)d.",
                "%(num)d learners are already confirmed: the capacity cannot go below %(num)d.",
                session.seats_taken,
            ),
            field="capacity",
        )
    rules.check_deadlines(session.starts_at, values["enrolment_deadline"], values["cancellation_deadline"])
    if trainers is not None:
        added = [trainer for trainer in trainers if trainer not in session.trainers]
        rules.check_trainer_roles(added)
        times = [(slot.starts_at, slot.ends_at) for slot in session.slots]
        rules.check_trainer_conflicts(added, times, session.id)


# ---------------------------------------------------------------- slots


def update_slot(actor: User, slot: Slot, starts_at: datetime, ends_at: datetime) -> None:
    """Move one half-day; refused once its roll has been taken."""
    session = slot.session
    rules.check_session_open(session)
    if rules.has_attendance(slot):
        raise SchedulingError(_("The roll of this half-day has been taken: it can no longer be moved."), field="slots")
    others = [(s.starts_at, s.ends_at) for s in session.slots if s is not slot]
    _check_slot_change(session, others, (starts_at, ends_at))
    before = {"slot_id": slot.id, "starts_at": slot.starts_at, "ends_at": slot.ends_at}
    slot.starts_at, slot.ends_at, slot.hours = starts_at, ends_at, slot_hours(starts_at, ends_at)
    _fit_session_to_slots(session)
    record(
        actor,
        "slot.updated",
        session,
        before=before,
        after={"slot_id": slot.id, "starts_at": starts_at, "ends_at": ends_at},
    )


def add_slot(actor: User, session: CourseSession, starts_at: datetime, ends_at: datetime) -> Slot:
    """Add a half-day to a session."""
    rules.check_session_open(session)
    _check_slot_change(session, [(s.starts_at, s.ends_at) for s in session.slots], (starts_at, ends_at))
    slot = Slot(starts_at=starts_at, ends_at=ends_at, hours=slot_hours(starts_at, ends_at))
    session.slots.append(slot)
    _fit_session_to_slots(session)
    record(actor, "slot.added", session, after={"slot_id": slot.id, "starts_at": starts_at, "ends_at": ends_at})
    return slot


def remove_slot(actor: User, slot: Slot) -> None:
    """Remove a half-day; never the last one, nor one whose roll has been taken."""
    session = slot.session
    rules.check_session_open(session)
    if len(session.slots) <= 1:
        raise SchedulingError(
            _("A session needs at least one half-day: this is the last one. Cancel the session instead."), field="slots"
        )
    if rules.has_attendance(slot):
        raise SchedulingError(
            _("The roll of this half-day has been taken: it can no longer be removed."), field="slots"
        )
    before = {"slot_id": slot.id, "starts_at": slot.starts_at, "ends_at": slot.ends_at}
    session.slots.remove(slot)
    _fit_session_to_slots(session)
    record(actor, "slot.removed", session, before=before)


def _check_slot_change(session: CourseSession, others: list, changed: tuple[datetime, datetime]) -> None:
    """The session's slots with `changed` among them are valid, and its trainers are free then."""
    ordered = rules.check_slots([*others, changed])
    rules.check_deadlines(ordered[0][0], session.enrolment_deadline, session.cancellation_deadline)
    rules.check_trainer_conflicts(session.trainers, [changed], session.id)


def _fit_session_to_slots(session: CourseSession) -> None:
    """Keep the session's first start and last end in step with its slots."""
    session.slots.sort(key=lambda slot: slot.starts_at)
    session.starts_at = session.slots[0].starts_at
    session.ends_at = max(slot.ends_at for slot in session.slots)
    db.session.flush()


# ---------------------------------------------------------------- duplicate and cancel


def duplicate_session(actor: User, session: CourseSession, first_day: date) -> CourseSession:
    """A new session like `session` from `first_day`: same wall-clock times, gaps and deadline offsets."""
    days = (first_day - paris_wall_clock(session.starts_at).date()).days
    slots = [(rules.shift_days(s.starts_at, days), rules.shift_days(s.ends_at, days)) for s in session.slots]
    values = {
        "place": session.place,
        "capacity": session.capacity,
        "approval_required": session.approval_required,
        "what_to_bring": session.what_to_bring,
        "enrolment_deadline": rules.shift_days(session.enrolment_deadline, days),
        "cancellation_deadline": rules.shift_days(session.cancellation_deadline, days),
    }
    return _create_session(
        actor,
        session.course,
        values,
        list(session.trainers),
        slots,
        action="session.duplicated",
        note={"duplicated_from": session.id},
    )


def cancel_session(actor: User, session: CourseSession, reason: str) -> None:
    """Cancel a session, with the reason the learners will read; `training.enrolment.services.cancel_session`
    cancels its enrolments with it."""
    reason = (reason or "").strip()
    if not reason:
        raise SchedulingError(_("Give the reason for the cancellation: the learners will read it."), field="reason")
    # The row lock makes a concurrent enrolment wait, then see the session cancelled.
    session = lock(CourseSession, session.id)
    if session.status is SessionStatus.CANCELLED:
        raise SchedulingError(_("This session is already cancelled."), field="status")
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = datetime.now(UTC)
    session.cancellation_reason = reason
    db.session.flush()
    record(
        actor,
        "session.cancelled",
        session,
        before={"status": SessionStatus.SCHEDULED},
        after={"status": session.status, "cancelled_at": session.cancelled_at},
        reason=reason,
    )
