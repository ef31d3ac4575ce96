"""The dashboard's figures: what awaits the training office, and the numbers behind its charts.

The number of SQL queries does not grow with the data: lists are cut in SQL, counts are
counted in SQL, figures come from one grouped query each, and the certificates owed are
counted by the database, session by session.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from training.attendance.models import AttendanceMark, MarkStatus
from training.attendance.services import ATTENDED, rate
from training.catalogue.models import Course, CourseSession, SessionStatus, Slot, Track
from training.certificates.due import owed_by_session
from training.enrolment.figures import waitlist_lengths
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.surveys.figures import SATISFIED_FROM
from training.surveys.models import SurveyResponse
from training.timezones import PARIS

LIST_SIZE = 5  # items shown in each "needs you" section
UPCOMING_SIZE = 10
DUE_WINDOW = timedelta(days=180)  # certificates of sessions that ended longer ago are not chased here
ABSENCE_WINDOW = timedelta(days=30)
UPCOMING_WINDOW = timedelta(days=60)
SCHEDULED = CourseSession.status == SessionStatus.SCHEDULED


def _count(query: sa.Select) -> int:
    """How many rows `query` returns, counted by the database."""
    return db.session.scalars(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).one()


# ---------------------------------------------------------------- what needs an admin


def pending_approvals() -> dict:
    """Enrolments awaiting approval: how many, and the oldest requests."""
    query = sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.PENDING_APPROVAL)
    items = db.session.scalars(
        query.options(joinedload(Enrolment.user), joinedload(Enrolment.session).joinedload(CourseSession.course))
        .order_by(Enrolment.created_at, Enrolment.id)
        .limit(LIST_SIZE)
    ).all()
    return {"count": _count(query), "first": items}


def unsigned_slots(now: datetime) -> dict:
    """Ended half-days of held sessions that no trainer signed off, oldest first."""
    query = (
        sa.select(Slot)
        .join(Slot.session)
        .join(CourseSession.course)
        # The flag the sign-offs keep, served by a partial index of the unsigned half-days.
        .where(sa.not_(Slot.signed_off), Slot.ends_at <= now, SCHEDULED)
    )
    session = contains_eager(Slot.session)
    items = db.session.scalars(
        query.options(session.contains_eager(CourseSession.course), session.selectinload(CourseSession.trainers))
        .order_by(Slot.starts_at, Slot.id)
        .limit(LIST_SIZE)
    ).all()
    return {"count": _count(query), "first": items}


def certificates_due(now: datetime) -> dict:
    """Ended sessions with learners who earned a certificate not yet issued, most recent first.

    The database counts the learners owed per session (`certificates.due`, the SQL twin of the
    certificates services' rule), and the total comes with the first rows, in one query.
    """
    ended = sa.select(CourseSession.id).where(
        SCHEDULED, CourseSession.ends_at <= now, CourseSession.ends_at > now - DUE_WINDOW
    )
    owed = owed_by_session(ended).subquery("owed")
    rows = db.session.execute(
        sa.select(CourseSession, owed.c.learners, sa.func.count().over())
        .join(owed, owed.c.session_id == CourseSession.id)
        .join(CourseSession.course)
        .options(contains_eager(CourseSession.course))
        .order_by(CourseSession.ends_at.desc(), CourseSession.id.desc())
        .limit(LIST_SIZE)
    ).all()
    due = [{"session": session, "learners": learners} for session, learners, _total in rows]
    return {"count": rows[0][2] if rows else 0, "first": due}


def absences(now: datetime) -> dict:
    """Half-days missed without excuse in the last 30 days, the latest first."""
    where = (AttendanceMark.status == MarkStatus.ABSENT, Slot.starts_at >= now - ABSENCE_WINDOW, Slot.starts_at <= now)
    marks, learners = db.session.execute(
        sa.select(sa.func.count(AttendanceMark.id), sa.func.count(sa.distinct(Enrolment.user_id)))
        .join(Slot, AttendanceMark.slot_id == Slot.id)
        .join(Enrolment, AttendanceMark.enrolment_id == Enrolment.id)
        .where(*where)
    ).one()
    items = db.session.scalars(
        sa.select(AttendanceMark)
        .join(AttendanceMark.slot)
        .where(*where)
        .options(
            contains_eager(AttendanceMark.slot),
            joinedload(AttendanceMark.enrolment).joinedload(Enrolment.user),
            joinedload(AttendanceMark.enrolment).joinedload(Enrolment.session).joinedload(CourseSession.course),
        )
        .order_by(Slot.starts_at.desc(), AttendanceMark.id)
        .limit(LIST_SIZE)
    ).all()
    return {"count": marks, "learners": learners, "first": items}


def upcoming_sessions(now: datetime) -> dict:
    """Sessions starting in the next 60 days, with their fill, waitlist and requests to decide."""
    query = sa.select(CourseSession).where(
        SCHEDULED, CourseSession.starts_at > now, CourseSession.starts_at <= now + UPCOMING_WINDOW
    )
    sessions = db.session.scalars(
        query.join(CourseSession.course)
        .options(contains_eager(CourseSession.course))
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(UPCOMING_SIZE)
    ).all()
    ids = [session.id for session in sessions]
    waiting = waitlist_lengths(ids) if ids else {}
    requests = (
        dict(
            db.session.execute(
                sa.select(Enrolment.session_id, sa.func.count())
                .where(Enrolment.session_id.in_(ids), Enrolment.status == EnrolmentStatus.PENDING_APPROVAL)
                .group_by(Enrolment.session_id)
            ).all()
        )
        if ids
        else {}
    )
    items = [
        {
            "session": session,
            "fill": round(100 * session.seats_taken / session.capacity),
            "waitlist": waiting[session.id]["waitlist_length"],
            "pending": requests.get(session.id, 0),
        }
        for session in sessions
    ]
    return {"count": _count(query), "first": items}


# ---------------------------------------------------------------- chart figures


def paris_month(moment: datetime) -> date:
    """The first day of the Paris month `moment` falls in."""
    return moment.astimezone(PARIS).date().replace(day=1)


def months_around(now: datetime, before: int, after: int) -> list[date]:
    """First days of the `before` months before the current Paris month, it, and the `after` next."""
    current = paris_month(now)
    index = current.year * 12 + current.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - before, index + after + 1)]


def month_start(month: date) -> datetime:
    """Midnight in Paris on the first day of `month`, in UTC."""
    return datetime(month.year, month.month, 1, tzinfo=PARIS).astimezone(UTC)


def _after(month: date) -> datetime:
    """The first instant after `month`, in UTC."""
    return month_start(date(month.year + month.month // 12, month.month % 12 + 1, 1))


def fill_by_track(months: list[date]) -> dict[tuple[date, Track], dict]:
    """Seats taken and capacity of the held sessions starting in each month, per track."""
    rows = db.session.execute(
        sa.select(Course.track, CourseSession.starts_at, CourseSession.seats_taken, CourseSession.capacity)
        .join(CourseSession.course)
        .where(
            SCHEDULED, CourseSession.starts_at >= month_start(months[0]), CourseSession.starts_at < _after(months[-1])
        )
    )
    figures: dict[tuple[date, Track], dict] = defaultdict(lambda: {"taken": 0, "capacity": 0, "sessions": 0})
    for track, starts_at, taken, capacity in rows:
        cell = figures[(paris_month(starts_at), track)]
        cell["taken"] += taken
        cell["capacity"] += capacity
        cell["sessions"] += 1
    return dict(figures)


def attendance_by_month(months: list[date], now: datetime) -> dict[date, dict]:
    """Hours attended and scheduled of confirmed learners on the ended half-days of each month.

    The sessions begun in the window are read first, and sorted here: an ended session held
    within one month counts through its learners' totals that the database keeps
    (`training/attendance/totals.py`), one row per session; the rest (under way, or across the turn
    of a month) count half-day by half-day from their marks. Both parts go in one statement, and
    each looks its sessions up by id, which the planner counts right.
    """
    window = month_start(months[0])
    begun = db.session.execute(
        sa.select(CourseSession.id, CourseSession.starts_at, CourseSession.ends_at).where(
            SCHEDULED, CourseSession.starts_at < now, CourseSession.ends_at > window
        )
    ).all()
    closed = [id_ for id_, starts_at, ends_at in begun if _held_within_a_month(starts_at, ends_at, window, now)]
    others = sorted({id_ for id_, _starts, _ends in begun} - set(closed))
    rows = db.session.execute(sa.union_all(_closed_sessions(closed), _open_half_days(others, window, now)))
    figures: dict[date, dict] = defaultdict(lambda: {"attended": Decimal("0"), "scheduled": Decimal("0")})
    for starts_at, scheduled, attended in rows:
        cell = figures[paris_month(starts_at)]
        cell["scheduled"] += _hundredths(scheduled)
        cell["attended"] += _hundredths(attended)
    return {month: {**cell, "rate": rate(cell["attended"], cell["scheduled"])} for month, cell in figures.items()}


def _held_within_a_month(starts_at: datetime, ends_at: datetime, window: datetime, now: datetime) -> bool:
    """Whether a session has ended, inside the window, with all its half-days in one Paris month."""
    last_instant = ends_at - timedelta(microseconds=1)  # a session ending at midnight ends in that month
    return window <= starts_at and ends_at <= now and paris_month(starts_at) == paris_month(last_instant)


def _hundredths(hours) -> Decimal:
    """An amount of hours as a Decimal to the hundredth (SQLite's sums are floats)."""
    return Decimal(str(hours)).quantize(Decimal("0.01"))


def _closed_sessions(ids: list[int]) -> sa.Select:
    """(start, hours scheduled, hours attended) of each of these sessions, summed over its
    confirmed learners from the totals the database keeps."""
    learners = (
        sa.select(
            Enrolment.session_id,
            sa.func.count().label("count"),
            sa.func.sum(Enrolment.hours_attended).label("attended"),
        )
        .where(Enrolment.session_id.in_(ids), Enrolment.status == EnrolmentStatus.CONFIRMED)
        .group_by(Enrolment.session_id)
        .subquery("learners")
    )
    hours = (
        sa.select(Slot.session_id, sa.func.sum(Slot.hours).label("hours"))
        .where(Slot.session_id.in_(ids))
        .group_by(Slot.session_id)
        .subquery("session_hours")
    )
    return (
        sa.select(CourseSession.starts_at, hours.c.hours * learners.c.count, learners.c.attended)
        .select_from(learners)
        .join(CourseSession, CourseSession.id == learners.c.session_id)
        .join(hours, hours.c.session_id == learners.c.session_id)
    )


def _open_half_days(ids: list[int], window: datetime, now: datetime) -> sa.Select:
    """(start, hours scheduled, hours attended) of each ended half-day in the window of these
    sessions, from their confirmed learners' marks (the half-days and the learners, read once each)."""
    held = (
        sa.select(Slot.id, Slot.session_id, Slot.starts_at, Slot.hours)
        .where(Slot.session_id.in_(ids), Slot.ends_at <= now, Slot.starts_at >= window)
        .cte("held")
    )
    confirmed = (
        sa.select(Enrolment.id, Enrolment.session_id)
        .where(Enrolment.session_id.in_(ids), Enrolment.status == EnrolmentStatus.CONFIRMED)
        .cte("confirmed")
    )
    learners = (
        sa.select(confirmed.c.session_id, sa.func.count().label("count"))
        .group_by(confirmed.c.session_id)
        .subquery("learners")
    )
    present = (
        sa.select(AttendanceMark.slot_id, sa.func.count().label("count"))
        .join(held, AttendanceMark.slot_id == held.c.id)
        .join(confirmed, AttendanceMark.enrolment_id == confirmed.c.id)
        .where(AttendanceMark.status.in_(ATTENDED))
        .group_by(AttendanceMark.slot_id)
        .subquery("present")
    )
    return (
        sa.select(
            held.c.starts_at, held.c.hours * learners.c.count, held.c.hours * sa.func.coalesce(present.c.count, 0)
        )
        .join(learners, learners.c.session_id == held.c.session_id)
        .outerjoin(present, present.c.slot_id == held.c.id)
    )


def ratings(since: datetime) -> dict:
    """Overall ratings since `since`: how many of each (1 to 5), and satisfied and total per track."""
    rows = db.session.execute(
        sa.select(Course.track, SurveyResponse.overall, sa.func.count())
        .join(Enrolment, SurveyResponse.enrolment_id == Enrolment.id)
        .join(CourseSession, Enrolment.session_id == CourseSession.id)
        .join(CourseSession.course)
        .where(SurveyResponse.submitted_at >= since)
        .group_by(Course.track, SurveyResponse.overall)
    )
    distribution = dict.fromkeys(range(1, 6), 0)
    by_track: dict[Track, dict] = defaultdict(lambda: {"satisfied": 0, "total": 0})
    for track, overall, count in rows:
        distribution[overall] += count
        by_track[track]["total"] += count
        by_track[track]["satisfied"] += count if overall >= SATISFIED_FROM else 0
    return {"distribution": distribution, "by_track": dict(by_track)}
