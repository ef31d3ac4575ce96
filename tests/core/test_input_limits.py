"""Requests that are too big, malformed or sent to a forged Host get a clear 4xx and change nothing."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, csrf_token, sample_url, table_counts, url_rules
from training import create_app
from training.extensions import db

API_WRITES = [(m, r) for m, _e, r in url_rules() if m != "GET" and r.startswith("/api/")]
TABLES = ("users", "courses", "sessions", "slots", "enrolments", "attendance_marks", "certificates", "audit_log")


def _multipart(fields: dict[str, str], file: tuple[str, str, bytes] | None = None) -> bytes:
    """A multipart body built by hand (Werkzeug's builder leaves its temporary file open on a 413)."""
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if file:
        name, filename, content = file
        parts.append(
            f'--b\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + b"--b--\r\n"


def test_a_body_over_the_limit_is_refused_with_413(client, auth, admin):
    auth.sign_in(admin)
    token = csrf_token(client, "/verify")
    api_headers = {**bearer(admin), "Content-Type": "application/json"}
    before = table_counts(*TABLES)
    body = _multipart({"csrf_token": token}, ("pdf", "big.pdf", b"0" * (9 * 1024 * 1024)))
    response = client.post("/verify", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    api = client.post("/api/v1/courses", data=b"{" + b" " * (9 * 1024 * 1024) + b"}", headers=api_headers)
    assert api.status_code == 413 and api.mimetype == "application/problem+json"
    assert table_counts(*TABLES) == before


def test_form_text_over_the_memory_limit_is_refused(client, auth, admin):
    auth.sign_in(admin)
    token = csrf_token(client, "/admin/courses/new")
    before = table_counts(*TABLES)
    body = _multipart({"csrf_token": token, "title": "x" * (2 * 1024 * 1024)})
    response = client.post("/admin/courses/new", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    # The same text url-encoded is under the body limit: the form refuses it field by field.
    response = client.post("/admin/courses/new", data={"csrf_token": token, "title": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 422
    assert "Field cannot be longer than 200 characters." in response.get_data(as_text=True)
    assert table_counts(*TABLES) == before


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"title=AAV", "application/x-www-form-urlencoded"),
        (b'{"title": "AAV\\u0000", "place": "Evry\\u0000", "reason": "\\u0000"}', "application/json"),
    ],
)
@pytest.mark.parametrize("method,rule", API_WRITES, ids=[f"{m} {r}" for m, r in API_WRITES])
def test_malformed_api_bodies_get_a_4xx_problem_and_change_nothing(
    client,
    people,
    admin,
    method,
    rule,
    body,
    content_type,
):
    headers = {**bearer(admin), "Content-Type": content_type}
    before = table_counts(*TABLES)
    response = client.open(sample_url(rule, people), method=method, data=body, headers=headers)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    if response.status_code != 404:
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"] or response.json.get("errors")
    assert table_counts(*TABLES) == before


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-5",
        "page=99999999999999999999",
        "month=2026-99",
        "month=%FF%FE",
        "track=nope",
        "q=" + "a" * 5000,
        "q=%00",
        "sort=%27;DROP TABLE courses",
        "free=maybe",
        "level[]=1",
    ],
)
def test_malformed_query_strings_never_fail_with_500(client, auth, admin, query):
    headers = bearer(admin)
    auth.sign_in(admin)
    for path in ("/courses", "/api/v1/courses", "/api/v1/sessions", "/admin/users", "/admin/audit", "/admin/courses"):
        response = client.get(f"{path}?{query}", headers=headers if path.startswith("/api") else None)
        assert response.status_code < 500, f"{path}?{query}"


def test_a_forged_host_header_is_refused(tmp_path):
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hosts.sqlite'}",
            "TRUSTED_HOSTS": ["training.genother.example"],
        },
    )
    client = app.test_client()
    assert client.get("/sign-in", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/sign-in", headers={"Host": "training.genother.example"}).status_code == 200


def test_production_trusts_the_host_of_base_url(monkeypatch):
    from config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/training")
    monkeypatch.setenv("BASE_URL", "https://formation.genother.example")
    assert load_config("production")["TRUSTED_HOSTS"] == ["formation.genother.example"]
    monkeypatch.setenv("TRUSTED_HOSTS", "formation.genother.example, 10.0.0.5")
    assert load_config("production")["TRUSTED_HOSTS"] == ["formation.genother.example", "10.0.0.5"]


def test_a_nul_character_in_a_form_or_query_is_refused(client, auth, learner):
    auth.sign_in(learner)
    token = csrf_token(client, "/profile")
    response = client.post("/profile", data={"csrf_token": token, "name": "Léa\x00Martin"})
    assert response.status_code == 400
    assert client.get("/courses?q=gene%00").status_code == 400
    db.session.refresh(learner)
    assert learner.name == "Léa Martin"


def test_api_dates_outside_the_training_calendar_are_refused(client, admin):
    from tests.factories import CourseFactory

    course = CourseFactory()
    db.session.commit()
    year_one = "0001-01-01T00:00:00+00:00"
    body = {
        "place": "Evry",
        "capacity": 5,
        "slots": [{"starts_at": year_one, "ends_at": "0001-01-01T03:00:00+00:00"}],
        "enrolment_deadline": year_one,
        "cancellation_deadline": year_one,
    }
    response = client.post(f"/api/v1/courses/{course.slug}/sessions", json=body, headers=bearer(admin))
    assert response.status_code == 422
    assert {error["field"] for error in response.json["errors"]} >= {"slots.0.starts_at", "enrolment_deadline"}
