"""Home page per role, styled error pages, security headers, health check, email backends."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from flask import Blueprint

from training import create_app
from training.email import send_email
from training.extensions import db


def test_home_shows_each_role_its_work(client, auth, learner, admin):
    page = client.get("/").get_data(as_text=True)
    assert "Create an account" in page and "People" not in page
    auth.sign_in(admin)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in page
    auth.sign_out()
    auth.sign_in(learner)
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)


def test_404_is_a_styled_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Back to the home page" in response.get_data(as_text=True)


def test_403_is_a_styled_page(client, auth, learner):
    auth.sign_in(learner)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)


def test_500_shows_no_stack_trace(database_url, smtp_server):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})
    broken = Blueprint("broken", __name__)
    broken.add_url_rule("/boom", "boom", lambda: 1 / 0)
    broken.add_url_rule("/api/v1/boom", "api_boom", lambda: 1 / 0)
    app.register_blueprint(broken)
    client = app.test_client()
    response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "Traceback" not in page and "ZeroDivisionError" not in page
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "ZeroDivisionError" not in response.get_data(as_text=True)


def test_api_errors_are_problem_details(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
    assert client.get("/api/v1/tokens").status_code == 405


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS


def test_healthz(client):
    """Liveness: the database only (Redis is optional; /readyz reports it, tests/core/test_redis_optional.py)."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_pages_use_the_vendored_bootstrap_only(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in page
    assert "cdn" not in page.lower() and "https://" not in page.replace("https://schema.org", "")
    with client.get("/static/vendor/bootstrap/css/bootstrap.min.css") as response:
        assert response.status_code == 200


def test_folder_backend_writes_eml_files(app, tmp_path, learner):
    app.config.update(MAIL_BACKEND="folder", MAIL_FOLDER=str(tmp_path / "mail"))
    with app.test_request_context():
        send_email(
            learner.email, "Hello", "accounts/reset_password", locale="en", user=learner, link="http://training.test/x"
        )
        db.session.commit()
    [path] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes())
    assert message["To"] == learner.email and message["Subject"] == "Hello"


def test_email_of_a_rolled_back_change_is_never_sent(app, learner, mailbox):
    with app.test_request_context():
        learner.name = "changed"
        db.session.flush()
        send_email(
            learner.email,
            "Should not leave",
            "accounts/reset_password",
            locale="en",
            user=learner,
            link="http://training.test/x",
        )
        db.session.rollback()
    assert mailbox == []
    with app.test_request_context():
        learner.name = "changed again"
        db.session.flush()
        send_email(
            learner.email,
            "Leaves on commit",
            "accounts/reset_password",
            locale="en",
            user=learner,
            link="http://training.test/x",
        )
        assert mailbox == []
        db.session.commit()
    assert [m["Subject"] for m in mailbox] == ["Leaves on commit"]


@pytest.mark.parametrize("locale,greeting", [("fr", "Bonjour"), ("en", "Hello")])
def test_email_has_text_and_html(app, learner, mailbox, locale, greeting):
    with app.test_request_context():
        send_email(
            learner.email,
            "Subject",
            "accounts/reset_password",
            locale=locale,
            user=learner,
            link="http://training.test/reset-password/abc",
        )
        db.session.commit()
    [message] = mailbox
    assert greeting in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert 'href="http://training.test/reset-password/abc"' in html
