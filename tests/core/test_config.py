"""Configuration: production refuses to start without its secrets; DATABASE_URL wins."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from config import ConfigError, load_config
from training import create_app
from training.extensions import db


def test_production_needs_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/training")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production")


def test_production_needs_a_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config("production")


def test_production_starts_with_both_and_secures_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db/training")
    config = load_config("production")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db/training"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["MAIL_BACKEND"] == "smtp"


def test_production_refuses_a_base_url_without_a_host(monkeypatch):
    # Its host would be None among the trusted hosts, and every request would fail with a 500.
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/training")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("BASE_URL", "formation.genother.example")
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config("production")


def test_development_defaults_to_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config("development")
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/genother.sqlite")
    assert config["CELERY"]["task_always_eager"] is True


def test_database_url_chooses_the_database_in_development(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/dev")
    assert load_config("development")["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://localhost/dev"


def test_a_broker_turns_off_inline_tasks(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert load_config("development")["CELERY"]["task_always_eager"] is False


def test_the_refusal_is_one_line_naming_the_variable(tmp_path):
    env = {"GENOTHER_ENV": "production", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///x.db"}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path.parent if False else __import__("config").BASE_DIR),
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY is not set" in last_line


def test_sqlite_busy_timeout_comes_from_the_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "1234")
    assert load_config("test")["SQLITE_BUSY_TIMEOUT_MS"] == 1234
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'busy.sqlite'}"})
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 1234
        db.session.rollback()


def test_postgresql_connections_run_without_jit_and_keep_the_urls_options(postgres_database):
    """JIT compilation cost the big exports 0.3 s before their first row (docs/performance.md): every
    connection of the pool has it off, and options given in DATABASE_URL still apply."""
    url = postgres_database + "?options=-c%20statement_timeout%3D7000"
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            with db.engine.connect() as first, db.engine.connect() as second:
                for conn in (first, second):
                    assert conn.scalar(sa.text("SHOW jit")) == "off"
                    assert conn.scalar(sa.text("SHOW statement_timeout")) == "7s"
            assert db.session.scalar(sa.text("SHOW jit")) == "off"
        finally:
            db.session.remove()
            db.engine.dispose()
