"""The bulk issue of a session's certificates, as a Celery task with visible progress."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from training.certificates import services
from training.certificates.models import BatchStatus, CertificateBatch
from training.extensions import db

CHUNK = 50  # certificates rendered (one document), stored and committed together


def start_batch(actor, session) -> CertificateBatch:
    """Record a bulk issue for the session; the task is queued once this is committed."""
    batch = CertificateBatch(session_id=session.id, total=len(services.pending(services.eligibility(session))),
                             created_by=actor)
    db.session.add(batch)
    db.session.flush()
    return batch


@shared_task(acks_late=True)
def issue_batch(batch_id: int) -> None:
    """Issue a batch chunk by chunk, committing each: a killed worker loses only the chunk in
    flight, and running the task again skips what was issued (no duplicate)."""
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status is BatchStatus.DONE:
        return
    batch.status = BatchStatus.RUNNING
    db.session.commit()
    try:
        _run(batch)
    except Exception as error:
        db.session.rollback()
        batch = db.session.get(CertificateBatch, batch_id)
        batch.status, batch.error, batch.finished_at = BatchStatus.FAILED, str(error)[:2000], datetime.now(UTC)
        db.session.commit()
        raise


def _run(batch: CertificateBatch) -> None:
    session, actor = batch.session, batch.created_by
    while True:
        issued = services.issue_pending(actor, session, limit=CHUNK)
        batch.issued += len(issued)
        batch.total = max(batch.total, batch.issued)  # someone became eligible since the start
        batch.done = batch.issued
        db.session.commit()
        if len(issued) < CHUNK:
            break
    batch.done = batch.total
    batch.status, batch.finished_at = BatchStatus.DONE, datetime.now(UTC)
    db.session.commit()
