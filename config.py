"""Configuration: the only module that reads environment variables.

`load_config(name)` returns a plain dict for `app.config.from_mapping`. It is called
by the application factory, never at import time, so tests and tools can set the
environment first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import overload
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """A required setting is missing or wrong; the message names the variable."""


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: str | None) -> str | None: ...


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(url: str) -> str:
    """Let `postgres://` and plain `postgresql://` URLs use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def environment_name() -> str:
    """The configured environment: GENOTHER_ENV, `development` by default."""
    name = _env("GENOTHER_ENV", "development")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"GENOTHER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
    return name


def _trusted_hosts(production: bool) -> list[str] | None:
    hosts = [host.strip() for host in _env("TRUSTED_HOSTS", "").split(",") if host.strip()]
    base_url = _env("BASE_URL")
    if not hosts and production and base_url:
        host = urlsplit(base_url).hostname
        if host is None:
            # A None among the trusted hosts would make Werkzeug fail on every request.
            raise ConfigError(f"BASE_URL must be an absolute URL such as https://training.example, not {base_url!r}")
        hosts = [host]
    return hosts or None


def load_config(name: str | None = None) -> dict:
    """Build the settings of environment `name` from the process environment."""
    name = name or environment_name()
    if name not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {name!r}")
    production = name == "production"
    testing = name == "test"

    secret_key = _env("SECRET_KEY")
    database_url = _env("DATABASE_URL")
    if testing:
        database_url = _env("TEST_DATABASE_URL", database_url)
    if production:
        if not secret_key:
            raise ConfigError("SECRET_KEY is not set: production refuses to start without it")
        if not database_url:
            raise ConfigError("DATABASE_URL is not set: production refuses to start without it")
    if not database_url:
        database_url = "sqlite://" if testing else f"sqlite:///{INSTANCE_DIR / 'genother.sqlite'}"

    broker_url = _env("CELERY_BROKER_URL")
    # Redis is optional at run time: one that does not answer within half a second is taken as
    # down (the catalogue is then not cached, rate limits count per process), rather than hold
    # every request for redis-py's default of five seconds.
    redis_timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    mail_backend = _env("MAIL_BACKEND", "smtp" if production else "folder")
    return {
        "ENV_NAME": name,
        "TESTING": testing,
        "SECRET_KEY": secret_key or "dev-only-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": _database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Row locks and SQLite's BEGIN IMMEDIATE (training/database.py). Off only in the race
        # test's control run, to show that the race they prevent is real.
        "DATABASE_LOCKING": _bool("DATABASE_LOCKING", True),
        # Present and late may be marked (and learners check in) from this many minutes before
        # a half-day starts; absent and excused may be set at any time (a known absence).
        "ATTENDANCE_OPEN_MINUTES": int(_env("ATTENDANCE_OPEN_MINUTES", "30")),
        # SQLite only: how long a writer waits for another's transaction before "database is locked".
        "SQLITE_BUSY_TIMEOUT_MS": int(_env("SQLITE_BUSY_TIMEOUT_MS", "5000")),
        "SERVER_NAME": _env("SERVER_NAME"),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # The largest request is a certificate PDF dropped on the verification page.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # Text fields of a form together (course programmes are the longest), and their number.
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "MAX_FORM_PARTS": 1000,
        # Host headers the app answers to (others get 400), so no link is built from a forged
        # Host. Production defaults to BASE_URL's host.
        "TRUSTED_HOSTS": _trusted_hosts(production),
        # Proxies in front of the app (nginx: 1). Their X-Forwarded-For and -Proto are believed,
        # so rate limits and audit rows see the real client; 0 when clients connect directly.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "WTF_CSRF_ENABLED": not (testing and _bool("TEST_DISABLE_CSRF", False)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "PASSWORD_RESET_MAX_AGE": 3600,
        "EMAIL_CONFIRM_MAX_AGE": 3 * 24 * 3600,
        "INVITATION_MAX_AGE": 14 * 24 * 3600,
        "MAIL_BACKEND": mail_backend,
        # Without a broker, a request's emails are sent once its response has gone: by a sender
        # thread of the process ("thread"), or by the request's own thread ("inline": the tests,
        # which read the mailbox as soon as the response is back).
        "MAIL_SEND_AFTER_RESPONSE": _env("MAIL_SEND_AFTER_RESPONSE", "inline" if testing else "thread"),
        "MAIL_FOLDER": _env("MAIL_FOLDER", str(INSTANCE_DIR / "mail")),
        "MAIL_SERVER": _env("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(_env("MAIL_PORT", "25")),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER", "GenoTher Training <formation@genother.example>"),
        "TRAINING_OFFICE_EMAIL": _env("TRAINING_OFFICE_EMAIL", "formation@genother.example"),
        "CELERY": {
            "broker_url": broker_url or "memory://",
            "result_backend": _env("CELERY_RESULT_BACKEND"),
            "task_always_eager": broker_url is None,
            "task_eager_propagates": True,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            # Redis broker: a task taken by a worker that died is given again after this many
            # seconds; keep it longer than the longest task.
            "broker_transport_options": {"visibility_timeout": int(_env("CELERY_VISIBILITY_TIMEOUT", "3600"))},
            # Task modules the worker loads (the web app imports them through its views).
            "imports": ("training.certificates.tasks", "training.email", "training.surveys.tasks"),
            # `celery -A training.celery_worker beat`: periodic work.
            "beat_schedule": {
                "surveys-invite": {"task": "training.surveys.tasks.invite_surveys", "schedule": 3600.0},
                # Emails to retry, and any a dead worker or a broker outage left in the outbox.
                "emails-send-due": {"task": "training.email.send_due_emails", "schedule": 60.0},
            },
        },
        "REDIS_URL": _env("REDIS_URL"),
        "REDIS_TIMEOUTS": redis_timeouts,
        # Shared by every worker when Redis is configured; per process otherwise, and while Redis
        # does not answer (Flask-Limiter's in-memory fallback: the same limits, counted per process).
        "RATELIMIT_STORAGE_URI": _env("REDIS_URL") or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": redis_timeouts,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "VERIFY_RATE_LIMIT": _env("VERIFY_RATE_LIMIT", "30 per minute"),
        "SIGN_IN_RATE_LIMIT": _env("SIGN_IN_RATE_LIMIT", "10 per minute"),
        "PASSWORD_RESET_RATE_LIMIT": _env("PASSWORD_RESET_RATE_LIMIT", "5 per minute"),
        # Sign-up per client address, and sign-up and reset emails per target address (so nobody
        # floods an inbox from many addresses).
        "SIGN_UP_RATE_LIMIT": _env("SIGN_UP_RATE_LIMIT", "10 per hour"),
        "EMAIL_TARGET_RATE_LIMIT": _env("EMAIL_TARGET_RATE_LIMIT", "3 per hour"),
        "TOKEN_RATE_LIMIT": _env("TOKEN_RATE_LIMIT", "10 per minute"),
        "CACHE_TYPE": "RedisCache" if _env("REDIS_URL") else "SimpleCache",
        "CACHE_REDIS_URL": _env("REDIS_URL"),
        "CACHE_OPTIONS": redis_timeouts if _env("REDIS_URL") else None,
        "CACHE_KEY_PREFIX": "genother:",
        "CACHE_DEFAULT_TIMEOUT": 300,
        # How long a process trusts its last reading of the catalogue's state (seconds).
        "CATALOGUE_FINGERPRINT_TTL": 0.0 if testing else 1.0,
        # A bulk certificate issue whose worker has given no sign of life for this many seconds
        # (none after a chunk, which takes well under a minute) is shown as stalled, to resume.
        "CERTIFICATE_BATCH_STALL_SECONDS": int(_env("CERTIFICATE_BATCH_STALL_SECONDS", "300")),
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
    }
