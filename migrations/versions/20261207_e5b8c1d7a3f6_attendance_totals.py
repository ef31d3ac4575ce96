"""Attendance totals kept by database triggers: each enrolment's hours attended, and whether each
half-day is signed off; and the indexes the dashboard needs at ten years of data.

The dashboard, the BPF and the certificates owed summed the marks of a year of half-days at
each view: millions of index entries at ten years of data. `enrolments.hours_attended` keeps the
sum of the hours of an enrolment's half-days marked present or late; triggers on the marks and
on the half-days keep it whatever writes them (training/attendance/totals.py, which adds the same
triggers for `create_all`). `slots.signed_off` mirrors the sign-offs, so the half-days still
unsigned are found through a partial index instead of setting every half-day against every
sign-off. Both columns are filled in one statement each. Two indexes: a session's confirmed
learners with their hours (index-only on PostgreSQL), and the requests awaiting approval.

Revision ID: e5b8c1d7a3f6
Revises: d4f2a7c9e1b3
Create Date: 2026-12-07 23:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b8c1d7a3f6"
down_revision = "d4f2a7c9e1b3"
branch_labels = None
depends_on = None

ATTENDED = "'present', 'late'"
SLOT_HOURS = "(SELECT hours FROM slots WHERE id = {row}.slot_id)"


def _sqlite_change(sign: str, row: str) -> str:
    return (
        f"UPDATE enrolments SET hours_attended = ROUND(hours_attended {sign} {SLOT_HOURS.format(row=row)}, 2) "
        f"WHERE id = {row}.enrolment_id AND {row}.status IN ({ATTENDED});"
    )


TRIGGERS = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION attendance_marks_keep_hours() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ({ATTENDED}) THEN
        UPDATE enrolments SET hours_attended = hours_attended - {SLOT_HOURS.format(row="OLD")}
        WHERE id = OLD.enrolment_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ({ATTENDED}) THEN
        UPDATE enrolments SET hours_attended = hours_attended + {SLOT_HOURS.format(row="NEW")}
        WHERE id = NEW.enrolment_id;
    END IF;
    RETURN NULL;
END; $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER attendance_marks_keep_hours "
        "AFTER INSERT OR DELETE OR UPDATE OF status, slot_id, enrolment_id ON attendance_marks "
        "FOR EACH ROW EXECUTE FUNCTION attendance_marks_keep_hours()",
        f"""CREATE OR REPLACE FUNCTION slots_keep_hours() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM attendance_marks WHERE slot_id = OLD.id;
        RETURN OLD;
    END IF;
    UPDATE enrolments SET hours_attended = hours_attended + NEW.hours - OLD.hours
    WHERE id IN (SELECT enrolment_id FROM attendance_marks WHERE slot_id = NEW.id AND status IN ({ATTENDED}));
    RETURN NEW;
END; $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER slots_keep_hours BEFORE DELETE OR UPDATE OF hours ON slots "
        "FOR EACH ROW EXECUTE FUNCTION slots_keep_hours()",
    ],
    "sqlite": [
        f"CREATE TRIGGER attendance_marks_hours_insert AFTER INSERT ON attendance_marks "
        f"BEGIN {_sqlite_change('+', 'NEW')} END",
        f"CREATE TRIGGER attendance_marks_hours_delete AFTER DELETE ON attendance_marks "
        f"BEGIN {_sqlite_change('-', 'OLD')} END",
        f"CREATE TRIGGER attendance_marks_hours_update AFTER UPDATE OF status, slot_id, enrolment_id "
        f"ON attendance_marks BEGIN {_sqlite_change('-', 'OLD')} {_sqlite_change('+', 'NEW')} END",
        f"CREATE TRIGGER slots_hours_update AFTER UPDATE OF hours ON slots BEGIN "
        f"UPDATE enrolments SET hours_attended = ROUND(hours_attended + NEW.hours - OLD.hours, 2) "
        f"WHERE id IN (SELECT enrolment_id FROM attendance_marks "
        f"WHERE slot_id = NEW.id AND status IN ({ATTENDED})); END",
        "CREATE TRIGGER slots_delete_marks BEFORE DELETE ON slots BEGIN "
        "DELETE FROM attendance_marks WHERE slot_id = OLD.id; END",
    ],
}
SIGNOFF_TRIGGERS = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION slot_signoffs_keep_flag() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE slots SET signed_off = true WHERE id = NEW.slot_id;
    ELSE
        UPDATE slots SET signed_off = false WHERE id = OLD.slot_id;
    END IF;
    RETURN NULL;
