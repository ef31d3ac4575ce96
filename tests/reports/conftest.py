"""Builders for report tests: sessions with given half-days, enrolments, marks, CSV reading."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

from babel.numbers import parse_decimal

from tests import factories
from tests.factories import SessionFactory
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.catalogue.models import Course, CourseSession, SessionStatus, Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_session(
    course: Course, slots: list[tuple[datetime, datetime, str]], trainers=(), cancelled: bool = False
) -> CourseSession:
    """A session of `course` made of the given half-days (start, end, hours), saved with its slots."""
    session = SessionFactory(
        course=course,
        trainers=list(trainers),
        starts_at=slots[0][0],
        ends_at=slots[-1][1],
        status=SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
        cancelled_at=slots[0][0] - timedelta(days=1) if cancelled else None,
        slots=[Slot(starts_at=start, ends_at=end, hours=Decimal(hours)) for start, end, hours in slots],
    )
    db.session.commit()
    return session


def enrol(session: CourseSession, user, status: EnrolmentStatus = EnrolmentStatus.CONFIRMED, **fields) -> Enrolment:
    """An enrolment made two weeks before the session, confirmed at once unless another status is given."""
    return factories.enrol(session, user, status, at=session.starts_at - timedelta(days=14), **fields)


def mark(enrolment: Enrolment, slot: Slot, status: MarkStatus, by, note: str = "") -> AttendanceMark:
    """A trainer's mark, made ten minutes into the half-day."""
    row = AttendanceMark(
        session_id=enrolment.session_id,
        enrolment_id=enrolment.id,
        slot_id=slot.id,
        status=status,
        note=note,
        method=MarkMethod.TRAINER,
        marked_by_id=by.id,
        marked_at=slot.starts_at + timedelta(minutes=10),
    )
    db.session.add(row)
    db.session.commit()
    return row


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download, after checking and stripping its byte-order mark."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "the CSV must start with a BOM for Excel"
    return list(csv.reader(io.StringIO(text[1:])))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


class _Tables(HTMLParser):
    """Collects the cell texts of every table that has an aria-labelledby, by that id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "aria-labelledby" in attrs:
            self._table = self.tables.setdefault(attrs["aria-labelledby"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_rows(html: str) -> dict[str, list[list[str]]]:
    """The cell texts of each labelled table of a page, row by row, header and footer included."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page_tables(html: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each labelled table of a page as {first cell of a row: the other cells}, header row included."""
    return {name: {row[0]: tuple(row[1:]) for row in rows} for name, rows in page_rows(html).items()}


def number(text: str, locale: str = "en") -> Decimal:
    """A number as a page in `locale` shows it: "2,124.5" in English, "2 124,5" in French."""
    # French groups digits with a narrow no-break space, which the table reader turned into a space.
    return parse_decimal("".join(text.split()), locale=locale, strict=True)
