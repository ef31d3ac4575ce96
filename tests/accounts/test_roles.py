"""Roles are granted by admins, audited with a reason, and the last admin stays."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers import post_form
from training.accounts.models import Role
from training.audit.models import AuditEntry
from training.extensions import db


def test_admin_grants_the_trainer_role_with_a_reason(client, auth, admin, learner):
    auth.sign_in(admin)
    response = post_form(
        client, f"/admin/users/{learner.id}", {"roles": ["learner", "trainer"], "reason": "Teaches the AAV module"}
    )
    assert response.status_code == 302
    db.session.refresh(learner)
    assert learner.role_set == {Role.LEARNER, Role.TRAINER}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.roles_changed"))
    assert entry.before == {"roles": ["learner"]}
    assert entry.after == {"roles": ["learner", "trainer"]}
    assert entry.reason == "Teaches the AAV module"
    assert entry.actor_id == admin.id


def test_the_last_admin_cannot_drop_the_role(client, auth, admin):
    auth.sign_in(admin)
    response = post_form(client, f"/admin/users/{admin.id}", {"roles": ["learner"]})
    assert response.status_code == 200
    assert "at least one administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_admin


def test_unknown_role_is_refused(client, auth, admin, learner):
    auth.sign_in(admin)
    response = post_form(client, f"/admin/users/{learner.id}", {"roles": ["superuser"]})
    assert response.status_code == 200
    db.session.refresh(learner)
    assert learner.role_set == {Role.LEARNER}


def test_learner_and_trainer_cannot_change_roles(client, auth, learner, trainer):
    for user in (learner, trainer):
        auth.sign_in(user)
        response = post_form(client, f"/admin/users/{learner.id}", {"roles": ["admin"]}, page="/")
        assert response.status_code == 403
        auth.sign_out()
    db.session.refresh(learner)
    assert learner.role_set == {Role.LEARNER}


def test_people_search(client, auth, admin, learner, trainer):
    auth.sign_in(admin)
    page = client.get("/admin/users?q=lea").get_data(as_text=True)
    assert "Léa Martin" in page and "Thomas Petit" not in page
    page = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "Thomas Petit" in page and "Léa Martin" not in page
