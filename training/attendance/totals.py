"""What the database keeps as attendance is written: each enrolment's hours attended, and whether
each half-day is signed off.

`enrolments.hours_attended` is the sum of the hours of the enrolment's half-days marked present
or late. The dashboard, the BPF and the certificates owed add these up over tens of thousands of
learners; summing the marks at every view read millions of index entries at ten years of data.

Triggers keep the total, so no writer can forget it: the roll call, the check-in, the demo data,
the bulk fill of `bench.scale_data` and a test's fixture alike. A mark adds its half-day's hours
when it becomes present or late and takes them back when it stops being so (or is deleted); a
half-day's new length moves the totals of the learners marked in it; a half-day deleted takes
its marks with it first, while its hours can still be read. On PostgreSQL the increments are
atomic updates of the enrolment row, so two trainers marking two half-days of the same learner
at once both count. On SQLite the sums are rounded to the hundredth, as its numbers are floats.

`slots.signed_off` says whether the half-day has its trainer's sign-off (a row of `slot_signoffs`),
so the dashboard finds the few ended half-days still unsigned through a partial index, instead of
setting every half-day ever held against every sign-off.

These hooks cover `create_all`; migration `e5b8c1d7a3f6` creates the same triggers by name.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.attendance.models import AttendanceMark, MarkStatus, SlotSignoff
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment

ATTENDED_SQL = ", ".join(f"'{status.value}'" for status in MarkStatus if status.counts_as_attended)
SLOT_HOURS = "(SELECT hours FROM slots WHERE id = {row}.slot_id)"

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION attendance_marks_keep_hours() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ({ATTENDED_SQL}) THEN
        UPDATE enrolments SET hours_attended = hours_attended - {SLOT_HOURS.format(row="OLD")}
        WHERE id = OLD.enrolment_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ({ATTENDED_SQL}) THEN
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
    WHERE id IN (SELECT enrolment_id FROM attendance_marks WHERE slot_id = NEW.id AND status IN ({ATTENDED_SQL}));
    RETURN NEW;
END; $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER slots_keep_hours BEFORE DELETE OR UPDATE OF hours ON slots "
    "FOR EACH ROW EXECUTE FUNCTION slots_keep_hours()",
]


def _sqlite_change(sign: str, row: str) -> str:
    """The UPDATE moving the total of `row`'s enrolment by its half-day's hours, when it counts."""
    return (
        f"UPDATE enrolments SET hours_attended = ROUND(hours_attended {sign} {SLOT_HOURS.format(row=row)}, 2) "
        f"WHERE id = {row}.enrolment_id AND {row}.status IN ({ATTENDED_SQL});"
    )


SQLITE = [
    f"CREATE TRIGGER attendance_marks_hours_insert AFTER INSERT ON attendance_marks "
    f"BEGIN {_sqlite_change('+', 'NEW')} END",
    f"CREATE TRIGGER attendance_marks_hours_delete AFTER DELETE ON attendance_marks "
    f"BEGIN {_sqlite_change('-', 'OLD')} END",
    f"CREATE TRIGGER attendance_marks_hours_update AFTER UPDATE OF status, slot_id, enrolment_id ON attendance_marks "
    f"BEGIN {_sqlite_change('-', 'OLD')} {_sqlite_change('+', 'NEW')} END",
    f"CREATE TRIGGER slots_hours_update AFTER UPDATE OF hours ON slots BEGIN "
    f"UPDATE enrolments SET hours_attended = ROUND(hours_attended + NEW.hours - OLD.hours, 2) "
    f"WHERE id IN (SELECT enrolment_id FROM attendance_marks "
    f"WHERE slot_id = NEW.id AND status IN ({ATTENDED_SQL})); END",
    "CREATE TRIGGER slots_delete_marks BEFORE DELETE ON slots BEGIN "
    "DELETE FROM attendance_marks WHERE slot_id = OLD.id; END",
]

SIGNOFFS_POSTGRESQL = [
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
]
SIGNOFFS_SQLITE = [
    "CREATE TRIGGER slot_signoffs_flag_insert AFTER INSERT ON slot_signoffs BEGIN "
    "UPDATE slots SET signed_off = 1 WHERE id = NEW.slot_id; END",
    "CREATE TRIGGER slot_signoffs_flag_delete AFTER DELETE ON slot_signoffs BEGIN "
    "UPDATE slots SET signed_off = 0 WHERE id = OLD.slot_id; END",
]

for _table, _by_dialect in (
    (AttendanceMark.__table__, {"postgresql": POSTGRESQL, "sqlite": SQLITE}),
    (SlotSignoff.__table__, {"postgresql": SIGNOFFS_POSTGRESQL, "sqlite": SIGNOFFS_SQLITE}),
):
    for _dialect, _statements in _by_dialect.items():
        for _statement in _statements:
            sa.event.listen(_table, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))


def summed_hours() -> sa.ScalarSelect:
    """An enrolment's hours attended summed from its marks: what the triggers keep, afresh."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Slot.hours), 0))
        .select_from(AttendanceMark)
        .join(Slot, AttendanceMark.slot_id == Slot.id)
        .where(
            AttendanceMark.enrolment_id == Enrolment.id,
            AttendanceMark.status.in_([status for status in MarkStatus if status.counts_as_attended]),
        )
        .scalar_subquery()
    )


def recount() -> sa.Update:
    """Set every enrolment's total from its marks: a repair, one correlated sum per enrolment.
    (`bench.scale_data` sets the same totals with one grouped UPDATE, faster at millions of marks.)"""
    return sa.update(Enrolment).values(hours_attended=summed_hours())


def miscounted() -> sa.Select:
    """The ids of the enrolments whose kept total disagrees with their marks (none, unless a bug)."""
    return sa.select(Enrolment.id).where(Enrolment.hours_attended != summed_hours()).order_by(Enrolment.id)


def misflagged() -> sa.Select:
    """The ids of the half-days whose signed-off flag disagrees with their sign-off (none, unless a bug)."""
    signed = sa.exists().where(SlotSignoff.slot_id == Slot.id)
    return sa.select(Slot.id).where(Slot.signed_off != signed).order_by(Slot.id)
