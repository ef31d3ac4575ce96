"""Certificate endpoints: public verification, the learner's own list and downloads, bulk issue."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, url_for

from training.accounts.models import Role
from training.api import schemas, serializers
from training.api.auth import token_required
from training.api.blueprint import bp
from training.catalogue.models import CourseSession
from training.certificates import services
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment.models import Enrolment
from training.extensions import db, limiter


def certificate_body(certificate: Certificate) -> dict:
    """What verification shows: every field, the status and the fingerprint."""
    session = certificate.enrolment.session
    data = {
        "code": certificate.code,
        "serial": certificate.serial,
        "version": certificate.version,
        "status": certificate.status.value,
        "holder": certificate.enrolment.user.name,
        "course": session.course.title,
        "course_version": certificate.course_version,
        "track": session.course.track.value,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "hours_attended": float(certificate.hours_attended),
        "hours_scheduled": float(certificate.hours_scheduled),
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "superseded_at": certificate.superseded_at,
        "sha256": certificate.sha256,
        "verify_url": url_for("certificates.verify", code=certificate.code, _external=False),
        "download_url": url_for("api.certificate_pdf", code=certificate.code),
    }
    return serializers.dump(schemas.CertificateOut, data)


@bp.get("/certificates/<code>")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"])
def certificate(code: str):
    """Public verification of a certificate by its code."""
    found = services.by_code(code)
    if found is None:
        abort(404)
    return jsonify(certificate_body(found))


@bp.get("/certificates/<code>/pdf")
@token_required()
def certificate_pdf(code: str):
    """The issued PDF, unchanged, for its holder's token or an admin's; 404 for anybody else."""
    found = services.by_code(code)
    if found is None or not (g.api_user.is_admin or found.enrolment.user_id == g.api_user.id):
        abort(404)
    return found.pdf, 200, {"Content-Type": "application/pdf"}


@bp.get("/me/certificates")
@token_required()
def my_certificates():
    """The token owner's certificates, every version and status."""
    rows = db.session.scalars(
        db.select(Certificate)
        .join(Enrolment)
        .where(Enrolment.user_id == g.api_user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    return jsonify(items=[certificate_body(c) for c in rows])


@bp.post("/sessions/<int:session_id>/certificates")
@token_required(Role.ADMIN)
def issue_session_certificates(session_id: int):
    """Issue every eligible learner's certificate now; say who was not eligible, and why."""
    session = db.session.get(CourseSession, session_id) or abort(404)
    items = services.eligibility(session)
    issued = services.issue_pending(g.api_user, session)
    db.session.commit()
    valid = {
        c.enrolment_id: c
        for c in db.session.scalars(
            db.select(Certificate)
            .join(Enrolment)
            .where(Enrolment.session_id == session.id, Certificate.status == CertificateStatus.VALID)
        )
    }
    body = {
        "issued": [certificate_body(c) for c in issued],
        "already_issued": [
            certificate_body(valid[i.enrolment.id])
            for i in items
            if i.eligible and i.enrolment.id in valid and valid[i.enrolment.id] not in issued
        ],
        "not_eligible": [
            {
                "user": i.enrolment.user.email,
                "hours_attended": float(i.hours_attended),
                "hours_required": float(i.hours_required),
                "reason": i.reason,
            }
            for i in items
            if not i.eligible
        ],
    }
    return jsonify(serializers.dump(schemas.SessionCertificates, body))
