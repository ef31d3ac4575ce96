"""Certificate batches end in a clear state: a `cancelled` status, a heartbeat to see a stalled
worker, and at most one queued or running batch per session.

The status column is a VARCHAR with a CHECK constraint (training.extensions.enum_type), not a
native enum type: the constraint is replaced, and the column widened to the longest value.
Before the unique index is created, older active batches of a session that has several are
closed as failed ("unexpected"), which they were: only the newest one could still be running.
Failed batches kept the exception's text, which could hold SQL; they keep a failure code.

Revision ID: a14e0c3b7d21
Revises: 3c1d2e4f5a6b
Create Date: 2026-12-07 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a14e0c3b7d21"
down_revision = "3c1d2e4f5a6b"
branch_labels = None
depends_on = None

OLD_STATUSES = ("queued", "running", "done", "failed")
NEW_STATUSES = OLD_STATUSES + ("cancelled",)
ACTIVE = "status IN ('queued', 'running')"


def _status_check(statuses) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade():
    op.execute(
        "UPDATE certificate_batches SET status = 'failed', error = 'unexpected', finished_at = CURRENT_TIMESTAMP "
        f"WHERE {ACTIVE} AND id < (SELECT max(newer.id) FROM certificate_batches newer "
        f"WHERE newer.session_id = certificate_batches.session_id AND newer.{ACTIVE})"
    )
    op.execute("UPDATE certificate_batches SET error = 'unexpected' WHERE error IS NOT NULL")
    with op.batch_alter_table("certificate_batches") as batch_op:
        batch_op.drop_constraint(op.f("ck_certificate_batches_batch_status"), type_="check")
        batch_op.alter_column("status", existing_type=sa.String(7), type_=sa.String(9), existing_nullable=False)
        batch_op.create_check_constraint(op.f("ck_certificate_batches_batch_status"), _status_check(NEW_STATUSES))
        batch_op.add_column(
            sa.Column(
                "heartbeat_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
            )
        )
        batch_op.create_index(
            "uq_certificate_batches_one_active",
            ["session_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )
    # The last sign of life known of existing batches is their end, or else their start.
    op.execute("UPDATE certificate_batches SET heartbeat_at = COALESCE(finished_at, created_at)")


def downgrade():
    op.execute(
        "UPDATE certificate_batches SET status = 'failed', error = 'unexpected', "
        "finished_at = COALESCE(finished_at, CURRENT_TIMESTAMP) WHERE status = 'cancelled'"
    )
    with op.batch_alter_table("certificate_batches") as batch_op:
        batch_op.drop_index("uq_certificate_batches_one_active")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_constraint(op.f("ck_certificate_batches_batch_status"), type_="check")
        batch_op.alter_column("status", existing_type=sa.String(9), type_=sa.String(7), existing_nullable=False)
        batch_op.create_check_constraint(op.f("ck_certificate_batches_batch_status"), _status_check(OLD_STATUSES))
