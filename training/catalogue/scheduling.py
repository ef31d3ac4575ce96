"""The rules of scheduling: Paris wall-clock time, half-day slots, and the checks
every session operation runs before it changes anything.

Each check raises `SchedulingError` naming the field at fault, with dates in Paris time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import sqlalchemy as sa
from flask_babel import format_date, format_datetime, format_time
from flask_babel import gettext as _

from training.accounts.models import Role
from training.catalogue.models import Course, CourseSession, CourseStatus, SessionStatus, Slot, session_trainers
from training.errors import DomainError
from training.extensions import db
from training.timezones import PARIS

MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(17, 0))
MAX_SLOT = timedelta(hours=12)
MAX_RANGE_DAYS = 366
# Tables of the attendance feature, named here without importing it (it sits above the catalogue).
_MARKS = sa.table("attendance_marks", sa.column("slot_id"))
_SIGNOFFS = sa.table("slot_signoffs", sa.column("slot_id"))


class SchedulingError(DomainError):
    """A refused catalogue change; `field` names the form or JSON field the message is about."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- Paris time


def paris_to_utc(day: date, at: time) -> datetime:
    """The Paris wall-clock time `at` on `day`, as an aware UTC datetime."""
    return datetime.combine(day, at, PARIS).astimezone(UTC)


def paris_wall_clock(moment: datetime) -> datetime:
    """An aware datetime as a naive Paris wall-clock time."""
    return moment.astimezone(PARIS).replace(tzinfo=None)


def _day(moment: datetime) -> str:
    return format_date(moment, "EEEE d MMMM")


def _when(moment: datetime) -> str:
    return format_datetime(moment, "EEEE d MMMM, HH:mm")


def _span(start: datetime, end: datetime) -> str:
    return f"{_when(start)}–{format_time(end, 'HH:mm')}"


# ---------------------------------------------------------------- half-day slots


def half_day_slots(
    first_day: date,
    last_day: date,
    morning: tuple[time, time] | None = MORNING,
    afternoon: tuple[time, time] | None = AFTERNOON,
    weekends: bool = False,
) -> list[tuple[datetime, datetime]]:
    """The half-days from `first_day` to `last_day` (Paris wall-clock times), as aware UTC pairs."""
    if last_day < first_day:
        raise SchedulingError(_("The last day is before the first day."), field="last_day")
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise SchedulingError(_("A session cannot span more than a year."), field="last_day")
    slots = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5 and not weekends:
            continue
        for half in (morning, afternoon):
            if half is not None:
                slots.append((paris_to_utc(day, half[0]), paris_to_utc(day, half[1])))
    return slots