END; $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER slot_signoffs_keep_flag AFTER INSERT OR DELETE ON slot_signoffs "
        "FOR EACH ROW EXECUTE FUNCTION slot_signoffs_keep_flag()",
    ],
    "sqlite": [
        "CREATE TRIGGER slot_signoffs_flag_insert AFTER INSERT ON slot_signoffs BEGIN "
        "UPDATE slots SET signed_off = 1 WHERE id = NEW.slot_id; END",
        "CREATE TRIGGER slot_signoffs_flag_delete AFTER DELETE ON slot_signoffs BEGIN "
        "UPDATE slots SET signed_off = 0 WHERE id = OLD.slot_id; END",
    ],
}
DROP_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS slot_signoffs_keep_flag ON slot_signoffs",
        "DROP FUNCTION IF EXISTS slot_signoffs_keep_flag()",
        "DROP TRIGGER IF EXISTS attendance_marks_keep_hours ON attendance_marks",
        "DROP FUNCTION IF EXISTS attendance_marks_keep_hours()",
        "DROP TRIGGER IF EXISTS slots_keep_hours ON slots",
        "DROP FUNCTION IF EXISTS slots_keep_hours()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS slot_signoffs_flag_insert",
        "DROP TRIGGER IF EXISTS slot_signoffs_flag_delete",
        "DROP TRIGGER IF EXISTS attendance_marks_hours_insert",
        "DROP TRIGGER IF EXISTS attendance_marks_hours_delete",
        "DROP TRIGGER IF EXISTS attendance_marks_hours_update",
        "DROP TRIGGER IF EXISTS slots_hours_update",
        "DROP TRIGGER IF EXISTS slots_delete_marks",
    ],
}
FILL = f"""UPDATE enrolments SET hours_attended = ROUND(summed.hours, 2)
FROM (
    SELECT m.enrolment_id, SUM(s.hours) AS hours
    FROM attendance_marks AS m JOIN slots AS s ON s.id = m.slot_id
    WHERE m.status IN ({ATTENDED})
    GROUP BY m.enrolment_id
) AS summed
WHERE enrolments.id = summed.enrolment_id"""


PENDING = "status = 'pending_approval'"


def upgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.add_column(sa.Column("hours_attended", sa.Numeric(7, 2), server_default="0", nullable=False))
        batch_op.create_check_constraint(op.f("ck_enrolments_hours_attended_not_negative"), "hours_attended >= 0")
    with op.batch_alter_table("slots") as batch_op:
        batch_op.add_column(sa.Column("signed_off", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(FILL)
    op.execute("UPDATE slots SET signed_off = true WHERE id IN (SELECT slot_id FROM slot_signoffs)")
    dialect = op.get_bind().dialect.name
    for statement in TRIGGERS[dialect] + SIGNOFF_TRIGGERS[dialect]:
        op.execute(statement)
    op.create_index(
        "ix_enrolments_session_status_hours",
        "enrolments",
        ["session_id", "status"],
        postgresql_include=["hours_attended", "user_id"],
    )
    op.create_index(
        "ix_enrolments_pending",
        "enrolments",
        ["created_at", "id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
    op.create_index(
        "ix_slots_unsigned",
        "slots",
        ["ends_at", "session_id"],
        postgresql_where=sa.text("NOT signed_off"),
        sqlite_where=sa.text("NOT signed_off"),
    )


def downgrade():
    op.drop_index("ix_slots_unsigned", table_name="slots")
    op.drop_index("ix_enrolments_pending", table_name="enrolments")
    op.drop_index("ix_enrolments_session_status_hours", table_name="enrolments")
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table("slots") as batch_op:
        batch_op.drop_column("signed_off")
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.drop_constraint(op.f("ck_enrolments_hours_attended_not_negative"), type_="check")
        batch_op.drop_column("hours_attended")
