"""Reading the audit log: one object's history, and the filtered log an auditor asks for.

The log grows by about 100,000 rows a year, so nothing here reads it whole for a page: each
filter has its index (see the model), a page counts its rows only up to a cap, and the
filter menus list their values by hopping along an index rather than with `SELECT DISTINCT`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from training.audit.models import AuditEntry
from training.csvexport import streamed
from training.extensions import db
from training.timezones import PARIS

HISTORY_LENGTH = 50
LIKE_ESCAPE = "/"


def history(object_type: str, object_id: int) -> list[AuditEntry]:
    """The latest audit rows of one object, newest first."""
    query = (
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_LENGTH)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class LogFilter:
    """What the auditor asked for; empty fields do not filter. Dates are Paris calendar days."""

    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for links to other pages and to the export)."""
        values = {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "actor": self.actor,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)


def log_query(log_filter: LogFilter) -> sa.Select:
    """The audit rows matching `log_filter`, newest first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if log_filter.object_type:
        query = query.where(AuditEntry.object_type == log_filter.object_type)
    if log_filter.object_id:
        query = query.where(AuditEntry.object_id == log_filter.object_id)
    if log_filter.actor:
        # ILIKE on PostgreSQL, which the trigram index on actor_label serves.
        query = query.where(AuditEntry.actor_label.ilike(f"%{_escape_like(log_filter.actor)}%", escape=LIKE_ESCAPE))
    if log_filter.action:
        # "enrolment." lists every enrolment action; "enrolment.cancelled" only that one.
        if log_filter.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(log_filter.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == log_filter.action)
    if log_filter.date_from:
        query = query.where(AuditEntry.at >= _paris_midnight(log_filter.date_from))
    if log_filter.date_to:
        query = query.where(AuditEntry.at < _paris_midnight(log_filter.date_to + timedelta(days=1)))
    return query


def _escape_like(text: str) -> str:
    """`text` matched literally by LIKE: its `%`, `_` and escape characters escaped."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


CSV_COLUMNS = (
    AuditEntry.id,
    AuditEntry.at,
    AuditEntry.actor_label,
    AuditEntry.actor_id,
    AuditEntry.action,
    AuditEntry.object_type,
    AuditEntry.object_id,
    AuditEntry.before,
    AuditEntry.after,
    AuditEntry.reason,
    AuditEntry.ip_address,
)


def log_rows(log_filter: LogFilter) -> Iterator[sa.Row]:
    """The matching rows as plain columns (no ORM objects), fetched in batches, for the CSV."""
    return streamed(log_query(log_filter).with_only_columns(*CSV_COLUMNS))


def capped_count(query: sa.Select, cap: int) -> int:
    """How many rows `query` gives, counting no further than `cap` (which then means "at least")."""
    return db.session.scalars(sa.select(sa.func.count()).select_from(query.order_by(None).limit(cap).subquery())).one()


def _distinct(column: sa.orm.InstrumentedAttribute[str]) -> list[str]:
    """The distinct values of an indexed column, in order, one index probe per value.

    A loose index scan (the recursive "next value greater than the last" query): with a few
    dozen values over a million rows it reads a few dozen index entries, where `SELECT DISTINCT`
    reads the whole table.
    """
    steps = sa.select(sa.func.min(column).label("value")).cte("steps", recursive=True)
    following = sa.select(sa.func.min(column)).where(column > steps.c.value).scalar_subquery()
    steps = steps.union_all(sa.select(following).where(steps.c.value.is_not(None)))
    return list(db.session.scalars(sa.select(steps.c.value).where(steps.c.value.is_not(None))))


def known_values() -> dict[str, list[str]]:
    """The object types and actions present in the log, for the filter's choices."""
    return {"object_types": _distinct(AuditEntry.object_type), "actions": _distinct(AuditEntry.action)}
