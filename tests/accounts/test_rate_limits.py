"""Sign-in, password reset and token creation are rate-limited per client address."""

from __future__ import annotations

import base64

from tests.conftest import csrf_token


def test_sign_in_attempts_are_limited(client, learner):
    token = csrf_token(client, "/sign-in")
    statuses = [client.post("/sign-in", data={"email": learner.email, "password": "guess number one",
                                              "csrf_token": token}).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert "Too many attempts" in client.post("/sign-in", data={"csrf_token": token}).get_data(as_text=True)
    spoofed = client.post("/sign-in", data={"csrf_token": token}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.status_code == 429  # a made-up address does not reset the count


def test_password_reset_requests_are_limited(client, learner):
    token = csrf_token(client, "/forgot-password")
    statuses = [client.post("/forgot-password", data={"email": learner.email, "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [302] * 5 + [429]


def test_token_creation_is_limited(client, learner):
    wrong = {"Authorization": "Basic " + base64.b64encode(f"{learner.email}:not it".encode()).decode()}
    statuses = [client.post("/api/v1/tokens", headers=wrong).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    response = client.post("/api/v1/tokens", headers=wrong)
    assert response.mimetype == "application/problem+json" and response.json["status"] == 429


def test_behind_one_proxy_each_client_has_its_own_count(tmp_path):
    from flask_migrate import upgrade

    from training import create_app

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}",
                              "PROXY_COUNT": 1, "SIGN_IN_RATE_LIMIT": "2 per minute"})
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
