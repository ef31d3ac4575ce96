"""The survey invitations as a Celery task, meant to run every hour (see the beat schedule)."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from training.extensions import db
from training.surveys import services


@shared_task(acks_late=True)
def invite_surveys() -> int:
    """Invite the learners of sessions that have ended; running it again sends nothing new."""
    invited = services.invite_ended_sessions(datetime.now(UTC))
    db.session.commit()
    return len(invited)
