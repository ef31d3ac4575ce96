"""The catalogue API: reads for anyone, writes for admins with a bearer token, problem details."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import CourseFactory, SessionFactory, paris
from tests.helpers import bearer, count_rows
from training.audit.models import AuditEntry
from training.catalogue.models import Course, CourseSession, CourseStatus, Track
from training.extensions import db

NEW_COURSE = {
    "slug": "purification-aav",
    "title": "Purification des vecteurs AAV",
    "track": "biomanufacturing",
    "level": "advanced",
    "language": "fr",
    "format": "in_person",
    "summary": "Chromatographie d'affinité.",
    "objectives": "Choisir une résine\nSéparer capsides pleines et vides",
    "duration_hours": "14",
    "price_eur": "1450.00",
    "status": "published",
}


def test_list_with_filters_and_pagination(client, ctx):
    SessionFactory(course__title="GMP vecteurs", course__track=Track.BIOMANUFACTURING)
    for n in range(3):
        CourseFactory(title=f"Recherche {n}", track=Track.RESEARCH)
    response = client.get("/api/v1/courses?track=research&per_page=2&sort=title")
    assert response.status_code == 200
    body = response.json
    assert [c["title"] for c in body["items"]] == ["Recherche 0", "Recherche 1"]
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 1)
    assert body["links"]["next"] == "/api/v1/courses?track=research&sort=title&page=2&per_page=2"
    gmp = client.get("/api/v1/courses?track=biomanufacturing").json["items"][0]
    assert gmp["next_session"]["seats_left"] == 12


def test_bad_filter_is_a_400_problem_naming_the_field(client, ctx):
    response = client.get("/api/v1/courses?track=astronomy&month=2026-13&per_page=1000")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"track", "month", "per_page"}


def test_course_and_session_detail(client, ctx, trainer):
    session = SessionFactory(trainers=[trainer])
    course = client.get(f"/api/v1/courses/{session.course.slug}").json
    assert course["objectives"] == ["Décrire les étapes du procédé", "Appliquer les bonnes pratiques"]
    assert course["sessions"][0]["trainers"] == ["Thomas Petit"]
    detail = client.get(f"/api/v1/sessions/{session.id}").json
    assert (detail["capacity"], detail["seats_left"], detail["waitlist_length"], detail["hours"]) == (12, 12, 0, 7.0)
    assert len(detail["slots"]) == 2


def test_drafts_are_hidden_from_the_public_but_not_from_admins(client, admin):
    draft = SessionFactory(course__status=CourseStatus.DRAFT)
    assert client.get(f"/api/v1/courses/{draft.course.slug}").status_code == 404
    assert client.get(f"/api/v1/sessions/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/courses/{draft.course.slug}", headers=bearer(admin)).status_code == 200


def test_admin_creates_then_patches_a_course(client, admin):
    headers = bearer(admin)
    response = client.post("/api/v1/courses", json=NEW_COURSE, headers=headers)
    assert response.status_code == 201, response.json
    assert response.headers["Location"] == "/api/v1/courses/purification-aav"
    assert response.json["status"] == "published"
    response = client.patch(
        "/api/v1/courses/purification-aav", json={"price_eur": "1500", "title": "Purification AAV"}, headers=headers
    )
    assert response.status_code == 200
    course = db.session.scalar(sa.select(Course).where(Course.slug == "purification-aav"))
    assert (course.title, str(course.price_eur)) == ("Purification AAV", "1500.00")
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "courses")).all()
    assert "course.created" in actions and any(a.startswith("course.") for a in actions[1:])
    assert db.session.scalar(sa.select(AuditEntry.actor_id).where(AuditEntry.action == "course.created")) == admin.id


def test_create_course_validation_is_a_422_naming_fields_and_stores_nothing(client, admin):
    bad = {**NEW_COURSE, "slug": "Bad Slug!", "duration_hours": "-2", "colour": "blue"}
    response = client.post("/api/v1/courses", json=bad, headers=bearer(admin))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert {"slug", "duration_hours", "colour"} <= fields
    assert count_rows(Course) == 0


def test_duplicate_slug_is_refused(client, admin):
    CourseFactory(slug="purification-aav")
    response = client.post("/api/v1/courses", json=NEW_COURSE, headers=bearer(admin))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "slug"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", ""])
def test_malformed_body_is_a_400(client, admin, body):
    response = client.post("/api/v1/courses", data=body, content_type="application/json", headers=bearer(admin))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_writes_need_an_admin_token(client, learner, trainer):
    assert client.post("/api/v1/courses", json=NEW_COURSE).status_code == 401
    for user in (learner, trainer):
        assert client.post("/api/v1/courses", json=NEW_COURSE, headers=bearer(user)).status_code == 403
    assert count_rows(Course) == 0


def test_admin_records_a_past_session_with_its_slots(client, admin, trainer):
    course = CourseFactory()
    day = date(2025, 3, 11)
    body = {
        "place": "Genethon, Evry",
        "capacity": 10,
        "trainers": [trainer.email.upper()],
        "slots": [
            {"starts_at": paris(day, 9).isoformat(), "ends_at": paris(day, 12, 30).isoformat()},
            {"starts_at": paris(day, 13, 30).isoformat(), "ends_at": paris(day, 17).isoformat()},
        ],
        "enrolment_deadline": paris(day - timedelta(days=7), 18).isoformat(),
        "cancellation_deadline": paris(day - timedelta(days=3), 18).isoformat(),
    }
    response = client.post(f"/api/v1/courses/{course.slug}/sessions", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.json
    session = db.session.get(CourseSession, response.json["id"])
    assert [t.email for t in session.trainers] == [trainer.email]
    assert session.starts_at == paris(day, 9) and len(session.slots) == 2
    assert response.json["hours"] == 7.0


def test_session_validation_speaks_plainly(client, admin, learner):
    course = CourseFactory()
    day = date.today() + timedelta(days=30)
    body = {
        "place": "Genethon",
        "capacity": 10,
        "trainers": ["nobody@example.org"],
        "slots": [{"starts_at": paris(day, 12).isoformat(), "ends_at": paris(day, 9).isoformat()}],
        "enrolment_deadline": paris(day, 18).isoformat(),
        "cancellation_deadline": paris(day, 18).isoformat(),
    }
    response = client.post(f"/api/v1/courses/{course.slug}/sessions", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "trainers.0", "message": "no account uses nobody@example.org"}]
    body["trainers"] = []
    response = client.post(f"/api/v1/courses/{course.slug}/sessions", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert "ends before it starts" in response.json["detail"]
    naive = {**body, "enrolment_deadline": "2026-03-01T09:00:00"}
    response = client.post(f"/api/v1/courses/{course.slug}/sessions", json=naive, headers=bearer(admin))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "enrolment_deadline"
    assert count_rows(CourseSession) == 0


def test_responses_follow_the_openapi_document(client, ctx):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    for path in (
        "/api/v1/courses",
        "/api/v1/courses/{slug}",
        "/api/v1/sessions/{session_id}",
        "/api/v1/courses/{slug}/sessions",
        "/api/v1/tokens",
        "/api/v1/me",
    ):
        assert path in document["paths"]
