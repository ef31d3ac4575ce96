"""Password reset by email: same answer for unknown addresses, one use, expiry, sessions end."""

from __future__ import annotations

import re

import sqlalchemy as sa
from freezegun import freeze_time

from tests.factories import PASSWORD
from tests.helpers import post_form
from training.audit.models import AuditEntry
from training.extensions import db

NEW = "pipette multicanal et hotte"


def _reset_path(message) -> str:
    return re.search(r"http://training\.test(/reset-password/\S+)", message.get_body(("plain",)).get_content())[1]


def test_reset_flow(app, client, auth, learner, mailbox):
    other_browser = app.test_client()
    post_form(other_browser, "/sign-in", {"email": learner.email, "password": PASSWORD})
    db.session.commit()

    response = post_form(client, "/forgot-password", {"email": learner.email.upper()})
    assert response.status_code == 302
    [message] = mailbox
    path = _reset_path(message)
    assert client.get(path).status_code == 200

    response = post_form(client, path, {"password": NEW, "confirm": NEW})
    assert response.headers["Location"] == "/sign-in"
    assert auth.sign_in(learner, NEW).status_code == 302
    assert other_browser.get("/profile").status_code == 302  # the other session ended
    # The link works once.
    assert client.get(path).status_code == 302
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "user.password_reset"))


def test_unknown_address_gets_the_same_answer_and_no_mail(client, learner, mailbox):
    db.session.commit()
    known = post_form(client, "/forgot-password", {"email": learner.email})
    unknown = post_form(client, "/forgot-password", {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    flashes = [client.get("/sign-in").get_data(as_text=True)]
    assert "If an account uses this address" in flashes[0]
    assert [m["To"] for m in mailbox] == [learner.email]


def test_reset_link_expires_after_an_hour(client, learner, mailbox):
    db.session.commit()
    with freeze_time("2026-03-02 09:00:00"):
        post_form(client, "/forgot-password", {"email": learner.email})
    path = _reset_path(mailbox[0])
    with freeze_time("2026-03-02 10:01:00"):
        response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/forgot-password"


def test_forged_link_is_refused(client, learner):
    assert client.get("/reset-password/not-a-real-token").status_code == 302


def test_reset_link_does_not_trust_the_host_header(client, learner, mailbox):
    db.session.commit()
    post_form(client, "/forgot-password", {"email": learner.email}, headers={"Host": "evil.example"})
    body = mailbox[0].get_body(("plain",)).get_content()
    assert "evil.example" not in body
    assert "http://training.test/reset-password/" in body


def test_weak_new_password_is_refused(client, learner, mailbox):
    db.session.commit()
    post_form(client, "/forgot-password", {"email": learner.email})
    path = _reset_path(mailbox[0])
    response = post_form(client, path, {"password": "azerty", "confirm": "azerty"})
    assert response.status_code == 200
    assert "at least 10 characters" in response.get_data(as_text=True)
