"""Sign-in, password reset and token creation are rate-limited per client address."""

from __future__ import annotations

import base64

import pytest

from tests.helpers import csrf_token

SIGN_UP = {
    "name": "Nouvelle Personne",
    "organisation": "",
    "category": "student",
    "locale": "fr",
    "password": "Vecteur lentiviral, salle blanche & capside 2026",
    "confirm": "Vecteur lentiviral, salle blanche & capside 2026",
    "acknowledge": "y",
}


def test_sign_in_attempts_are_limited(client, learner):
    token = csrf_token(client, "/sign-in")
    statuses = [
        client.post(
            "/sign-in", data={"email": learner.email, "password": "guess number one", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    assert "Too many attempts" in client.post("/sign-in", data={"csrf_token": token}).get_data(as_text=True)
    spoofed = client.post("/sign-in", data={"csrf_token": token}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status_code == 429  # a made-up address does not reset the count


def test_password_reset_requests_are_limited(client, learner):
    token = csrf_token(client, "/forgot-password")
    statuses = [
        client.post("/forgot-password", data={"email": f"someone{n}@example.org", "csrf_token": token}).status_code
        for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_sign_ups_are_limited_per_client_address(client):
    token = csrf_token(client, "/sign-up")
    statuses = [
        client.post("/sign-up", data={**SIGN_UP, "email": f"new{n}@example.org", "csrf_token": token}).status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]


@pytest.mark.parametrize("url,data", [("/sign-up", SIGN_UP), ("/forgot-password", {})])
def test_emails_to_one_address_are_limited_whoever_asks(app, learner, url, data):
    """Three emails an hour to one inbox, even from three different clients each time."""
    statuses = []
    for n in range(4):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        token = csrf_token(client, url)
        statuses.append(client.post(url, data={**data, "email": learner.email.upper(), "csrf_token": token}))
    assert [response.status_code for response in statuses] == [302] * 3 + [429]
    assert "Too many attempts" in statuses[-1].get_data(as_text=True)


def test_token_creation_is_limited(client, learner):
    wrong = {"Authorization": "Basic " + base64.b64encode(f"{learner.email}:not it".encode()).decode()}
    statuses = [client.post("/api/v1/tokens", headers=wrong).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    response = client.post("/api/v1/tokens", headers=wrong)
    assert response.mimetype == "application/problem+json" and response.json["status"] == 429


def test_behind_one_proxy_each_client_has_its_own_count(tmp_path):
    from flask_migrate import upgrade

    from training import create_app

    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}",
            "PROXY_COUNT": 1,
            "SIGN_IN_RATE_LIMIT": "2 per minute",
        },
    )
    with app.app_context():
        upgrade()
    client = app.test_client()
    token = csrf_token(client, "/sign-in")

    def attempt(address: str) -> int:
        # nginx appends the address it saw; the app believes the last hop only.
        return client.post("/sign-in", data={"csrf_token": token}, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert attempt("203.0.113.2") == 200  # another visitor behind the same proxy
    assert attempt("198.51.100.7, 203.0.113.1") == 429  # a forged first hop changes nothing


def test_sign_up_does_the_same_work_for_a_known_and_a_new_address(client, learner, monkeypatch, mailbox):
    """The answer's time must not tell whether an address has an account: both paths hash the
    password once and send one email (bench/signup_timing.py measures the medians)."""
    import training.accounts.models as models
    import training.accounts.services as services

    hashed = []
    for module in (services, models):
        original = module.generate_password_hash
        monkeypatch.setattr(
            module,
            "generate_password_hash",
            lambda password, *args, _original=original, **kwargs: (
                hashed.append(1) or _original(password, *args, **kwargs)
            ),
        )
    answers = []
    for email in (learner.email, "brand.new@example.org"):
        hashed.clear()
        mailbox.clear()
        token = csrf_token(client, "/sign-up")
        response = client.post("/sign-up", data={**SIGN_UP, "email": email, "csrf_token": token})
        answers.append((response.status_code, response.headers["Location"], len(hashed), len(mailbox)))
    assert answers[0] == answers[1] == (302, "/sign-up/check-email", 1, 1)
