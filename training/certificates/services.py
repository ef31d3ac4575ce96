"""Issuing, re-issuing and revoking certificates. A certificate is earned by attendance.

Issuing is idempotent: issuing again with the same attendance returns the valid
certificate; after attendance was corrected, it makes a new version that supersedes the
old one (which stays verifiable as superseded). The PDF bytes are stored once with their
SHA-256 and served unchanged.

Concurrent issues for one session (the admin's buttons, a bulk task, the API) take turns: each
locks the session's row first, then reads afresh what is valid, so every enrolment ends with
exactly one valid certificate.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from training.accounts.models import User
from training.attendance.services import attended_hours, scheduled_hours
from training.audit.services import record
from training.catalogue.models import CourseSession
from training.certificates.models import Certificate, CertificateStatus
from training.database import lock
from training.email import deferred, later, send_email
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.errors import DomainError
from training.extensions import db
from training.urls import external_url


class CertificateError(DomainError):
    status_code = 409


class NotEligible(CertificateError):
    """The learner has not earned a certificate; the message says why (hours against hours required)."""


class RenderError(RuntimeError):
    """The PDF of a certificate could not be made (a fault of ours, not a refusal)."""


@dataclass
class Eligibility:
    """Whether a confirmed learner of a session has earned a certificate, and why (not)."""

    enrolment: Enrolment
    hours_attended: Decimal
    hours_scheduled: Decimal
    hours_required: Decimal
    eligible: bool
    reason: str


def new_code() -> str:
    """A public verification code: 144 random bits, URL-safe."""
    return secrets.token_urlsafe(18)


def eligibility(session: CourseSession, now: datetime | None = None) -> list[Eligibility]:
    """Each confirmed learner of the session, eligible or not, with the hours behind it."""
    return eligibility_by_session([session], now)[session.id]


def eligibility_by_session(
    sessions: Sequence[CourseSession], now: datetime | None = None
) -> dict[int, list[Eligibility]]:
    """`eligibility` for several sessions in three queries, whatever their number."""
    now = now or datetime.now(UTC)
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.session_id.in_([s.id for s in sessions]), Enrolment.status == EnrolmentStatus.CONFIRMED)
        .order_by(User.name, User.id)
        .options(selectinload(Enrolment.user))
        .execution_options(populate_existing=True)
    ).all()
    attended = attended_hours([e.id for e in enrolments])
    scheduled = scheduled_hours([s.id for s in sessions])
    found: dict[int, list[Eligibility]] = {s.id: [] for s in sessions}
    for session in sessions:
        hours = scheduled.get(session.id, Decimal("0"))
        required = (hours * session.course.attendance_threshold).quantize(Decimal("0.01"), ROUND_HALF_UP)
        ended = session.ends_at <= now
        found[session.id] = [
            _judge(e, attended[e.id], hours, required, ended) for e in enrolments if e.session_id == session.id
        ]
    return found


def _judge(enrolment, attended: Decimal, scheduled: Decimal, required: Decimal, ended: bool) -> Eligibility:
    if not ended:
        reason, eligible = _("The session has not ended yet."), False
    elif attended < required:
        reason, eligible = (
            _(
                "%(attended)s h attended of the %(required)s h required.",
                attended=_hours(attended),
                required=_hours(required),
            ),
            False,
        )
    else:
        reason, eligible = (
            _(
                "%(attended)s h attended: %(required)s h were required.",
                attended=_hours(attended),
                required=_hours(required),
            ),
            True,
        )
    return Eligibility(enrolment, attended, scheduled, required, eligible, reason)


def _hours(value: Decimal) -> str:
    from training.site.filters import hours

    return hours(value)


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's valid certificate, if any."""
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.enrolment_id == enrolment.id, Certificate.status == CertificateStatus.VALID)
        .execution_options(populate_existing=True)
    )


def _needs_issue(item: Eligibility, current: Certificate | None) -> bool:
    return current is None or (current.hours_attended, current.hours_scheduled) != (
        item.hours_attended,
        item.hours_scheduled,
    )


