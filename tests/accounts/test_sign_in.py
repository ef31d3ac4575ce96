"""Sign-in, sign-out, sessions that end everywhere, and safe redirects."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.helpers import count_rows, post_form
from training.accounts.models import User
from training.extensions import db


def test_sign_in_and_out(client, auth, learner):
    response = auth.sign_in(learner)
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    auth.sign_out()
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    "email,password", [("lea.learner@example.org", "wrong password here"), ("nobody@example.org", PASSWORD)]
)
def test_wrong_credentials_get_one_message(client, auth, learner, email, password):
    response = auth.sign_in(email, password)
    assert response.status_code == 200
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_email_case_does_not_matter(client, auth, learner):
    assert auth.sign_in("LEA.Learner@Example.ORG").status_code == 302


def test_deactivated_account_cannot_sign_in_and_loses_its_sessions(client, auth, learner):
    auth.sign_in(learner)
    assert client.get("/profile").status_code == 200
    learner.is_active_account = False
    db.session.commit()
    assert client.get("/profile").status_code == 302
    assert "Wrong email or password." in auth.sign_in(learner).get_data(as_text=True)


def test_next_redirect_stays_on_the_site(client, learner):
    db.session.commit()
    for target, expected in [
        ("/profile", "/profile"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        response = post_form(
            client, "/sign-in", {"email": learner.email, "password": PASSWORD, "next": target}, page="/sign-in"
        )
        assert response.headers["Location"] == expected, target
        post_form(client, "/sign-out", {}, page="/")


def test_sign_out_everywhere_ends_other_sessions(app, client, auth, learner):
    other_browser = app.test_client()
    auth.sign_in(learner)
    assert post_form(other_browser, "/sign-in", {"email": learner.email, "password": PASSWORD}).status_code == 302
    assert other_browser.get("/profile").status_code == 200
    post_form(client, "/profile/sign-out-everywhere", {}, page="/profile")
    assert other_browser.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 302


def test_sign_out_needs_a_post_with_csrf(client, auth, learner):
    auth.sign_in(learner)
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/profile").status_code == 200


def test_session_cookie_flags(client, auth, learner):
    response = auth.sign_in(learner)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_inactive_user_count_unchanged_by_failed_sign_in(client, auth, learner):
    before = count_rows(User)
    auth.sign_in("x@example.org", "nope nope nope")
    assert count_rows(User) == before


def test_unconfirmed_user_gets_a_new_link(client, auth, mailbox, ctx):
    UserFactory(email="new@example.org", email_confirmed_at=None)
    response = auth.sign_in("new@example.org")
    assert response.status_code == 200
    assert client.get("/profile").status_code == 302
    assert [m["To"] for m in mailbox] == ["new@example.org"]
