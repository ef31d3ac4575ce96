"""The yearly BPF figures (bilan pédagogique et financier), straight from attendance.

A half-day counts in the calendar year it starts in, in Paris time; cancelled sessions count
nowhere. A trainee is an enrolment (a learner in a session) with at least one half-day attended
(present or late) in the year, so a person trained in two courses counts twice, as the BPF
counts per action. Each trainee's hours of the year come from the total the database keeps per
enrolment (summed from the marks only for sessions across New Year), and every figure is added
up from those: the cost does not grow with the years of data, nor with the marks of the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from training.accounts.models import LearnerCategory, User
from training.attendance.models import AttendanceMark, MarkStatus
from training.catalogue.models import Course, CourseFormat, CourseSession, SessionStatus, Slot, Track, session_trainers
from training.enrolment.models import Enrolment
from training.enums import LabelledEnum
from training.extensions import db
from training.reports.values import plain_number, year_bounds
from training.timezones import PARIS

ATTENDED = tuple(status for status in MarkStatus if status.counts_as_attended)
REMOTE = "remote"
IN_PERSON = "in_person"
# The BPF asks whether an action was "wholly or partly remote": hybrid courses are.
FORMAT_GROUPS = {CourseFormat.IN_PERSON: IN_PERSON, CourseFormat.REMOTE: REMOTE, CourseFormat.HYBRID: REMOTE}
FORMAT_GROUP_LABELS = {REMOTE: _l("Wholly or partly remote"), IN_PERSON: _l("In person")}
# The columns a year's attendance is broken down by, in the order of its cells.
CELLS = (User.category, Course.track, Course.format)
DIMENSIONS = {"category": _l("learner category"), "track": _l("track"), "format": _l("format")}


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: its stable key, its label, trainees and hours-trainees."""

    key: str
    label: object
    trainees: int
    hours: Decimal


@dataclass(frozen=True)
class TrainerLine:
    """A trainer with the half-days held and the hours taught in the year."""

    trainer_id: int
    name: str
    half_days: int
    hours: Decimal