def pending(items: list[Eligibility]) -> list[Eligibility]:
    """The eligible learners whose valid certificate is missing or tells other hours (one query).

    A certificate revoked for the same hours stays revoked: only a correction of the learner's
    attendance, or an admin issuing that one certificate on purpose, brings a new one.
    """
    ids = [item.enrolment.id for item in items if item.eligible]
    valid: dict[int, Certificate] = {}
    revoked: dict[int, set] = {}
    if ids:
        for certificate in db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.enrolment_id.in_(ids),
                Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.REVOKED)),
            )
            .execution_options(populate_existing=True)
        ):
            if certificate.status is CertificateStatus.VALID:
                valid[certificate.enrolment_id] = certificate
            else:
                revoked.setdefault(certificate.enrolment_id, set()).add(
                    (certificate.hours_attended, certificate.hours_scheduled)
                )
    return [
        item
        for item in items
        if item.eligible
        and _needs_issue(item, valid.get(item.enrolment.id))
        and not (
            item.enrolment.id not in valid
            and (item.hours_attended, item.hours_scheduled) in revoked.get(item.enrolment.id, ())
        )
    ]


def _new_certificate(actor: User, item: Eligibility) -> tuple[Certificate, dict]:
    """A certificate row (not yet stored) and the plain dict its PDF is rendered from."""
    from training.certificates.pdf import certificate_data

    enrolment, session = item.enrolment, item.enrolment.session
    version = (
        db.session.scalar(sa.select(sa.func.max(Certificate.version)).where(Certificate.enrolment_id == enrolment.id))
        or 0
    ) + 1
    now = datetime.now(UTC)
    certificate = Certificate(
        code=new_code(),
        serial=f"GT-{now:%Y}-{enrolment.id:06d}-{version}",
        enrolment=enrolment,
        version=version,
        course_version=session.course.version,
        hours_attended=item.hours_attended,
        hours_scheduled=item.hours_scheduled,
        locale=enrolment.user.locale,
        issued_at=now,
        issued_by=actor,
    )
    course = session.course
    data = certificate_data(
        learner_name=enrolment.user.name,
        course_title=course.title,
        course_track=course.track.value,
        course_objectives=[line.strip() for line in course.objectives.splitlines() if line.strip()],
        course_version=course.version,
        session_start=session.starts_at,
        session_end=session.ends_at,
        place=session.place,
        trainers=[t.name for t in session.trainers],
        hours_attended=item.hours_attended,
        hours_scheduled=item.hours_scheduled,
        issued_at=now,
        serial=certificate.serial,
        code=certificate.code,
        locale=certificate.locale,
    )
    return certificate, data


def _store(actor: User, certificate: Certificate, pdf: bytes) -> Certificate:
    """Keep the issued bytes with their fingerprint, supersede the previous version, audit, email."""
    previous = valid_certificate(certificate.enrolment)
    if previous is not None:
        previous.status, previous.superseded_at = CertificateStatus.SUPERSEDED, datetime.now(UTC)
        db.session.flush()
        record(
            actor,
            "certificate.superseded",
            previous,
            before={"status": CertificateStatus.VALID},
            after={"status": previous.status, "by_version": certificate.version},
        )
    certificate.pdf, certificate.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    db.session.add(certificate)
    db.session.flush()
    record(
        actor,
        "certificate.issued",
        certificate,
        after={
            "serial": certificate.serial,
            "version": certificate.version,
            "sha256": certificate.sha256,
            "hours_attended": certificate.hours_attended,
            "hours_scheduled": certificate.hours_scheduled,
            "user": certificate.enrolment.user.email,
        },
    )
    _email(certificate)
    return certificate


