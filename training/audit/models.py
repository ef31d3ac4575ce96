"""The audit log: who changed what, when, from which value to which, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from training.database import append_only
from training.extensions import Model, utcnow


class AuditEntry(Model):
    """One auditable change. Rows are only ever inserted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The actor as they were named at the time ("system", "cli", or the user's email),
    # so the record stays readable whatever happens to the account later.
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    __table_args__ = (
        sa.Index("ix_audit_log_object", "object_type", "object_id"),
        # The viewer's "who" filter is a substring search (ILIKE '%text%'): a trigram index
        # answers it on PostgreSQL without reading the million rows (a plain index elsewhere).
        sa.Index(
            "ix_audit_log_actor_label_trgm",
            "actor_label",
            postgresql_using="gin",
            postgresql_ops={"actor_label": "gin_trgm_ops"},
        ),
        # The action families ("enrolment." for every enrolment action) are LIKE 'prefix%', which
        # the index above on `action`, in the database's collation, cannot serve on PostgreSQL.
        sa.Index("ix_audit_log_action_prefix", "action", postgresql_ops={"action": "varchar_pattern_ops"}),
    )

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"


# A bug or a console session cannot rewrite history: the database refuses UPDATE and DELETE.
append_only(AuditEntry.__table__)
# The trigram index needs its extension; the migration creates it, and so does `create_all`.
sa.event.listen(
    AuditEntry.__table__,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
