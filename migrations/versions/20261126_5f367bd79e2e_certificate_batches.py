"""Certificate batches: the progress of a bulk issue run as a background task.

Revision ID: 5f367bd79e2e
Revises: 47bbe4a1ac59
Create Date: 2026-11-26 21:51:42.115213

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5f367bd79e2e"
down_revision = "47bbe4a1ac59"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed", name="batch_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("done >= 0 AND done <= total", name=op.f("ck_certificate_batches_done_within_total")),
        sa.CheckConstraint("issued >= 0 AND issued <= done", name=op.f("ck_certificate_batches_issued_within_done")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_certificate_batches_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_certificate_batches_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_batches")),
    )
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_batches_session_id"), ["session_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_batches_session_id"))

    op.drop_table("certificate_batches")
