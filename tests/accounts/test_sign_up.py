"""Sign-up: a confirmation email, the same answer for known addresses, clear password errors."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.factories import UserFactory
from tests.helpers import count_rows, post_form
from training.accounts.models import Role, User
from training.audit.models import AuditEntry
from training.extensions import db

GOOD = {
    "name": "Camille Durand",
    "email": "Camille.Durand@Example.org",
    "organisation": "Yposkesi",
    "category": "employee",
    "locale": "en",
    "password": "vecteur lentiviral salle blanche",
    "confirm": "vecteur lentiviral salle blanche",
}


def _link(message) -> str:
    return re.search(r"http://training\.test(/\S+)", message.get_body(("plain",)).get_content()).group(1)


def test_sign_up_sends_a_confirmation_then_signs_in(client, ctx, mailbox):
    response = post_form(client, "/sign-up", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-up/check-email"

    user = db.session.scalar(sa.select(User))
    assert user.email == "camille.durand@example.org"
    assert user.role_set == {Role.LEARNER}
    assert user.email_confirmed_at is None
    assert user.password_hash.startswith("scrypt:")
    [message] = mailbox
    assert message["To"] == "camille.durand@example.org"
    assert message["Subject"] == "Confirm your email address"
    assert message.get_body(("html",)) is not None

    # Unconfirmed: signing in sends a new link instead.
    response = post_form(client, "/sign-in", {"email": GOOD["email"], "password": GOOD["password"]})
    assert response.status_code == 200
    assert len(mailbox) == 2

    response = client.get(_link(mailbox[0]))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is not None
    assert client.get("/profile").status_code == 200
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.signed_up", "user.email_confirmed"]


def test_sign_up_with_a_known_address_answers_the_same_and_warns_the_owner(client, learner, mailbox):
    data = {**GOOD, "email": learner.email.upper()}
    first = post_form(client, "/sign-up", data)
    second = post_form(client, "/sign-up", {**GOOD, "email": "nobody@example.org"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(User) == 2
    owner_message = next(m for m in mailbox if m["To"] == learner.email)
    assert "reset-password" in owner_message.get_body(("plain",)).get_content()


def test_weak_password_is_refused_with_a_reason_and_nothing_is_stored(client, ctx, mailbox):
    for weak in ("short", "password123", "camilledurand2026"):
        response = post_form(client, "/sign-up", {**GOOD, "password": weak, "confirm": weak})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "is-invalid" in page
        assert ("10" in page) or ("deviner" in page) or ("guess" in page)
    assert count_rows(User) == 0
    assert mailbox == []


def test_sign_up_keeps_where_the_visitor_was_going(client, ctx, mailbox):
    client.get("/sign-up?next=/profile")
    post_form(client, "/sign-up?next=/profile", {**GOOD, "next": "/profile"})
    response = client.get(_link(mailbox[0]))
    assert response.headers["Location"] == "/profile"


def test_sign_up_refuses_an_offsite_next(client, ctx, mailbox):
    post_form(client, "/sign-up", {**GOOD, "next": "https://evil.example/phish"})
    response = client.get(_link(mailbox[0]))
    assert response.headers["Location"] == "/"


def test_emails_differing_only_by_case_are_one_account(ctx):
    """The database itself refuses a mixed-case copy of a stored address."""
    UserFactory(email="same@example.org")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        UserFactory(email="Same@Example.org")
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        UserFactory(email="same@example.org")
