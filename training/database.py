"""Database engine settings that SQLAlchemy does not apply by itself."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from training.extensions import db


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work beside a writer,
    # and the busy timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
