"""Profile edits, password change and API tokens (page and API)."""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa

from tests.factories import PASSWORD
from tests.helpers import count_rows, post_form
from training.accounts.models import ApiToken, LearnerCategory
from training.audit.models import AuditEntry
from training.extensions import db

STRONG = "centrifugeuse et cryotubes"


def _basic(email: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def test_profile_edit_is_saved_and_audited_with_both_values(client, auth, learner):
    auth.sign_in(learner)
    response = post_form(
        client,
        "/profile",
        {"name": "Léa Martin-Dupont", "organisation": "Inserm", "category": "student", "locale": "fr"},
    )
    assert response.status_code == 302
    db.session.refresh(learner)
    assert (learner.name, learner.organisation, learner.category, learner.locale) == (
        "Léa Martin-Dupont",
        "Inserm",
        LearnerCategory.STUDENT,
        "fr",
    )
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.profile_updated"))
    assert entry.before == {"name": "Léa Martin", "organisation": "Genethon", "category": "employee", "locale": "en"}
    assert entry.after["category"] == "student"
    assert entry.actor_id == learner.id


def test_profile_rejects_an_unknown_category_and_changes_nothing(client, auth, learner):
    auth.sign_in(learner)
    response = post_form(client, "/profile", {"name": "X", "organisation": "", "category": "astronaut", "locale": "fr"})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.refresh(learner)
    assert learner.name == "Léa Martin"


def test_change_password_needs_the_current_one(app, client, auth, learner):
    auth.sign_in(learner)
    other = app.test_client()
    post_form(other, "/sign-in", {"email": learner.email, "password": PASSWORD})
    wrong = post_form(
        client,
        "/profile/password",
        {"current": "not it at all", "password": STRONG, "confirm": STRONG},
        page="/profile",
    )
    assert wrong.status_code == 422
    ok = post_form(
        client, "/profile/password", {"current": PASSWORD, "password": STRONG, "confirm": STRONG}, page="/profile"
    )
    assert ok.status_code == 302
    assert client.get("/profile").status_code == 200  # this browser stays signed in
    assert other.get("/profile").status_code == 302  # the other one is signed out


def test_token_from_the_profile_page_works_then_is_revoked(client, auth, learner):
    auth.sign_in(learner)
    page = post_form(client, "/profile/tokens", {"name": "CRM"}, page="/profile").get_data(as_text=True)
    plain = re.search(r'id="new-token">(gt_[^<]+)<', page)[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).json["email"] == learner.email
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash != plain and plain not in token.token_hash
    post_form(client, f"/profile/tokens/{token.id}/revoke", {}, page="/profile")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_cannot_revoke_another_users_token(client, auth, learner, other_learner):
    from training.accounts.services import create_api_token

    token, plain = create_api_token(other_learner, "theirs")
    db.session.commit()
    auth.sign_in(learner)
    response = post_form(client, f"/profile/tokens/{token.id}/revoke", {}, page="/profile")
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_api_token_with_basic_auth(client, learner):
    response = client.post("/api/v1/tokens", headers=_basic(learner.email, PASSWORD), json={"name": "script"})
    assert response.status_code == 201
    assert response.json["name"] == "script"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert me.json["roles"] == ["learner"]
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "api_token.created"))


def test_api_token_refused_with_a_problem_detail(client, learner):
    for headers in ({}, _basic(learner.email, "wrong password!"), _basic("ghost@example.org", PASSWORD)):
        response = client.post("/api/v1/tokens", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 401 and response.json["detail"]
        assert response.headers["WWW-Authenticate"].lower().startswith("basic")
    assert count_rows(ApiToken) == 0


def test_deactivated_account_gets_no_token_and_its_tokens_stop(client, learner):
    response = client.post("/api/v1/tokens", headers=_basic(learner.email, PASSWORD))
    plain = response.json["token"]
    learner.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert client.post("/api/v1/tokens", headers=_basic(learner.email, PASSWORD)).status_code == 401


def test_language_switch_is_remembered_on_the_account(client, auth, learner):
    auth.sign_in(learner)
    response = post_form(client, "/language", {"locale": "fr", "next": "/profile"}, page="/profile")
    assert response.headers["Location"] == "/profile"
    db.session.refresh(learner)
    assert learner.locale == "fr"
    assert post_form(client, "/language", {"locale": "de"}).status_code == 400
