"""Indexes for the read-heavy pages at ten years of data: marks by half-day (half-days by start
come with the next revision's `ix_slots_starts_at_id`).

`ix_attendance_marks_slot_status_enrolment` replaces the
index on `slot_id` alone (its first column serves the same lookups): a half-day's marks by status,
with their learners, come from the index alone, so the BPF and the dashboard's attendance chart
stop reading all the marks (1.5 M at ten years). On PostgreSQL, building it locks writes to the
marks for the few seconds it takes.

Revision ID: b7c4e1a9d352
Revises: b7d3e1f08a52
Create Date: 2026-12-07 16:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b7c4e1a9d352"
down_revision = "b7d3e1f08a52"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_attendance_marks_slot_status_enrolment", "attendance_marks", ["slot_id", "status", "enrolment_id"]
    )
    op.drop_index("ix_attendance_marks_slot_id", table_name="attendance_marks")


def downgrade():
    op.create_index("ix_attendance_marks_slot_id", "attendance_marks", ["slot_id"])
    op.drop_index("ix_attendance_marks_slot_status_enrolment", table_name="attendance_marks")
