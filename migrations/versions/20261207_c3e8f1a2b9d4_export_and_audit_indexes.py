"""Indexes for ten years of data, each one asked for by EXPLAIN on the filled database:

- `slots (starts_at, id)` and `certificates (issued_at, id)`: the attendance and certificates
  exports of a period read rows in this order; without them PostgreSQL sorted every row (1.6
  million for attendance, spilling to disk) before giving the first, with them the download
  starts at once;
- a trigram index on `audit_log.actor_label`, for the audit viewer's "who" filter (a substring
  search, ILIKE '%text%', which a b-tree cannot serve). On PostgreSQL it needs the pg_trgm
  extension (trusted since PostgreSQL 13: the database owner may create it); on SQLite it is a
  plain index, so models and migrations agree on both. Downgrading drops the indexes and leaves
  the extension, which other indexes may use.

Revision ID: c3e8f1a2b9d4
Revises: b7c4e1a9d352
Create Date: 2026-12-07 16:25:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e8f1a2b9d4"
down_revision = "b7c4e1a9d352"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_slots_starts_at_id", "slots", ["starts_at", "id"])
    op.create_index("ix_certificates_issued_at_id", "certificates", ["issued_at", "id"])
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
    op.drop_index("ix_certificates_issued_at_id", table_name="certificates")
    op.drop_index("ix_slots_starts_at_id", table_name="slots")
