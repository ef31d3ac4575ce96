"""Certificates in the back office: eligibility per session, issue (one or all), revoke, ZIP;
the bulk issue's progress, cancel and resume."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import undefer

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import bp
from training.catalogue.models import CourseSession
from training.certificates import services
from training.certificates.forms import RevokeForm
from training.certificates.models import BatchStatus, Certificate, CertificateBatch, CertificateStatus
from training.certificates.tasks import cancel_batch, is_stalled, issue_batch, resume_batch, start_batch
from training.enrolment.models import Enrolment
from training.errors import DomainError
from training.extensions import db

admin_only = roles_required(Role.ADMIN)


@bp.get("/sessions/<int:session_id>/certificates")
@admin_only
def session_certificates(session_id: int):
    """Each confirmed learner, eligible or not and why, with their certificates."""
    session = db.get_or_404(CourseSession, session_id)
    return _render(session)


def _render(session: CourseSession, status: int = 200):
    items = services.eligibility(session)
    certificates = db.session.scalars(
        sa.select(Certificate)
        .join(Enrolment)
        .where(Enrolment.session_id == session.id)
        .order_by(Certificate.enrolment_id, Certificate.version.desc())
    ).all()
    by_enrolment: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        by_enrolment.setdefault(certificate.enrolment_id, []).append(certificate)
    batches = db.session.scalars(
        sa.select(CertificateBatch)
        .where(CertificateBatch.session_id == session.id)
        .order_by(CertificateBatch.id.desc())
        .limit(3)
    ).all()
    pending = {item.enrolment.id for item in services.pending(items)}
    # One learner's certificate can also be issued on purpose after a revocation.
    unheld = {
        item.enrolment.id
        for item in items
        if item.eligible
        and not any(c.status is CertificateStatus.VALID for c in by_enrolment.get(item.enrolment.id, []))
    }
    return render_template(
        "admin/certificates.html",
        session=session,
        items=items,
        by_enrolment=by_enrolment,
        batches=batches,
        stalled={b.id for b in batches if is_stalled(b)},
        pending=len(pending),
        owed=pending | unheld,
        revoke_form=RevokeForm(),
    ), status


@bp.post("/enrolments/<int:enrolment_id>/certificate")
@admin_only
def issue_certificate(enrolment_id: int):
    """Issue (or re-issue after a correction) one learner's certificate."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    RevokeForm().validate_on_submit() or abort(400)
    try:
        certificate, created = services.issue(current_user, enrolment)
    except DomainError as refused:
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(
            _("Certificate %(serial)s issued to %(name)s.", serial=certificate.serial, name=enrolment.user.name)
            if created
            else _("%(name)s already holds this certificate.", name=enrolment.user.name),
            "success",
        )
    return redirect(url_for("admin.session_certificates", session_id=enrolment.session_id))


@bp.post("/sessions/<int:session_id>/certificates")
@admin_only
def issue_all(session_id: int):
    """Issue every eligible learner's certificate as a background task, with visible progress;
    while one is queued or running for the session, show that one."""
    session = db.get_or_404(CourseSession, session_id)
    RevokeForm().validate_on_submit() or abort(400)
    batch, created = start_batch(current_user, session)
    if not created:
        flash(_("A bulk issue of this session is already under way: here it is."), "info")
    return _queue(batch.id, created)


def _queue(batch_id: int, run: bool):
    """Commit, then queue the batch's task when asked, and show the batch."""
    # End this request's transaction before the task starts: without a broker the task runs
    # right here, with its own database session, and on SQLite it needs the write lock.
    db.session.commit()
    db.session.close()
    if run:
        issue_batch.delay(batch_id)
    return redirect(url_for("admin.certificate_batch", batch_id=batch_id))


@bp.get("/certificates/batches/<int:batch_id>")
@admin_only
def certificate_batch(batch_id: int):
    """The progress of a bulk issue; refreshes itself while it runs."""
    batch = db.get_or_404(CertificateBatch, batch_id)
    return render_template(
        "admin/certificate_batch.html",
        batch=batch,
        stalled=is_stalled(batch),
        failure=_failure_message(batch) if batch.status is BatchStatus.FAILED else None,
    )


@bp.get("/certificates/batches/<int:batch_id>/status")
@admin_only
def certificate_batch_status(batch_id: int):
    """The progress of a bulk issue as JSON; `error` is the admin's message, never a raw error."""
    batch = db.get_or_404(CertificateBatch, batch_id)
    failed = batch.status is BatchStatus.FAILED
    return jsonify(
        status=batch.status.value,
        stalled=is_stalled(batch),
        total=batch.total,
        done=batch.done,
        issued=batch.issued,
        error=_failure_message(batch) if failed else None,
    )


def _failure_message(batch: CertificateBatch) -> str:
    return ngettext(
        "The certificates could not be produced: %(reason)s. %(num)d certificate was issued and is "
        "kept; you can resume.",
        "The certificates could not be produced: %(reason)s. %(num)d certificates were issued and "
        "are kept; you can resume.",
        batch.issued,
        reason=batch.failure,
    )


@bp.post("/certificates/batches/<int:batch_id>/cancel")
@admin_only
def cancel_certificate_batch(batch_id: int):
    """Cancel a queued, running or stalled bulk issue; what was issued is kept."""
    batch = db.get_or_404(CertificateBatch, batch_id)
    RevokeForm().validate_on_submit() or abort(400)
    try:
        cancel_batch(current_user, batch)
    except DomainError as refused:
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(_("The bulk issue is cancelled; the certificates issued so far are kept."), "info")
    return redirect(url_for("admin.certificate_batch", batch_id=batch_id))


@bp.post("/certificates/batches/<int:batch_id>/resume")
@admin_only
def resume_certificate_batch(batch_id: int):
    """Queue a failed or stalled bulk issue again: it skips what was already issued."""
    batch = db.get_or_404(CertificateBatch, batch_id)
    RevokeForm().validate_on_submit() or abort(400)
    try:
        resume_batch(current_user, batch)
    except DomainError as refused:
        flash(refused.message, "danger")
        return redirect(url_for("admin.certificate_batch", batch_id=batch_id))
    return _queue(batch_id, run=True)


@bp.post("/certificates/<int:certificate_id>/revoke")
@admin_only
def revoke_certificate(certificate_id: int):
    """Revoke a certificate with a reason; verification shows it at once."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    form.validate_on_submit() or abort(400)
    try:
        services.revoke(current_user, certificate, form.reason.data)
    except DomainError as refused:
        flash(refused.message, "danger")
        return _render(certificate.enrolment.session, status=422)
    db.session.commit()
    flash(_("Certificate %(serial)s is revoked.", serial=certificate.serial), "info")
    return redirect(url_for("admin.session_certificates", session_id=certificate.enrolment.session_id))


@bp.get("/sessions/<int:session_id>/certificates.zip")
@admin_only
def certificates_zip(session_id: int):
    """Every valid certificate of the session, as issued, in one ZIP file."""
    session = db.get_or_404(CourseSession, session_id)
    certificates = db.session.scalars(
        sa.select(Certificate)
        .join(Enrolment)
        .options(undefer(Certificate.pdf))
        .where(Enrolment.session_id == session.id, Certificate.status == CertificateStatus.VALID)
    ).all()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(f"certificate-{certificate.serial}.pdf", certificate.pdf)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-{session.course.slug}-{session.id}.zip",
    )
