"""Flask extensions, created unbound here and wired in `create_app`."""

from __future__ import annotations

import enum
import logging
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names, so Alembic migrations name what they create and can drop it again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC: the default of every timestamp column."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so naive values come back; this type attaches UTC on
    the way out and refuses naive datetimes on the way in, so no local time is ever
    stored by mistake.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR holding the member values plus a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Typed declarative base for every model."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
    if TYPE_CHECKING:
        # Every model maps a table (SQLAlchemy types `__table__` as any FROM clause).
        __table__: ClassVar[sa.Table]


db = SQLAlchemy(model_class=Base)

# The base of every model. At run time it is `db.Model`, the class Flask-SQLAlchemy builds from
# `Base` (same registry and metadata, plus its table naming and session bindings). A type checker
# cannot subclass an attribute set at run time (https://github.com/python/mypy/issues/8603), so
# it is shown `Base`, whose mapping features `db.Model` has.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
# Keyed on the client address as the WSGI server sees it; behind a proxy, ProxyFix (PROXY_COUNT,
# the number of trusted proxies) sets it, so a spoofed X-Forwarded-For does not reset it.
# When Redis stops answering, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED (config.py) makes it count the
# same limits in this process's memory, and try Redis again now and then.
limiter = Limiter(key_func=get_remote_address)


def rate_limit(setting: str, methods: tuple[str, ...] = ("POST",)):
    """Limit a view by the number in config `setting` (e.g. "10 per minute"), per client address."""
    return limiter.limit(lambda: current_app.config[setting], methods=list(methods))


class RedisOutage:
    """What this process knows of Redis failures: when the last one happened and was logged.

    Redis is optional at run time: without it the catalogue is not cached and rate limits
    count per process. Every failure is reported here, so the log says so once a minute
    rather than on every request, and the cache leaves Redis alone for a few seconds rather
    than wait for a connection timeout on every page.
    """

    WARN_EVERY = 60.0
    RETRY_AFTER = 5.0

    def __init__(self) -> None:
        self.failed_at: float | None = None
        self.warned_at: float | None = None

    def report(self, seen_by: str, error: BaseException | None) -> None:
        """Note a failure; log one warning unless one was logged less than a minute ago."""
        now = time.monotonic()
        self.failed_at = now
        if self.warned_at is None or now - self.warned_at >= self.WARN_EVERY:
            self.warned_at = now
            current_app.logger.warning(
                "Redis unavailable, seen by the %s; until it answers, the catalogue is not cached and "
                "rate limits count per process: %s",
                seen_by,
                error or "no error given",
            )

    def worth_trying(self) -> bool:
        """Whether the last failure is old enough to try Redis again."""
        return self.failed_at is None or time.monotonic() - self.failed_at >= self.RETRY_AFTER


def redis_outage() -> RedisOutage:
    """The current app's record of Redis failures (one app per process in production)."""
    return current_app.extensions.setdefault("redis_outage", RedisOutage())


class _LimiterFallbackLog(logging.Filter):
    """Flask-Limiter's "storage unreachable" warning, said through `RedisOutage.report` instead.

    Flask-Limiter logs it, without the error, each time it falls back to memory: while Redis
    flaps, every few seconds. It logs from inside its `except` block, so the error is at hand.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not (has_app_context() and record.getMessage().startswith("Rate limit storage unreachable")):
            return True
        redis_outage().report("rate limiter", sys.exc_info()[1])
        return False


logging.getLogger("flask-limiter").addFilter(_LimiterFallbackLog())
