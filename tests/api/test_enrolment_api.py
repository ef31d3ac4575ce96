"""Enrolment API: 201 then 200 for the same enrolment, 409 problem details, cancel, list, on behalf."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tests.factories import SessionFactory
from tests.helpers import bearer, count_rows
from training.audit.models import AuditEntry
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

ACK = {"acknowledge_prerequisites": True}


def test_enrol_is_201_then_200_with_the_same_enrolment(client, learner):
    session = SessionFactory(capacity=1)
    headers = bearer(learner)
    first = client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=headers)
    assert first.status_code == 201
    assert first.json["status"] == "confirmed" and first.json["waitlist_position"] is None
    again = client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=headers)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert count_rows(Enrolment) == 1


def test_full_session_answers_with_the_waitlist_position(client, learner, other_learner):
    session = SessionFactory(capacity=1)
    client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(other_learner))
    response = client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(learner))
    assert (response.json["status"], response.json["waitlist_position"]) == ("waitlisted", 1)


def test_closed_session_is_a_409_with_a_sentence(client, learner):
    session = SessionFactory(enrolment_deadline=datetime.now(UTC) - timedelta(days=1))
    response = client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(learner))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"].startswith("Enrolment for this session closed on")


def test_prerequisites_must_be_acknowledged(client, learner):
    session = SessionFactory()
    response = client.post(f"/api/v1/sessions/{session.id}/enrolments", json={}, headers=bearer(learner))
    assert response.status_code == 422
    assert "prerequisites" in response.json["detail"]


def test_cancel_own_and_not_anothers(client, learner, other_learner):
    session = SessionFactory()
    enrolment_id = client.post(
        f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(other_learner)
    ).json["id"]
    assert client.delete(f"/api/v1/enrolments/{enrolment_id}", headers=bearer(learner)).status_code == 404
    response = client.delete(f"/api/v1/enrolments/{enrolment_id}", headers=bearer(other_learner))
    assert response.status_code == 200 and response.json["status"] == "cancelled"


def test_my_enrolments_lists_only_mine(client, learner, other_learner):
    mine, theirs = SessionFactory(), SessionFactory()
    client.post(f"/api/v1/sessions/{mine.id}/enrolments", json=ACK, headers=bearer(learner))
    client.post(f"/api/v1/sessions/{theirs.id}/enrolments", json=ACK, headers=bearer(other_learner))
    items = client.get("/api/v1/me/enrolments", headers=bearer(learner)).json["items"]
    assert [(i["user"], i["session"]["id"]) for i in items] == [(learner.email, mine.id)]


def test_admin_enrols_someone_into_a_past_session(client, admin, learner):
    session = SessionFactory(day=date.today() - timedelta(days=400))
    response = client.post(
        f"/api/v1/sessions/{session.id}/enrolments",
        json={"user": learner.email, "reason": "Saisie a posteriori"},
        headers=bearer(admin),
    )
    assert response.status_code == 201 and response.json["status"] == "confirmed"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "enrolment.created"))
    assert entry.actor_id == admin.id and entry.reason == "Saisie a posteriori"
    assert db.session.scalar(sa.select(Enrolment.enrolled_by_id)) == admin.id


def test_only_admins_enrol_someone_else(client, learner, other_learner):
    session = SessionFactory()
    response = client.post(
        f"/api/v1/sessions/{session.id}/enrolments", json={"user": other_learner.email, **ACK}, headers=bearer(learner)
    )
    assert response.status_code == 403
    assert count_rows(Enrolment) == 0


def test_admin_cancels_with_a_reason_and_the_waitlist_moves(client, admin, learner, other_learner):
    session = SessionFactory(capacity=1)
    first = client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(learner)).json
    client.post(f"/api/v1/sessions/{session.id}/enrolments", json=ACK, headers=bearer(other_learner))
    response = client.delete(f"/api/v1/enrolments/{first['id']}?reason=Absence+de+prérequis", headers=bearer(admin))
    assert response.status_code == 200
    statuses = dict(db.session.execute(sa.select(Enrolment.user_id, Enrolment.status)).all())
    assert statuses == {learner.id: EnrolmentStatus.CANCELLED, other_learner.id: EnrolmentStatus.CONFIRMED}
