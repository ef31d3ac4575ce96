"""Cancelling an enrolment as the training office, also after the fact.

A learner whose enrolment is cancelled after the session no longer holds the certificate
it earned: the cancellation and the revocation happen in one transaction, with the same
reason, each with its audit row (`enrolment.cancelled`, `certificate.revoked`), and the
learner's one email says both. The attendance marks stay: they are evidence.

This lives above the enrolment services (which must not know about certificates). Lock
order: `training.enrolment.services.cancel` locks the session row first; the certificate
row is written after it, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from training.accounts.models import User
from training.catalogue.models import CourseSession
from training.certificates.models import Certificate, CertificateStatus
from training.certificates.services import revoke, valid_certificate
from training.enrolment import services as enrolment_services
from training.enrolment.models import Enrolment
from training.enrolment.notifications import notify
from training.extensions import db


def cancel_enrolment(actor: User, enrolment: Enrolment, reason: str) -> Certificate | None:
    """Cancel anyone's enrolment with a reason, revoking its valid certificate with the same reason.

    Returns the certificate it revoked, if any. Refusals are the enrolment service's
    (`ReasonRequired`, ...); an enrolment already closed is left as it is.
    """
    reason = (reason or "").strip()
    if not enrolment_services.cancel(actor, enrolment, reason=reason, as_admin=True, notify_learner=False):
        return None
    certificate = valid_certificate(enrolment)
    if certificate is not None:
        revoke(actor, certificate, reason)
    notify(enrolment, "cancelled", reason=reason, revoked_serial=certificate.serial if certificate else None)
    return certificate


@dataclass(frozen=True)
class CancelPreview:
    """What cancelling a session's enrolments implies, for the admin's cancel forms."""

    started: bool
    serials: dict[int, str]  # enrolment id -> serial of the valid certificate a cancellation revokes


def preview(session: CourseSession, enrolments: Sequence[Enrolment]) -> CancelPreview:
    """Whether the session has started, and which of these enrolments hold a valid certificate (one query)."""
    started = enrolment_services.has_started(session)
    ids = [enrolment.id for enrolment in enrolments]
    if not started or not ids:
        return CancelPreview(started, {})
    rows = db.session.execute(
        sa.select(Certificate.enrolment_id, Certificate.serial).where(
            Certificate.enrolment_id.in_(ids), Certificate.status == CertificateStatus.VALID
        )
    ).all()
    return CancelPreview(started, dict(rows))