def slot_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    """The length of a slot in hours, to two places."""
    seconds = Decimal((ends_at - starts_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_slots(slots) -> list[tuple[datetime, datetime]]:
    """The slots in order, once each is aware, ends after it starts and overlaps no other."""
    if not slots:
        raise SchedulingError(_("A session needs at least one half-day: the dates chosen hold none."), field="slots")
    if any(moment.tzinfo is None for pair in slots for moment in pair):
        raise SchedulingError(_("Every time must carry its time zone."), field="slots")
    ordered = sorted(slots)
    for start, end in ordered:
        if end <= start:
            raise SchedulingError(_("The half-day of %(day)s ends before it starts.", day=_day(start)), field="slots")
        if end - start > MAX_SLOT:
            raise SchedulingError(
                _("The half-day of %(day)s lasts more than 12 hours.", day=_day(start)), field="slots"
            )
    for (start, end), (next_start, next_end) in pairwise(ordered):
        if next_start < end:
            raise SchedulingError(
                _(
                    "Two half-days overlap: %(first)s and %(second)s.",
                    first=_span(start, end),
                    second=_span(next_start, next_end),
                ),
                field="slots",
            )
    return ordered


def check_deadlines(starts_at: datetime, enrolment_deadline: datetime, cancellation_deadline: datetime) -> None:
    """Both deadlines fall before the session starts (they may be in the past: sessions held before)."""
    deadlines = {"enrolment_deadline": enrolment_deadline, "cancellation_deadline": cancellation_deadline}
    for field, deadline in deadlines.items():
        if not isinstance(deadline, datetime) or deadline.tzinfo is None:
            raise SchedulingError(_("Give a date and a time, with its time zone."), field=field)
    if enrolment_deadline > starts_at:
        raise SchedulingError(
            _("The enrolment deadline must be before the session starts (%(start)s).", start=_when(starts_at)),
            field="enrolment_deadline",
        )
    if cancellation_deadline > starts_at:
        raise SchedulingError(
            _("The cancellation deadline must be before the session starts (%(start)s).", start=_when(starts_at)),
            field="cancellation_deadline",
        )


def check_trainer_roles(trainers) -> None:
    """Every trainer holds the trainer role."""
    for trainer in trainers:
        if not trainer.has_role(Role.TRAINER):
            raise SchedulingError(
                _("%(name)s does not hold the trainer role: grant it on the People page first.", name=trainer.name),
                field="trainers",
            )


def check_trainer_conflicts(trainers, slots, session_id: int | None = None) -> None:
    """Refuse a trainer who already teaches another live session at an overlapping time."""
    if not trainers or not slots:
        return
    by_id = {trainer.id: trainer for trainer in trainers}
    query = (
        sa.select(session_trainers.c.user_id, Slot)
        .join(CourseSession, CourseSession.id == Slot.session_id)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .where(
            session_trainers.c.user_id.in_(by_id),
            CourseSession.status != SessionStatus.CANCELLED,
            CourseSession.id != (session_id or 0),
            Slot.starts_at < max(end for _s, end in slots),
            Slot.ends_at > min(start for start, _e in slots),
        )
        .order_by(Slot.starts_at)
    )
    for user_id, booked in db.session.execute(query):
        if any(booked.starts_at < end and booked.ends_at > start for start, end in slots):
            raise SchedulingError(
                _(
                    "%(name)s already teaches “%(title)s” on %(when)s.",
                    name=by_id[user_id].name,
                    title=booked.session.course.title,
                    when=_span(booked.starts_at, booked.ends_at),
                ),
                field="trainers",
            )


def check_place_and_capacity(place: str, capacity) -> None:
    """A place is named and the capacity is a whole number of at least one learner."""
    if not (place or "").strip():
        raise SchedulingError(_("Say where the session takes place."), field="place")
    if len(place) > 300:
        raise SchedulingError(_("At most %(num)d characters.", num=300), field="place")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 10000:
        raise SchedulingError(_("The capacity must be a whole number of learners, at least 1."), field="capacity")


def check_course_open(course: Course) -> None:
    """No new session for an archived course."""
    if course.status is CourseStatus.ARCHIVED:
        raise SchedulingError(
            _("The course is archived: put it back to draft or publish it before scheduling a session."), field="course"
        )


def check_session_open(session: CourseSession) -> None:
    """A cancelled session stays as it was cancelled."""
    if session.status is SessionStatus.CANCELLED:
        raise SchedulingError(
            _("This session is cancelled and can no longer be changed; duplicate it to schedule it again."),
            field="status",
        )


def has_attendance(slot: Slot) -> bool:
    """Whether the roll of this slot was taken or signed: its times are then evidence."""
    for table in (_MARKS, _SIGNOFFS):
        count = sa.select(sa.func.count()).select_from(table).where(table.c.slot_id == slot.id)
        if db.session.scalar(count):
            return True
    return False


def shift_days(moment: datetime, days: int) -> datetime:
    """`moment` moved by whole days, keeping its Paris wall-clock time across a daylight-saving change."""
    local = paris_wall_clock(moment) + timedelta(days=days)
    return local.replace(tzinfo=PARIS).astimezone(UTC)
