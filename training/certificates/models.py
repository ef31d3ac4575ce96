"""Issued certificates: stored bytes, fingerprint, versions and revocation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from training.accounts.models import User
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment
from training.enums import LabelledEnum
from training.extensions import Model, enum_type, utcnow


class CertificateStatus(LabelledEnum):
    VALID = "valid", _l("Valid")
    REVOKED = "revoked", _l("Revoked")
    SUPERSEDED = "superseded", _l("Superseded")


class Certificate(Model):
    """One version of a learner's certificate for a session. Its bytes never change."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public verification code: at least 128 random bits, URL-safe.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    # The version of the course taught, as it was when the certificate was issued.
    course_version: Mapped[int] = mapped_column(default=1, server_default="1")
    status: Mapped[CertificateStatus] = mapped_column(
        enum_type(CertificateStatus, "certificate_status"), default=CertificateStatus.VALID
    )
    hours_attended: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    hours_scheduled: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    locale: Mapped[str] = mapped_column(sa.String(5))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    superseded_at: Mapped[datetime | None]

    enrolment: Mapped[Enrolment] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "version"),
        # The certificates export of a period reads them in issue order, streaming from the first.
        sa.Index("ix_certificates_issued_at_id", "issued_at", "id"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("hours_attended >= 0 AND hours_attended <= hours_scheduled", name="hours_sane"),
        sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_has_time"),
        sa.CheckConstraint("status != 'superseded' OR superseded_at IS NOT NULL", name="superseded_has_time"),
        # At most one valid certificate per enrolment: a re-issue supersedes the last one.
        sa.Index(
            "uq_certificates_one_valid",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text("status = 'valid'"),
            postgresql_where=sa.text("status = 'valid'"),
        ),
    )


class BatchStatus(LabelledEnum):
    QUEUED = "queued", _l("Queued")
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Failed")
    CANCELLED = "cancelled", _l("Cancelled")

    @property
    def is_active(self) -> bool:
        """Whether a batch in this state has a task to come or under way."""
        return self in ACTIVE_BATCH_STATUSES


# A batch in one of these states has a task to come or under way; a session has at most one.
ACTIVE_BATCH_STATUSES = (BatchStatus.QUEUED, BatchStatus.RUNNING)

# Why a batch failed, as stored in `CertificateBatch.error`: a short code, never an exception's
# text (which may hold SQL and data); the raw error goes to the server log with the batch id.
BATCH_FAILURES = {
    "pdf": _l("a certificate's PDF could not be made"),
    "database": _l("the database refused the certificates or did not answer"),
    "unexpected": _l("an unexpected error occurred (the details are in the server log)"),
}


class CertificateBatch(Model):
    """A bulk issue for a session, run as a background task; its counts show the progress."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id"), index=True)
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus, "batch_status"), default=BatchStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    # A code of BATCH_FAILURES when the batch failed.
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The task's last sign of life: at its start and after every chunk. Long silent: stalled.
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.current_timestamp())
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship()
    session: Mapped[CourseSession] = relationship()

    __table_args__ = (
        sa.CheckConstraint("done >= 0 AND done <= total", name="done_within_total"),
        sa.CheckConstraint("issued >= 0 AND issued <= done", name="issued_within_done"),
        # At most one batch per session queued or running: "issue all" twice gives the same batch.
        sa.Index(
            "uq_certificate_batches_one_active",
            "session_id",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
    )

    @property
    def failure(self) -> str:
        """Why the batch failed, in plain words for the admin (an unknown code says "unexpected")."""
        return str(BATCH_FAILURES.get(self.error or "", BATCH_FAILURES["unexpected"]))
