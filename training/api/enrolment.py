"""Enrolment endpoints: enrol (oneself, or someone as an admin), cancel, list one's own."""

from __future__ import annotations

from flask import abort, g, jsonify, request, url_for

from training.accounts.services import find_user
from training.api import schemas, serializers
from training.api.auth import token_required
from training.api.blueprint import bp
from training.api.errors import UnprocessableFields, parse_body
from training.catalogue.models import CourseSession, CourseStatus
from training.certificates import withdrawal
from training.database import commit_keeping_loaded
from training.enrolment import queries, services
from training.enrolment.models import Enrolment
from training.extensions import db


def enrolment_body(enrolment: Enrolment) -> dict:
    """An enrolment as the API shows it."""
    data = {
        "id": enrolment.id,
        "status": enrolment.status.value,
        "waitlist_position": services.waitlist_position(enrolment),
        "user": enrolment.user.email,
        "course": enrolment.session.course.slug,
        "session": serializers.session_summary(enrolment.session),
        "created_at": enrolment.created_at,
        "url": url_for("api.cancel_enrolment", enrolment_id=enrolment.id),
    }
    return serializers.dump(schemas.EnrolmentOut, data)


@bp.post("/sessions/<int:session_id>/enrolments")
@token_required()
def enrol(session_id: int):
    """Enrol: 201 with the new enrolment, 200 with the same one when repeated."""
    data = parse_body(schemas.EnrolmentIn)
    actor = g.api_user
    on_behalf = data.user is not None
    if on_behalf and not actor.is_admin:
        abort(403, "Only the training office may enrol someone else.")
    learner = actor if data.user is None else _learner(data.user)
    session = db.session.get(CourseSession, session_id)
    if session is None or (session.course.status is not CourseStatus.PUBLISHED and not actor.is_admin):
        abort(404)
    enrolment, created = services.enrol(
        actor, session, learner, acknowledged=data.acknowledge_prerequisites, on_behalf=on_behalf, reason=data.reason
    )
    commit_keeping_loaded()  # the answer reads the enrolment, its session and learner as just written
    headers = {"Location": url_for("api.cancel_enrolment", enrolment_id=enrolment.id)}
    return jsonify(enrolment_body(enrolment)), 201 if created else 200, headers


def _learner(email: str):
    learner = find_user(email)
    if learner is None:
        raise UnprocessableFields([("user", f"no account uses {email}")])
    return learner


@bp.delete("/enrolments/<int:enrolment_id>")
@token_required()
def cancel_enrolment(enrolment_id: int):
    """Cancel an enrolment: one's own before the deadline, or any (admins, with ?reason=...).

    An admin cancelling someone else's enrolment also revokes the certificate it earned, if
    any (`training.certificates.withdrawal`).
    """
    actor = g.api_user
    enrolment = (
        db.session.get(Enrolment, enrolment_id) if actor.is_admin else queries.own_enrolment(actor, enrolment_id)
    )
    if enrolment is None:
        abort(404)
    reason = request.args.get("reason", "")[:500]
    if actor.is_admin and enrolment.user_id != actor.id:
        withdrawal.cancel_enrolment(actor, enrolment, reason)
    else:
        services.cancel(actor, enrolment, reason=reason or None)
    db.session.commit()
    return jsonify(enrolment_body(enrolment))


@bp.get("/me/enrolments")
@token_required()
def my_enrolments():
    """The token owner's enrolments, every status."""
    trainings = queries.my_trainings(g.api_user)
    items = trainings.upcoming + trainings.waitlisted + trainings.pending + trainings.past + trainings.closed
    return jsonify(items=[enrolment_body(e) for e in items])
