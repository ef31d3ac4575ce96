"""Migrations build the schema from empty on SQLite and PostgreSQL, agree with the models,
and round-trip down and up."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import scratch_postgres_database
from training import create_app
from training.extensions import db


@pytest.fixture
def empty_sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"


@pytest.fixture
def empty_postgresql(postgres_database):
    return postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request):
    return request.getfixturevalue(f"empty_{request.param}")


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_matches_the_models(empty_database):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
    assert _tables(app) == set(db.metadata.tables)
    assert _differences(app) == []
    with app.app_context():
        db.engine.dispose()


def test_downgrade_then_upgrade_round_trip(empty_database):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
    assert _tables(app) == set()
    with app.app_context():
        upgrade()
    assert _differences(app) == []
    with app.app_context():
        db.engine.dispose()


def test_audit_log_is_append_only_after_migration(empty_database):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        db.session.execute(
            sa.text(
                "INSERT INTO audit_log (at, actor_label, action, object_type, object_id) "
                "VALUES (CURRENT_TIMESTAMP, 'system', 'test.insert', 'system', '-')"
            )
        )
        db.session.commit()
        for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert db.session.scalar(sa.text("SELECT action FROM audit_log")) == "test.insert"
        db.session.remove()
        db.engine.dispose()


def _triggers(engine: sa.Engine) -> dict[str, str]:
    """Each trigger of the database with its definition (and its function's body on PostgreSQL),
    whitespace folded."""
    query = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        if engine.dialect.name == "sqlite"
        else "SELECT t.tgname, pg_get_triggerdef(t.oid) || p.prosrc FROM pg_trigger AS t "
        "JOIN pg_proc AS p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
    )
    with engine.connect() as connection:
        return {name: " ".join(sql.split()) for name, sql in connection.execute(sa.text(query))}


def test_migrations_make_the_triggers_create_all_makes(empty_database, tmp_path):
    """The triggers (append-only tables, enrolments' hours attended) are the same, word for word,
    whether the schema comes from the migrations or from `create_all`."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        migrated = _triggers(db.engine)
        db.engine.dispose()
    with contextlib.ExitStack() as stack:
        if empty_database.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'all.sqlite'}"
        else:
            url = stack.enter_context(scratch_postgres_database()).replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sa.create_engine(url)
        db.metadata.create_all(engine)
        created = _triggers(engine)
        engine.dispose()
    assert {"attendance_marks_hours_insert", "attendance_marks_keep_hours"} & set(created)
    assert migrated == created
