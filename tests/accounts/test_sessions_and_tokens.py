"""Sessions and tokens that can be ended (issue 15): a copied cookie dies with sign-out, every session
and token ends with "sign out everywhere", a password change or a reset, the profile lists the
open sessions and ends any one, and API tokens expire, keep their last use and carry scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from tests.factories import PASSWORD
from tests.helpers import count_rows, post_form
from training.accounts import services
from training.accounts.models import ApiToken, UserSession
from training.accounts.tokens import make_token
from training.extensions import db

NEW_PASSWORD = "Capside AAV9 et plasmide helper, lot 2026-12"


def sign_in(client, user, *, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/sign-in", data)
    assert response.status_code == 302
    return response


def replay(app, cookies: dict[str, str]):
    """Another browser holding copies of these cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def open_sessions(user) -> int:
    return count_rows(UserSession, UserSession.user_id == user.id, UserSession.ended_at.is_(None))


def test_a_copied_session_cookie_dies_when_its_owner_signs_out(app, client, auth, learner):
    sign_in(client, learner)
    thief = replay(app, {"session": client.get_cookie("session").value})
    assert signed_in(thief)
    auth.sign_out()
    assert not signed_in(thief)
    row = db.session.scalar(sa.select(UserSession))
    assert row.ended_at is not None and row.end_reason == "signed_out"


def test_a_copied_remember_me_cookie_dies_when_its_owner_signs_out(app, client, auth, learner):
    sign_in(client, learner, remember=True)
    stolen = {"remember_token": client.get_cookie("remember_token").value}
    assert signed_in(replay(app, stolen))  # the cookie alone signs in, as "keep me signed in" promises
    auth.sign_out()
    assert not signed_in(replay(app, stolen))


@pytest.fixture
def two_browsers_and_a_token(app, client, learner):
    """The learner signed in on `client` and on another browser, and holding an API token."""
    other_browser = app.test_client()
    sign_in(client, learner)
    sign_in(other_browser, learner)
    _token, plain = services.create_api_token(learner, "sync")
    db.session.commit()
    return other_browser, plain


def test_sign_out_everywhere_ends_every_session_and_token(client, learner, two_browsers_and_a_token):
    other_browser, plain = two_browsers_and_a_token
    assert open_sessions(learner) == 2
    post_form(client, "/profile/sign-out-everywhere", {}, page="/profile")
    assert not signed_in(client) and not signed_in(other_browser)
    assert open_sessions(learner) == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_a_password_change_ends_the_other_sessions_and_the_tokens_but_not_this_one(client, two_browsers_and_a_token):
    other_browser, plain = two_browsers_and_a_token
    response = post_form(
        client,
        "/profile/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/profile",
    )
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(other_browser)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_a_token_stops_working_after_a_password_reset(app, client, learner):
    sign_in(client, learner)
    _token, plain = services.create_api_token(learner, "sync")
    db.session.commit()
    reset = f"/reset-password/{make_token(learner, 'reset')}"
    anonymous = app.test_client()
    post_form(anonymous, reset, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert not signed_in(client)


def test_the_profile_lists_the_sessions_and_ends_another_one(app, client, learner, other_learner):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"
    sign_in(phone, learner)
    sign_in(client, learner)
    page = client.get("/profile").get_data(as_text=True)
    assert "iPhone OS 17_0" in page and "this browser" in page and "127.0.0.1" in page
    phone_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_agent.like("%iPhone%")))
    post_form(client, f"/profile/sessions/{phone_row.id}/end", {}, page="/profile")
    assert not signed_in(phone) and signed_in(client)
    # Somebody else's session is not theirs to see or end.
    intruder = app.test_client()
    sign_in(intruder, other_learner)
    response = post_form(intruder, f"/profile/sessions/{open_row(learner).id}/end", {}, page="/profile")
    assert response.status_code == 404 and signed_in(client)


def open_row(user) -> UserSession:
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )


# ---------------------------------------------------------------- API tokens


def test_a_token_expires_after_the_lifetime_chosen_at_creation(client, ctx, learner):
    token, plain = services.create_api_token(learner, "sync", days=30)
    db.session.commit()
    assert token.expires_at - token.created_at == timedelta(days=30)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with freeze_time(token.expires_at + timedelta(seconds=1)):
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_keeps_its_last_use(client, ctx, learner):
    token, plain = services.create_api_token(learner, "sync")
    db.session.commit()
    assert token.last_used_at is None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    db.session.refresh(token)
    assert token.last_used_at is not None and datetime.now(UTC) - token.last_used_at < timedelta(minutes=1)


def test_a_read_only_token_reads_but_never_writes(client, ctx, learner):
    from tests.factories import SessionFactory

    session = SessionFactory()
    _token, plain = services.create_api_token(learner, "dashboard", scopes="read")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me/enrolments", headers=headers).status_code == 200
    response = client.post(
        f"/api/v1/sessions/{session.id}/enrolments", headers=headers, json={"acknowledge_prerequisites": True}
    )
    assert response.status_code == 403 and "read-only" in response.json["detail"]


@pytest.mark.parametrize(
    "body,status",
    [({"days": 365, "scopes": "read"}, 201), ({"days": 7}, 409), ({"scopes": "admin"}, 409), ({"days": "ninety"}, 422)],
)
def test_the_api_creates_tokens_with_a_lifetime_and_scopes(client, ctx, learner, body, status):
    import base64

    basic = base64.b64encode(f"{learner.email}:{PASSWORD}".encode()).decode()
    response = client.post("/api/v1/tokens", json={"name": "cli", **body}, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == status
    stored = db.session.scalars(sa.select(ApiToken)).all()
    assert len(stored) == (1 if status == 201 else 0)
    if status == 201:
        assert response.json["scopes"] == "read" and stored[0].expires_at - stored[0].created_at == timedelta(days=365)


def test_a_token_used_to_write_keeps_its_last_use_too(client, ctx, learner):
    """Written with the request's own commit (an early write would hold SQLite's lock all along)."""
    from tests.factories import SessionFactory

    session = SessionFactory()
    token, plain = services.create_api_token(learner, "sync")
    db.session.commit()
    response = client.post(
        f"/api/v1/sessions/{session.id}/enrolments",
        json={"acknowledge_prerequisites": True},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 201
    db.session.refresh(token)
    assert token.last_used_at is not None