def _email(certificate: Certificate) -> None:
    """Send the learner their certificate; the PDF attached is the stored one, read when sent."""
    learner = certificate.enrolment.user
    send_email(
        learner.email,
        _l("Your certificate: %(title)s", title=certificate.enrolment.session.course.title),
        "certificates/issued",
        locale=learner.locale,
        user=learner,
        certificate=certificate,
        course=certificate.enrolment.session.course,
        verify_url=external_url("certificates.verify", code=certificate.code),
        attachments=[(f"certificate-{certificate.serial}.pdf", "application/pdf", later(stored_pdf, certificate))],
    )


@deferred
def stored_pdf(certificate: Certificate) -> bytes:
    """The PDF as issued (the one whose SHA-256 the audit log holds)."""
    return certificate.pdf


def issue(actor: User, enrolment: Enrolment) -> tuple[Certificate, bool]:
    """Issue one learner's certificate; returns (certificate, created). NotEligible when not earned."""
    from training.certificates.pdf import render_certificate

    session = lock(CourseSession, enrolment.session_id)
    item = next((i for i in eligibility(session) if i.enrolment.id == enrolment.id), None)
    if item is None or not item.eligible:
        raise NotEligible(item.reason if item else _("Only confirmed learners earn a certificate."))
    current = valid_certificate(enrolment)
    if current is not None and not _needs_issue(item, current):
        return current, False
    certificate, data = _new_certificate(actor, item)
    with _rendering():
        pdf = render_certificate(data)
    return _store(actor, certificate, pdf), True


def issue_pending(actor: User, session: CourseSession, limit: int | None = None) -> list[Certificate]:
    """Issue the certificates the session's eligible learners do not hold yet, rendered in one batch.

    Safe to run again after an interruption, or at the same time as another issue: what was
    issued is skipped. The session stays locked until the caller commits.
    """
    from training.certificates.pdf import render_certificates

    session = lock(CourseSession, session.id)
    todo = pending(eligibility(session))[:limit]
    if not todo:
        return []
    built = [_new_certificate(actor, item) for item in todo]
    with _rendering():
        pdfs = render_certificates([data for _certificate, data in built])
    return [_store(actor, certificate, pdf) for (certificate, _data), pdf in zip(built, pdfs, strict=True)]


@contextmanager
def _rendering() -> Iterator[None]:
    """Turn any failure of the PDF renderer into a RenderError, so a caller can name its cause."""
    try:
        yield
    except Exception as error:
        raise RenderError("a certificate's PDF could not be rendered") from error


def revoke(actor: User, certificate: Certificate, reason: str) -> None:
    """Revoke a valid certificate with a reason; the verification page shows it at once."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking: it is kept in the audit log."))
    # A re-issue superseding this certificate at the same moment goes first, or waits.
    lock(CourseSession, certificate.enrolment.session_id)
    db.session.refresh(certificate)
    if certificate.status is not CertificateStatus.VALID:
        raise CertificateError(_("Only a valid certificate can be revoked."))
    certificate.status, certificate.revoked_at = CertificateStatus.REVOKED, datetime.now(UTC)
    certificate.revoked_by, certificate.revocation_reason = actor, reason
    db.session.flush()
    record(
        actor,
        "certificate.revoked",
        certificate,
        before={"status": CertificateStatus.VALID},
        after={"status": certificate.status},
        reason=reason,
    )


def by_code(code: str) -> Certificate | None:
    """The certificate with this public code."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def by_fingerprint(pdf: bytes) -> Certificate | None:
    """The certificate whose issued bytes are exactly these: an edited PDF finds nothing."""
    return db.session.scalar(sa.select(Certificate).where(Certificate.sha256 == hashlib.sha256(pdf).hexdigest()))


def certificate_links(enrolment_ids: list[int]) -> dict[int, dict]:
    """For "My trainings": the download address of each enrolment's valid certificate."""
    rows = db.session.execute(
        sa.select(Certificate.enrolment_id, Certificate.code).where(
            Certificate.enrolment_id.in_(enrolment_ids), Certificate.status == CertificateStatus.VALID
        )
    ).all()
    return {
        enrolment_id: {"certificate_url": url_for("certificates.download", code=code)} for enrolment_id, code in rows
    }
