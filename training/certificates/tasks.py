"""The bulk issue of a session's certificates: a Celery task with visible progress, and the
life of its batch.

A batch is queued when an admin starts it, running while a worker issues it chunk by chunk, and
ends done, failed (with a cause an admin can read; the raw error goes to the server log) or
cancelled (the task looks between chunks). The task beats a heartbeat at its start and after
every chunk; an active batch silent for CERTIFICATE_BATCH_STALL_SECONDS is shown as stalled
(its worker was killed) and can be resumed: the same batch is queued again and skips what was
issued. A session has at most one batch queued or running, in Python and in the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from flask_babel import gettext as _

from training.accounts.models import User
from training.audit.services import record
from training.catalogue.models import CourseSession
from training.certificates import services
from training.certificates.models import ACTIVE_BATCH_STATUSES, BatchStatus, CertificateBatch
from training.database import lock
from training.errors import DomainError
from training.extensions import db

CHUNK = 50  # certificates rendered (one document), stored and committed together


class BatchError(DomainError):
    """A bulk issue cannot change this way now; the message says why."""

    status_code = 409


def is_stalled(batch: CertificateBatch, now: datetime | None = None) -> bool:
    """Whether the batch should be under way but its worker has not been heard of for too long."""
    silence = timedelta(seconds=current_app.config["CERTIFICATE_BATCH_STALL_SECONDS"])
    return batch.status in ACTIVE_BATCH_STATUSES and (now or datetime.now(UTC)) - batch.heartbeat_at > silence


def active_batch(session_id: int) -> CertificateBatch | None:
    """The session's batch that is queued or running, if any (read afresh)."""
    return db.session.scalar(
        sa.select(CertificateBatch)
        .where(CertificateBatch.session_id == session_id, CertificateBatch.status.in_(ACTIVE_BATCH_STATUSES))
        .execution_options(populate_existing=True)
    )


def start_batch(actor: User, session: CourseSession) -> tuple[CertificateBatch, bool]:
    """Record a bulk issue for the session, or return the one already queued or running; says
    whether it is new. A new batch's task is to be queued once this is committed."""
    session = lock(CourseSession, session.id)
    active = active_batch(session.id)
    if active is not None:
        return active, False
    batch = CertificateBatch(
        session_id=session.id,
        total=len(services.pending(services.eligibility(session))),
        created_by=actor,
        heartbeat_at=datetime.now(UTC),
    )
    db.session.add(batch)
    db.session.flush()
    record(actor, "certificate_batch.started", batch, after={"status": batch.status, "total": batch.total})
    return batch, True


def cancel_batch(actor: User, batch: CertificateBatch) -> None:
    """Cancel a queued, running or stalled batch: its task stops before its next chunk."""
    batch = lock(CertificateBatch, batch.id)
    if batch.status not in ACTIVE_BATCH_STATUSES:
        raise BatchError(_("This bulk issue has already ended."))
    before = batch.status
    batch.status, batch.finished_at = BatchStatus.CANCELLED, datetime.now(UTC)
    record(
        actor,
        "certificate_batch.cancelled",
        batch,
        before={"status": before},
        after={"status": batch.status, "issued": batch.issued, "total": batch.total},
    )


def resume_batch(actor: User, batch: CertificateBatch) -> CertificateBatch:
    """Queue a failed or stalled batch again; its task is to be queued once this is committed."""
    lock(CourseSession, batch.session_id)  # the session, then the batch: the task's order
    batch = lock(CertificateBatch, batch.id)
    stalled = is_stalled(batch)
    if not (stalled or batch.status is BatchStatus.FAILED):
        raise BatchError(_("Only a failed or stalled bulk issue can be resumed."))
    other = active_batch(batch.session_id)
    if other is not None and other.id != batch.id:
        raise BatchError(_("Another bulk issue of this session is under way."))
    before = {"status": batch.status, "stalled": stalled, "error": batch.error, "heartbeat_at": batch.heartbeat_at}
    batch.status, batch.error, batch.finished_at = BatchStatus.QUEUED, None, None
    batch.heartbeat_at = datetime.now(UTC)
    record(
        actor,
        "certificate_batch.resumed",
        batch,
        before=before,
        after={"status": batch.status, "issued": batch.issued, "total": batch.total},
    )
    return batch


@shared_task(acks_late=True)
def issue_batch(batch_id: int) -> None:
    """Issue a batch chunk by chunk, committing each: a killed worker loses only the chunk in
    flight, and running the task again skips what was issued (no duplicate).

    A failure ends the batch as failed and is not raised again: without a broker the task runs
    inside the admin's request, which must not answer 500 for it.
    """
    try:
        running = _begin(batch_id)
        while running:
            running = _chunk(batch_id)
    except Exception as error:  # any failure ends the batch; the log keeps the details
        _fail(batch_id, error)


def _begin(batch_id: int) -> bool:
    """Mark the batch running (again, for a message given anew); False when it has ended."""
    batch = lock(CertificateBatch, batch_id)
    if batch is None or batch.status not in ACTIVE_BATCH_STATUSES:
        db.session.rollback()
        return False
    batch.status, batch.heartbeat_at = BatchStatus.RUNNING, datetime.now(UTC)
    db.session.commit()
    return True


def _chunk(batch_id: int) -> bool:
    """Issue and commit one chunk with the batch's progress; False once the batch has ended."""
    batch = db.session.get(CertificateBatch, batch_id, populate_existing=True)
    if batch is None or batch.status is not BatchStatus.RUNNING:  # cancelled, or ended by another run of the task
        db.session.rollback()
        return False
    issued = services.issue_pending(batch.created_by, batch.session, limit=CHUNK)
    batch = lock(CertificateBatch, batch_id)  # after the session's lock, as everywhere
    batch.issued += len(issued)
    batch.total = max(batch.total, batch.issued)  # someone became eligible since the start
    batch.done, batch.heartbeat_at = batch.issued, datetime.now(UTC)
    if len(issued) < CHUNK and batch.status is BatchStatus.RUNNING:
        batch.done = batch.total
        batch.status, batch.finished_at = BatchStatus.DONE, datetime.now(UTC)
        record(
            None,
            "certificate_batch.done",
            batch,
            before={"status": BatchStatus.RUNNING},
            after={"status": batch.status, "issued": batch.issued, "total": batch.total},
        )
    running = batch.status is BatchStatus.RUNNING
    db.session.commit()
    return running


def _fail(batch_id: int, error: Exception) -> None:
    """End the batch as failed with a cause fit for an admin; the raw error goes to the log."""
    db.session.rollback()
    cause = (
        "pdf"
        if isinstance(error, services.RenderError)
        else "database"
        if isinstance(error, sa.exc.SQLAlchemyError)
        else "unexpected"
    )
    current_app.logger.exception("certificate batch %s failed (%s)", batch_id, cause)
    try:
        batch = lock(CertificateBatch, batch_id)
        if batch is not None and batch.status in ACTIVE_BATCH_STATUSES:
            before = batch.status
            batch.status, batch.error = BatchStatus.FAILED, cause
            batch.finished_at = batch.heartbeat_at = datetime.now(UTC)
            record(
                None,
                "certificate_batch.failed",
                batch,
                before={"status": before},
                after={"status": batch.status, "error": cause, "issued": batch.issued, "total": batch.total},
            )
        db.session.commit()
    except sa.exc.SQLAlchemyError:  # the database is gone: the batch will show as stalled
        db.session.rollback()
        current_app.logger.exception("certificate batch %s: its failure could not be recorded", batch_id)
