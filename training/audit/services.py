"""Writing audit rows. Services call `record`; nothing ever updates or deletes a row."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request

from training.audit.models import AuditEntry
from training.extensions import db


def _plain(value: Any) -> Any:
    """Turn a model attribute into a JSON-safe value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of `obj` as a plain dict, for the before/after columns."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Add one audit row for `action` done by `actor` (a User, or None for the system).

    The object is named by `obj` (a model with an `id`, flushed first if new) or by
    `object_type` and `object_id`. The row is added to the current transaction, so it
    commits or rolls back with the change it describes.
    """
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=actor.email if actor is not None else "system",
        action=action,
        object_type=object_type or "system",
        object_id=str(object_id if object_id is not None else "-"),
        before={k: _plain(v) for k, v in before.items()} if before else None,
        after={k: _plain(v) for k, v in after.items()} if after else None,
        reason=reason,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
