"""Reading the public catalogue: filters, search, sorting and pagination in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.catalogue.models import (
    Course,
    CourseFormat,
    CourseSession,
    CourseStatus,
    Level,
    SessionStatus,
    Track,
)
from training.extensions import db
from training.text import fold
from training.timezones import PARIS

PAGE_SIZE = 12
MAX_PAGE_SIZE = 100
SORTS = ("date", "title")
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class CatalogueQuery:
    """What a visitor asked of the catalogue, parsed and checked."""

    q: str = ""
    track: Track | None = None
    level: Level | None = None
    format: CourseFormat | None = None
    language: str | None = None
    month: str | None = None  # "YYYY-MM"
    free: bool = False
    sort: str = "date"
    page: int = 1
    per_page: int = PAGE_SIZE
    errors: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def args(self, **changes) -> dict[str, Any]:
        """The query as URL arguments (defaults left out), so a search can be shared."""
        query = replace(self, **changes) if changes else self
        values = {
            "q": query.q,
            "track": query.track and query.track.value,
            "level": query.level and query.level.value,
            "format": query.format and query.format.value,
            "language": query.language,
            "month": query.month,
            "free": "1" if query.free else None,
            "sort": query.sort if query.sort != "date" else None,
            "page": str(query.page) if query.page != 1 else None,
            "per_page": str(query.per_page) if query.per_page != PAGE_SIZE else None,
        }
        return {key: value for key, value in values.items() if value}

    @property
    def session_filtered(self) -> bool:
        return bool(self.month or self.free)


def _enum(enum_cls, value: str | None, name: str, errors: dict):
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        errors[name] = f"unknown {name} {value!r}: use one of {', '.join(m.value for m in enum_cls)}"
        return None


def _month(value: str | None, errors: dict) -> str | None:
    if not value:
        return None
    try:
        datetime.strptime(value, "%Y-%m")
    except ValueError:
        errors["month"] = f"month must look like 2026-03, not {value!r}"
        return None
    return value


def _positive_int(value: str | None, default: int, name: str, errors: dict, maximum: int | None = None) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or int(value) < 1 or (maximum and int(value) > maximum):
        errors[name] = f"{name} must be a whole number from 1" + (f" to {maximum}" if maximum else "")
        return default
    return int(value)


def parse_query(args) -> CatalogueQuery:
    """Parse URL arguments; a bad value is left out and explained in `errors`."""
    errors: dict[str, str] = {}
    language = args.get("language") or None
    if language and language not in LANGUAGES:
        errors["language"] = f"language must be fr or en, not {language!r}"
        language = None
    sort = args.get("sort") or "date"
    if sort not in SORTS:
        errors["sort"] = f"sort must be date or title, not {sort!r}"
        sort = "date"
    return CatalogueQuery(
        q=(args.get("q") or "").strip()[:200],
        track=_enum(Track, args.get("track"), "track", errors),
        level=_enum(Level, args.get("level"), "level", errors),
        format=_enum(CourseFormat, args.get("format"), "format", errors),
        language=language,
        month=_month(args.get("month"), errors),
        free=args.get("free") in ("1", "true", "on", "yes"),
        sort=sort,
        page=_positive_int(args.get("page"), 1, "page", errors, maximum=10_000),
        per_page=_positive_int(args.get("per_page"), PAGE_SIZE, "per_page", errors, maximum=MAX_PAGE_SIZE),
        errors=errors,
    )


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first and the last-plus-one instant of a Paris calendar month, in UTC."""
    year, number = map(int, month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return (
        datetime.combine(first, time(0), PARIS).astimezone(UTC),
        datetime.combine(following, time(0), PARIS).astimezone(UTC),
    )


def session_condition(query: CatalogueQuery, now: datetime):
    """The sessions a card may show: upcoming and, when asked, in the month or with a free seat."""
    condition = sa.and_(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at > now)
    if query.month:
        start, end = month_bounds(query.month)
        condition = sa.and_(condition, CourseSession.starts_at >= start, CourseSession.starts_at < end)
    if query.free:
        condition = sa.and_(
            condition, CourseSession.enrolment_deadline > now, CourseSession.seats_taken < CourseSession.capacity
        )
    return condition


def _search(words: list[str]):
    def like(word: str):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return Course.search_text.like(f"%{escaped}%", escape="\\")

    return sa.and_(*(like(word) for word in words))


def courses_statement(query: CatalogueQuery, now: datetime):
    """SELECT of the published courses matching `query`, sorted, with their next session start."""
    sessions = session_condition(query, now)
    next_start = (
        sa.select(sa.func.min(CourseSession.starts_at))
        .where(CourseSession.course_id == Course.id, sessions)
        .scalar_subquery()
        .label("next_start")
    )
    statement = sa.select(Course, next_start).where(Course.status == CourseStatus.PUBLISHED)
    for column, value in (
        (Course.track, query.track),
        (Course.level, query.level),
        (Course.format, query.format),
        (Course.language, query.language),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.q and (words := fold(query.q).split()):
        statement = statement.where(_search(words))
    if query.session_filtered:
        statement = statement.where(sa.exists().where(CourseSession.course_id == Course.id, sessions))
    if query.sort == "title":
        return statement.order_by(Course.title, Course.id)
    return statement.order_by(next_start.is_(None), next_start, Course.title, Course.id)


@dataclass
class CataloguePage:
    """One page of results: (course, shown session or None) pairs and the total."""

    items: list[tuple[Course, CourseSession | None]]
    total: int
    query: CatalogueQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def page(self) -> int:
        """This page's number (with `pages` and `iter_pages`, what the pager macro reads)."""
        return self.query.page

    def iter_pages(self) -> Iterator[int | None]:
        """The page numbers to link to: the first, the last and two each side of this one; None for a gap."""
        for number in range(1, self.pages + 1):
            if number in (1, self.pages) or abs(number - self.page) <= 2:
                yield number
            elif abs(number - self.page) == 3:
                yield None


def search_catalogue(query: CatalogueQuery, now: datetime | None = None) -> CataloguePage:
    """The page of courses for `query`: three queries, whatever the size of the catalogue."""
    now = now or datetime.now(UTC)
    statement = courses_statement(query, now)
    total = db.session.scalars(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())).one()
    offset = (query.page - 1) * query.per_page
    courses = [row[0] for row in db.session.execute(statement.limit(query.per_page).offset(offset))]
    shown = _first_sessions([c.id for c in courses], query, now)
    return CataloguePage([(course, shown.get(course.id)) for course in courses], total, query)


def _first_sessions(course_ids: list[int], query: CatalogueQuery, now: datetime) -> dict[int, CourseSession]:
    if not course_ids:
        return {}
    statement = (
        sa.select(CourseSession)
        .where(CourseSession.course_id.in_(course_ids), session_condition(query, now))
        .order_by(CourseSession.course_id, CourseSession.starts_at)
    )
    first: dict[int, CourseSession] = {}
    for session in db.session.scalars(statement):
        first.setdefault(session.course_id, session)
    return first


def published_course(slug: str) -> Course | None:
    """A published course by slug, or None (drafts and archived courses are not public)."""
    return db.session.scalar(sa.select(Course).where(Course.slug == slug, Course.status == CourseStatus.PUBLISHED))


def course_by_slug(slug: str) -> Course | None:
    """A course by slug, whatever its status (for admins)."""
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def upcoming_sessions(course: Course, now: datetime | None = None) -> list[CourseSession]:
    """The course's scheduled sessions that have not ended, with slots and trainers loaded."""
    now = now or datetime.now(UTC)
    statement = (
        sa.select(CourseSession)
        .where(
            CourseSession.course_id == course.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.ends_at > now,
        )
        .order_by(CourseSession.starts_at)
        .options(selectinload(CourseSession.slots), selectinload(CourseSession.trainers))
    )
    return list(db.session.scalars(statement))


def month_choices(now: datetime | None = None, count: int = 6) -> list[str]:
    """The next `count` months as "YYYY-MM", starting with the current Paris month."""
    today = (now or datetime.now(UTC)).astimezone(PARIS).date()
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
