"""Attendance evidence: learners' signatures per half-day (append-only, database triggers), the
trainer's sign-off with its printed name, meaning and the hash of the roll, and the register of
attendance sheets handed out (code, SHA-256, stored bytes). Existing sign-offs get their signer's
current name; their meaning and hash stay empty (they were made before signatures existed).

Revision ID: 7e5a9c2d4b80
Revises: a14e0c3b7d21
Create Date: 2026-12-07 09:04:13.039224

"""

import sqlalchemy as sa
from alembic import op

# The same triggers as training/attendance/models.py adds for create_all.
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER attendance_signatures_no_update BEFORE UPDATE ON attendance_signatures "
        "BEGIN SELECT RAISE(ABORT, 'attendance_signatures is append-only'); END",
        "CREATE TRIGGER attendance_signatures_no_delete BEFORE DELETE ON attendance_signatures "
        "BEGIN SELECT RAISE(ABORT, 'attendance_signatures is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION attendance_signatures_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'attendance_signatures is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER attendance_signatures_no_update_delete BEFORE UPDATE OR DELETE ON attendance_signatures "
        "FOR EACH ROW EXECUTE FUNCTION attendance_signatures_append_only()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS attendance_signatures_no_update",
        "DROP TRIGGER IF EXISTS attendance_signatures_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS attendance_signatures_no_update_delete ON attendance_signatures",
        "DROP FUNCTION IF EXISTS attendance_signatures_append_only()",
    ],
}


# revision identifiers, used by Alembic.
revision = "7e5a9c2d4b80"
down_revision = "a14e0c3b7d21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=True),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("half_days", sa.Integer(), nullable=False),
        sa.Column("signatures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["generated_by_id"], ["users.id"], name=op.f("fk_attendance_sheets_generated_by_id_users")
        ),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], name=op.f("fk_attendance_sheets_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_sheets")),
        sa.UniqueConstraint("code", name=op.f("uq_attendance_sheets_code")),
        sa.UniqueConstraint(
            "session_id", "content_digest", name=op.f("uq_attendance_sheets_session_id_content_digest")
        ),
        sa.UniqueConstraint("sha256", name=op.f("uq_attendance_sheets_sha256")),
    )
    with op.batch_alter_table("attendance_sheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_sheets_session_id"), ["session_id"], unique=False)

    op.create_table(
        "attendance_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meaning", sa.Text(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("drawn", "typed", name="signature_method", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "device",
            sa.Enum("own", "trainer", name="signature_device", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("drawing", sa.Text(), server_default="", nullable=False),
        sa.Column("typed_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["mark_id"], ["attendance_marks.id"], name=op.f("fk_attendance_signatures_mark_id_attendance_marks")
        ),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"], name=op.f("fk_attendance_signatures_signer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_signatures")),
    )
    with op.batch_alter_table("attendance_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_signatures_mark_id"), ["mark_id"], unique=False)

    with op.batch_alter_table("slot_signoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signer_name", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("meaning", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("record_hash", sa.String(length=64), server_default="", nullable=False))

    op.execute(
        "UPDATE slot_signoffs SET signer_name = "
        "(SELECT users.name FROM users WHERE users.id = slot_signoffs.signed_by_id)"
    )
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table("slot_signoffs", schema=None) as batch_op:
        batch_op.drop_column("record_hash")
        batch_op.drop_column("meaning")
        batch_op.drop_column("signer_name")

    with op.batch_alter_table("attendance_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_signatures_mark_id"))

    op.drop_table("attendance_signatures")
    with op.batch_alter_table("attendance_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_sheets_session_id"))

    op.drop_table("attendance_sheets")
