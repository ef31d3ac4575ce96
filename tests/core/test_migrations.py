"""Migrations build the schema from empty on SQLite and PostgreSQL, agree with the models,
and round-trip down and up."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

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
