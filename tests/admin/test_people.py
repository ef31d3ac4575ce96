"""People: an admin deactivates and reactivates accounts; records stay, and every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.factories import SessionFactory, UserFactory
from tests.helpers import count_rows, post_form
from training.accounts.models import Role
from training.accounts.services import create_api_token
from training.audit.models import AuditEntry
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def _deactivate(client, user, reason="Left the company"):
    return post_form(client, f"/admin/users/{user.id}/deactivate", {"reason": reason}, page=f"/admin/users/{user.id}")


def test_a_deactivated_learner_is_signed_out_everywhere_and_keeps_their_records(app, client, auth, admin, learner):
    session = SessionFactory()
    db.session.add(
        Enrolment(session=session, user=learner, status=EnrolmentStatus.WAITLISTED, waitlisted_at=datetime.now(UTC))
    )
    db.session.commit()
    other_device = app.test_client()
    Auth = type(auth)
    Auth(other_device).sign_in(learner)
    assert other_device.get("/my/trainings").status_code == 200

    auth.sign_in(admin)
    response = _deactivate(client, learner)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "can no longer sign in" in page
    assert "Deactivated" in page
    assert session.course.title in page  # the enrolment is still listed

    assert other_device.get("/my/trainings").status_code == 302  # the open session ended
    db.session.expire_all()
    assert count_rows(Enrolment, Enrolment.user_id == learner.id) == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.deactivated"))
    assert (entry.actor_id, entry.object_id, entry.reason) == (admin.id, str(learner.id), "Left the company")


def test_a_deactivated_account_cannot_sign_in_nor_use_its_api_token(client, auth, admin, learner):
    _token, plain = create_api_token(learner, "laptop")
    db.session.commit()
    auth.sign_in(admin)
    _deactivate(client, learner)
    auth.sign_out()

    response = auth.sign_in(learner)
    assert "/my/trainings" not in response.headers.get("Location", "")
    assert client.get("/my/trainings").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_reactivation_lets_the_person_sign_in_again(client, auth, admin, learner):
    auth.sign_in(admin)
    _deactivate(client, learner)
    response = post_form(
        client,
        f"/admin/users/{learner.id}/reactivate",
        {"reason": "Back from leave"},
        page=f"/admin/users/{learner.id}",
    )
    assert response.status_code == 302
    auth.sign_out()
    auth.sign_in(learner)
    assert client.get("/my/trainings").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "users", AuditEntry.object_id == str(learner.id))
    )
    assert {"user.deactivated", "user.reactivated"} <= set(actions)


def test_deactivation_needs_a_reason(client, auth, admin, learner):
    auth.sign_in(admin)
    response = _deactivate(client, learner, reason="  ")
    assert response.status_code == 422
    assert "Say why the account is deactivated." in response.get_data(as_text=True)
    db.session.refresh(learner)
    assert learner.is_active_account


def test_an_admin_cannot_deactivate_themselves_nor_the_last_admin(client, auth, admin):
    auth.sign_in(admin)
    response = _deactivate(client, admin)
    assert response.status_code == 422
    assert "your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_active_account

    other_admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    assert _deactivate(client, other_admin).status_code == 302  # two admins: one may go
    db.session.expire_all()
    assert not other_admin.is_active_account


def test_the_people_search_finds_by_name_email_or_organisation(client, auth, admin):
    UserFactory(name="Anaïs Dubois", organisation="Yposkesi", email="anais@ypo.example")
    UserFactory(name="Bruno Petit", organisation="Genethon")
    db.session.commit()
    auth.sign_in(admin)
    for query in ("dubois", "ypo.example", "yposkesi"):
        page = client.get(f"/admin/users?q={query}").get_data(as_text=True)
        assert "Anaïs Dubois" in page and "Bruno Petit" not in page, query
