"""Server-side sessions (`user_sessions`: one row per signed-in browser, ended by signing out,
sign-out everywhere, a password change or reset) and API tokens with a life: scopes, and an expiry
for every token (tokens made before expiries existed get 90 days from now). Cookies made before this
revision carry no session key and sign their owner out once.

Revision ID: 5e55105c0a7e
Revises: 7e5a9c2d4b80
Create Date: 2026-12-07 10:22:38.961260

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e55105c0a7e"
down_revision = "7e5a9c2d4b80"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), server_default="", nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=20), server_default="read write", nullable=False))

    expiry = datetime.now(UTC) + timedelta(days=90)
    update = sa.text("UPDATE api_tokens SET expires_at = :expiry WHERE expires_at IS NULL").bindparams(
        sa.bindparam("expiry", type_=sa.DateTime(timezone=True))
    )
    op.get_bind().execute(update, {"expiry": expiry})


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