@dataclass(frozen=True)
class Check:
    """Whether one figure adds up to its total in every breakdown; `problems` name each disagreement."""

    figure: str
    total: int | Decimal
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class BpfFigures:
    """Everything the BPF page and its CSV show for one year."""

    year: int
    trainees: int
    persons: int
    hours: Decimal
    by_category: list[Line]
    by_track: list[Line]
    by_format: list[Line]
    trainers: list[TrainerLine]
    checks: list[Check]

    @property
    def checked(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def trainer_hours(self) -> Decimal:
        return plain_number(sum((line.hours for line in self.trainers), Decimal(0)))


def bpf_figures(year: int, now: datetime | None = None) -> BpfFigures:
    """The BPF figures of calendar `year`: two aggregate queries whatever the amount of data."""
    start, end = year_bounds(year)
    cells, (trainees, persons, hours) = _attendance_cells(start, end)
    by_category = _lines(_grouped(cells, CELLS, User.category), _member_labels(LearnerCategory), lambda c: c)
    by_track = _lines(_grouped(cells, CELLS, Course.track), _member_labels(Track), lambda t: t)
    by_format = _lines(_grouped(cells, CELLS, Course.format), FORMAT_GROUP_LABELS, FORMAT_GROUPS.get)
    breakdowns = {"category": by_category, "track": by_track, "format": by_format}
    return BpfFigures(
        year=year,
        trainees=trainees,
        persons=persons,
        hours=plain_number(hours),
        by_category=by_category,
        by_track=by_track,
        by_format=by_format,
        trainers=trainer_lines(start, end, now or datetime.now(UTC)),
        checks=[_check("trainees", trainees, breakdowns), _check("hours", plain_number(hours), breakdowns)],
    )


def _trainees(start: datetime, end: datetime) -> sa.CTE:
    """One row per trainee (an enrolment with attended half-days starting in [start, end)): its
    learner, the learner's category, the course's track and format, and the hours attended.

    Every figure is summed from these rows. A session held wholly within the year brings its
    learners' totals as the database keeps them (`training/attendance/totals.py`); only the few
    sessions across New Year are summed from their marks, over their half-days in the year. The
    year's sessions are read and sorted first, and both parts look them up by id, which the
    planner counts right.
    """
    sessions = db.session.execute(
        sa.select(CourseSession.id, CourseSession.starts_at, CourseSession.ends_at).where(
            CourseSession.status != SessionStatus.CANCELLED,
            CourseSession.starts_at < end,
            CourseSession.ends_at > start,
        )
    ).all()
    within = [id_ for id_, starts_at, ends_at in sessions if start <= starts_at and ends_at <= end]
    across = sorted({id_ for id_, _starts, _ends in sessions} - set(within))
    kept = sa.select(Enrolment.user_id, Enrolment.session_id, Enrolment.hours_attended.label("hours")).where(
        Enrolment.session_id.in_(within), Enrolment.hours_attended > 0
    )
    summed = (
        sa.select(Enrolment.user_id, Enrolment.session_id, sa.func.sum(Slot.hours))
        .select_from(Slot)
        .join(AttendanceMark, AttendanceMark.slot_id == Slot.id)
        .join(Enrolment, AttendanceMark.enrolment_id == Enrolment.id)
        .where(
            Slot.session_id.in_(across),
            AttendanceMark.status.in_(ATTENDED),
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
        .group_by(AttendanceMark.enrolment_id, Enrolment.user_id, Enrolment.session_id)
    )
    hours = sa.union_all(kept, summed).subquery("hours")
    return (
        sa.select(hours.c.user_id, *CELLS, hours.c.hours)
        .select_from(hours)
        .join(User, hours.c.user_id == User.id)
        .join(CourseSession, hours.c.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .cte("trainees")
    )


def _attendance_cells(start: datetime, end: datetime) -> tuple[list[tuple], tuple[int, int, Decimal]]:
    """Trainees and hours-trainees per (category, track, format), and the year's totals
    (trainees, persons, hours-trainees), in one query.

    Each trainee falls in exactly one cell, so the cells add up to the totals; persons do not
    add up (a learner trained in two courses is one person), hence the separate totals row.
    """
    trainees = _trainees(start, end)
    dimensions = (trainees.c.category, trainees.c.track, trainees.c.format)
    hours = sa.func.coalesce(sa.func.sum(trainees.c.hours), 0)
    cells = sa.select(sa.literal(False), *dimensions, sa.func.count(), sa.null(), hours).group_by(*dimensions)
    totals = sa.select(
        sa.literal(True),
        *(sa.null() for _ in dimensions),
        sa.func.count(),
        sa.func.count(sa.distinct(trainees.c.user_id)),
        hours,
    )
    rows: list[sa.Row] = list(db.session.execute(sa.union_all(cells, totals)))
    total = next(row for row in rows if row[0])
    return [row[1:4] + (row[4], row[6]) for row in rows if not row[0]], (total[4], total[5], total[6])


def _grouped(cells: list[tuple], dimensions: tuple, column) -> list[tuple]:
    """(value of `column`, trainees, hours-trainees) of each cell; `column` is one of the
    `dimensions` the cells are keyed by, in their order."""
    index = next(n for n, dimension in enumerate(dimensions) if dimension is column)
    return [(cell[index], cell[-2], cell[-1]) for cell in cells]


def _member_labels(enum_cls: type[LabelledEnum]) -> dict:
    """Each member of `enum_cls` with its label: the keys of a breakdown by that enum, in its order."""
    return {member: member.label for member in enum_cls}


def _lines(rows: list[tuple], labels: dict, group) -> list[Line]:
    """One line per key of `labels`, zeros included; `group` maps a stored value to its key."""
    trainees = dict.fromkeys(labels, 0)
    hours = dict.fromkeys(labels, Decimal(0))
    for value, count, total in rows:
        key = group(value)
        trainees[key] = trainees.get(key, 0) + count
        hours[key] = hours.get(key, Decimal(0)) + Decimal(total or 0)
    return [
        Line(key=str(key), label=labels.get(key, str(key)), trainees=trainees[key], hours=plain_number(hours[key]))
        for key in trainees
    ]


def _check(figure: str, total: int | Decimal, breakdowns: dict[str, list[Line]]) -> Check:
    """Compare the sum of each breakdown with the total of `figure` ("trainees" or "hours")."""
    problems = []
    for dimension, lines in breakdowns.items():
        summed = sum((getattr(line, figure) for line in lines), 0)
        if summed != total:
            problems.append(
                _(
                    "The sum by %(dimension)s is %(sum)s, the total is %(total)s.",
                    dimension=DIMENSIONS[dimension],
                    sum=plain_number(summed),
                    total=plain_number(total),
                )
            )
    return Check(figure=figure, total=total, problems=problems)


def trainer_lines(start: datetime, end: datetime, now: datetime) -> list[TrainerLine]:
    """Each trainer's held half-days (ended before `now`, not cancelled) starting in [start, end), by name."""
    query = (
        sa.select(User.id, User.name, sa.func.count(Slot.id), sa.func.sum(Slot.hours))
        .select_from(Slot)
        .join(CourseSession, Slot.session_id == CourseSession.id)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .join(User, session_trainers.c.user_id == User.id)
        .where(
            CourseSession.status != SessionStatus.CANCELLED,
            Slot.starts_at >= start,
            Slot.starts_at < end,
            Slot.ends_at < now,
        )
        .group_by(User.id, User.name)
        .order_by(User.name, User.id)
    )
    return [
        TrainerLine(trainer_id=trainer_id, name=name, half_days=half_days, hours=plain_number(hours))
        for trainer_id, name, half_days, hours in db.session.execute(query)
    ]


def years_with_half_days() -> list[int]:
    """The calendar years (Paris time) from the first half-day ever scheduled to the last, and this year."""
    first, last = db.session.execute(sa.select(sa.func.min(Slot.starts_at), sa.func.max(Slot.starts_at))).one()
    this_year = datetime.now(PARIS).year
    if first is None:
        return [this_year]
    low, high = first.astimezone(PARIS).year, last.astimezone(PARIS).year
    return list(range(min(low, this_year), max(high, this_year) + 1))
