"""A trigram index on the audit log's actor label, for the viewer's "who" filter (a substring
search, ILIKE '%text%', which a b-tree cannot serve). On PostgreSQL it needs the pg_trgm
extension (trusted since PostgreSQL 13: the database owner may create it); on SQLite the same
index is a plain one, so the models and the migrations agree on both. Downgrading drops the
index and leaves the extension, which other indexes may use.

Revision ID: c3e8f1a2b9d4
Revises: 5e55105c0a7e
Create Date: 2026-12-07 16:25:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e8f1a2b9d4"
down_revision = "5e55105c0a7e"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_audit_log_actor_label_trgm",
        "audit_log",
        ["actor_label"],
        postgresql_using="gin",
        postgresql_ops={"actor_label": "gin_trgm_ops"},
    )


def downgrade():
    op.drop_index("ix_audit_log_actor_label_trgm", table_name="audit_log")
