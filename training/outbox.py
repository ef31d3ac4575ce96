"""The email outbox: one row per message, written in the transaction that decided to send it.

`training.email.send_email` adds the row; after the commit a Celery task (or, without a broker,
the same code once the response has gone) claims it, renders it and hands it to the relay. A
row is claimed by a lease (`next_attempt_at` pushed into the future), so a worker that dies
mid-send leaves it to be taken again when the lease runs out; a message that keeps failing ends
`failed`, where the training office sees it (Admin > Emails) and can send it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from training.enums import LabelledEnum
from training.extensions import Model, enum_type, utcnow


class OutboxStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting to be sent")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed to send")


class OutboxMessage(Model):
    """One email to send: who to, which template, and what it is about (ids, not rendered text).

    `context` and `attachments` are encoded by `training.email.encode`: models are stored as
    references and read again when the message is rendered. Both are cleared once the message
    is sent (they may hold a sign-in link), keeping the headers as the record of the sending.
    """

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.Text)
    template: Mapped[str] = mapped_column(sa.String(100))
    locale: Mapped[str] = mapped_column(sa.String(10))
    # Fixed when queued: a retry sends the same message (same Date, same Message-ID), which the
    # receiving servers recognise if a worker died after handing it over.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    context: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    attachments: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a sweep may take the message: a new one is sent after its commit by the process that
    # committed it (or the task it queued), and swept only if that has not happened by then; after
    # a failure, the end of the back-off; while a worker sends it, the end of its lease.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        # The workers' question: which pending messages are due?
        sa.Index("ix_email_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} {self.status.value}>"
