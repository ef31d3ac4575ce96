"""Database engine settings that SQLAlchemy does not apply by itself, and row locking.

SQLite: foreign keys on, WAL (readers work beside a writer), a busy timeout (5 s by default), and
writes serialised from the start of their transaction. SQLAlchemy silently drops
`FOR UPDATE` on SQLite, and a deferred transaction that read first and writes later
fails at once with "database is locked" when another writer got in between; so every
transaction of a request that may write (any method but GET, HEAD, OPTIONS), and of the
command line and background tasks, starts with `BEGIN IMMEDIATE` and waits its turn.

PostgreSQL: services lock the rows they count against (`lock`), e.g. a session's seats.

`DATABASE_LOCKING = False` switches both off. It exists only so that a test can show the
race that the locks prevent is real.
"""

from __future__ import annotations

import functools
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request

from training.extensions import Model, db

M = TypeVar("M", bound=Model)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_on_connect(busy_timeout_ms: int, dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_manual_transactions(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe in SQLAlchemy's docs).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if may_write() else "BEGIN")


def may_write() -> bool:
    """Whether the current unit of work may write: a non-GET request, a GET view marked with
    `writes`, a command or a task."""
    if not has_request_context() or request.method not in READ_ONLY_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "writes_on_get", False)


def writes(view):
    """Mark a GET view that writes (e.g. registers the document it hands out), so that on SQLite its
    transaction takes the write lock from the start like any other writer."""
    view.writes_on_get = True
    return view


def lock(model: type[M], object_id: int) -> M:
    """Load a row with `SELECT ... FOR UPDATE` (PostgreSQL), fresh from the database.

    On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE). The row must
    exist: callers lock what they hold (NoResultFound otherwise).
    """
    # Every model we lock has an integer `id` primary key; the shared base does not declare one.
    key = model.id  # type: ignore[attr-defined]
    query = sa.select(model).where(key == object_id).execution_options(populate_existing=True)
    if current_app.config["DATABASE_LOCKING"]:
        query = query.with_for_update()
    return db.session.scalars(query).one()


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds, so an answer built from the rows just
    written reads them without a query each. Only for rows this transaction wrote or locked:
    their values are the committed ones."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _postgresql_without_jit(_dialect, _record, _cargs, cparams: dict) -> None:
    """Open PostgreSQL connections with JIT compilation off.

    PostgreSQL compiles a query to machine code once its estimated cost passes `jit_above_cost`,
    which the big reads of ten years of data do (exports, dashboard). The compilation took about
    0.3 s before the attendance export's first row, for nothing gained on queries that stream
    their rows or end in well under a second (docs/performance.md). Set in the connection's
    startup options, so it holds for every connection of the pool, whatever a transaction does.
    """
    cparams["options"] = " ".join(filter(None, [cparams.get("options"), "-c jit=off"]))


def init_app(app: Flask) -> None:
    """Attach per-connection settings and transaction handling to the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "do_connect", _postgresql_without_jit)
    if engine.dialect.name != "sqlite":
        return
    sa.event.listen(engine, "connect", functools.partial(_sqlite_on_connect, app.config["SQLITE_BUSY_TIMEOUT_MS"]))
    if app.config["DATABASE_LOCKING"]:
        sa.event.listen(engine, "connect", _sqlite_manual_transactions)
        sa.event.listen(engine, "begin", _sqlite_begin)


def append_only(table: sa.Table) -> None:
    """Make `table` append-only in the database itself, whatever the code does (EU GMP Annex 11 §9,
    21 CFR 11.10(e)): row triggers refuse UPDATE and DELETE on SQLite and PostgreSQL.

    These hooks cover `create_all`; each table's migration creates the same triggers by name.
    """
    name = table.name
    statements = {
        "sqlite": [
            f"CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END",
            f"CREATE TRIGGER {name}_no_delete BEFORE DELETE ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END",
        ],
        "postgresql": [
            f"CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{name} is append-only'; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name}_no_update_delete BEFORE UPDATE OR DELETE ON {name} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}_append_only()",
        ],
    }
    for dialect, ddl in statements.items():
        for statement in ddl:
            sa.event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect=dialect))
