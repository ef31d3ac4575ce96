"""Catalogue search index (courses.search_text), sessions.updated_at, and indexes for the cache key.

Revision ID: 47bbe4a1ac59
Revises: cf19b7f73848
Create Date: 2026-11-26 21:02:40.076811

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "47bbe4a1ac59"
down_revision = "cf19b7f73848"
branch_labels = None
depends_on = None


def _fold(text):
    # Kept here rather than imported, so this migration never changes with the app.
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    courses = sa.table(
        "courses",
        sa.column("id"),
        sa.column("title"),
        sa.column("summary"),
        sa.column("objectives"),
        sa.column("search_text"),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(courses.c.id, courses.c.title, courses.c.summary, courses.c.objectives)):
        text = _fold(" ".join([row.title or "", row.summary or "", row.objectives or ""]))
        bind.execute(courses.update().where(courses.c.id == row.id).values(search_text=text))

    # SQLite cannot add a NOT NULL column with a non-constant default: add it empty, fill
    # it from created_at, then make it NOT NULL (a table copy on SQLite, foreign keys off).
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sessions SET updated_at = created_at")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.alter_column(
            "updated_at",
            existing_type=sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        )
        batch_op.create_index("ix_sessions_updated_at", ["updated_at"])
    # The catalogue cache reads max(updated_at) of both tables on every request.
    op.create_index("ix_courses_updated_at", "courses", ["updated_at"])


def downgrade():
    op.drop_index("ix_courses_updated_at", table_name="courses")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_updated_at")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("search_text")
