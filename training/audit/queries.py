"""Reading the audit log: one object's history, and the filtered log an auditor asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from training.audit.models import AuditEntry
from training.extensions import db
from training.timezones import PARIS

HISTORY_LENGTH = 50


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
        query = query.where(sa.func.lower(AuditEntry.actor_label).contains(log_filter.actor.lower(), autoescape=True))
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


def known_values() -> dict[str, list[str]]:
    """The object types and actions present in the log, for the filter's choices."""
    types = db.session.scalars(sa.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type))
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return {"object_types": list(types), "actions": list(actions)}
