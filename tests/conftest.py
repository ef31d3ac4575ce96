"""Test fixtures: an app on a freshly migrated database per test, a real SMTP server,
users of each role, a signed-in admin and the access table's `people`. Plain helpers
(forms with CSRF tokens, row counts, ...) are in helpers.py.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
Tests that need a PostgreSQL server of their own (`pg_url`) skip elsewhere, saying why,
and fail instead of skipping when CI=true.
"""

from __future__ import annotations

import contextlib
import contextvars
import email
import email.policy
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask.testing import FlaskClient

from tests import factories
from tests.helpers import free_port, post_form, skip_or_fail
from training import create_app
from training.accounts.services import create_api_token
from training.extensions import db

DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
POSTGRES_SERVER_URL = os.environ.get(
    "TEST_POSTGRES_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def redis_url():
    """A Redis database of its own (number 15 by default), emptied before and after the test."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as error:
        skip_or_fail(f"Redis does not answer at {url} ({error}); start it to run this test")
    yield url
    client.flushdb()
    client.close()


# ---------------------------------------------------------------- SMTP server


class MailboxHandler:
    """aiosmtpd handler keeping every received message, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback for the whole run."""
    handler = MailboxHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The messages the SMTP server received during this test."""
    _controller, handler = smtp_server
    handler.messages.clear()
    return handler.messages


# ---------------------------------------------------------------- database


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database built by the migrations once per run: a template file or the PostgreSQL DB."""
    if DATABASE_URL:
        engine = sa.create_engine(_driver(DATABASE_URL))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(_driver(DATABASE_URL))
        return _driver(DATABASE_URL)
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{template}")
    return template


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@contextlib.contextmanager
def scratch_postgres_database():
    """A new, empty PostgreSQL database of its own, dropped afterwards."""
    name = f"genother_test_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        server.dispose()
        skip_or_fail(f"no PostgreSQL server at {POSTGRES_SERVER_URL}: {error.orig}")
    try:
        yield POSTGRES_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@contextlib.contextmanager
def migrated_app(url: str):
    """An app on its own database at `url`, migrated, for tests that serve it from another process
    (gunicorn) and prepare data or read the outcome here."""
    from flask_migrate import upgrade

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def postgres_database():
    """A new, empty PostgreSQL database of its own, dropped afterwards."""
    with scratch_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """An app on a database of its own that `flask seed-demo` filled once for the whole module
    (on PostgreSQL when the suite runs there). Tests must not change it."""
    from flask_migrate import upgrade

    with contextlib.ExitStack() as stack:
        if DATABASE_URL:
            url = _driver(stack.enter_context(scratch_postgres_database()))
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log", "LOG_LEVEL": "WARNING"})
        app.test_client_class = IsolatedClient
        with app.app_context():
            upgrade()
        app.seed_result = app.test_cli_runner().invoke(args=["seed-demo"])
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _truncate_all(app) -> None:
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            # TRUNCATE does not fire the audit log's row triggers; the app never truncates.
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    """This test's own database: a copy of the template file, or the emptied PostgreSQL DB."""
    if isinstance(migrated_database, Path):
        path = tmp_path / "test.sqlite"
        shutil.copyfile(migrated_database, path)
        return f"sqlite:///{path}"
    return migrated_database


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    Without this, a request would reuse the test's app context: its `g` (Flask-Login's
    cached user, Flask-WTF's CSRF token) and its database session would leak from one
    client to another. The test's own session is committed before each request, so the
    request sees the test's setup, and expired after, so the test sees what it changed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Assertions read English unless a test asks for French.
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        # Read the whole answer inside the request's own context and close it, as a WSGI server
        # does: a streamed answer (CSV exports) still has its request context, and what runs once
        # the response has gone (the outbox sends the request's emails) has run when the test
        # reads on.
        kwargs.setdefault("buffered", True)
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, smtp_server, tmp_path):
    """The application on a fresh database, sending email to the loopback SMTP server."""
    controller, _handler = smtp_server
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": controller.hostname,
            "MAIL_PORT": controller.port,
            "BASE_URL": "http://training.test",
        },
    )
    app.test_client_class = IsolatedClient
    yield app
    if DATABASE_URL:
        _truncate_all(app)
    else:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for tests that use the models directly."""
    with app.app_context():
        factories.bind(db.session)
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- people


@pytest.fixture
def learner(ctx):
    return factories.UserFactory(email="lea.learner@example.org", name="Léa Martin")


@pytest.fixture
def other_learner(ctx):
    return factories.UserFactory(email="other.learner@example.org", name="Omar Benali")


@pytest.fixture
def trainer(ctx):
    return factories.UserFactory(email="tom.trainer@example.org", name="Thomas Petit", roles=["trainer"])


@pytest.fixture
def admin(ctx):
    return factories.UserFactory(email="ada.admin@example.org", name="Ada Admin", roles=["admin"])


class Auth:
    """Sign a test client in and out, through the real forms."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, user_or_email, password: str = factories.PASSWORD):
        email_address = getattr(user_or_email, "email", user_or_email)
        return post_form(self.client, "/sign-in", {"email": email_address, "password": password})

    def sign_out(self):
        return post_form(self.client, "/sign-out", {}, page="/")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def signed_in_admin(auth, admin):
    """The admin, signed in on `client` through the sign-in form."""
    auth.sign_in(admin)
    return admin


@pytest.fixture
def people(learner, other_learner, trainer, admin):
    """The people and objects the URLs point at (see `helpers.sample_url`): a published course whose
    session the trainer teaches, the learner's enrolment in it, their certificate and their API token,
    and an API token of each role."""
    other_trainer = factories.UserFactory(email="other.trainer@example.org", name="Olga Trainer", roles=["trainer"])
    token, _plain = create_api_token(learner, "learner's token")
    session = factories.SessionFactory(trainers=[trainer])
    enrolment = factories.enrol(session, learner)
    certificate = factories.certify(
        enrolment, admin, "access-table-certificate-code", "GT-ACCESS-0001", pdf=b"%PDF-1.7 the learner's certificate"
    )
    users = {
        "learner": learner,
        "other_learner": other_learner,
        "trainer": trainer,
        "other_trainer": other_trainer,
        "admin": admin,
    }
    bearers = {role: create_api_token(user, f"{role}'s token")[1] for role, user in users.items()}
    db.session.commit()
    return {
        **users,
        "bearers": bearers,
        "token_id": token.id,
        "course": session.course,
        "session": session,
        "slot": session.slots[0],
        "enrolment": enrolment,
        "certificate": certificate,
    }
