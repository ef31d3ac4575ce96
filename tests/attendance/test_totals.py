"""What the database's triggers keep (training/attendance/totals.py): each enrolment's hours
attended follow every mark written, changed or deleted, and every half-day lengthened or removed,
whoever writes them, and always agree with the marks summed afresh; each half-day's signed-off
flag follows its sign-off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from training.attendance import services
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus, SlotSignoff
from training.attendance.totals import miscounted, misflagged, recount
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment
from training.extensions import db


def kept(enrolments: list[Enrolment]) -> list[Decimal]:
    """The totals the database holds, in the order of `enrolments` (read afresh, not from the objects)."""
    hours = dict(db.session.execute(sa.select(Enrolment.id, Enrolment.hours_attended)).all())
    return [Decimal(str(hours[enrolment.id])).normalize() for enrolment in enrolments]


def test_the_roll_call_keeps_each_learners_hours(ctx, trainer, today_session, enrolments):
    morning, afternoon = today_session.slots
    alice, bruno, chloe = enrolments
    with freeze_time(afternoon.starts_at):
        services.set_mark(trainer, morning, alice, MarkStatus.PRESENT)
        services.set_mark(trainer, afternoon, alice, MarkStatus.LATE)
        services.set_mark(trainer, morning, bruno, MarkStatus.EXCUSED)
        services.set_mark(trainer, afternoon, bruno, MarkStatus.PRESENT)
        services.set_mark(trainer, morning, chloe, MarkStatus.ABSENT)
        db.session.commit()
        assert kept(enrolments) == [Decimal("7"), Decimal("3.5"), Decimal("0")]

        services.set_mark(trainer, afternoon, alice, MarkStatus.ABSENT, reason="Partie à 14 h")
        services.set_mark(trainer, morning, chloe, MarkStatus.LATE, reason="Arrivée à 10 h")
        services.set_mark(trainer, morning, bruno, MarkStatus.EXCUSED, note="Certificat médical")
        db.session.commit()
    assert kept(enrolments) == [Decimal("3.5"), Decimal("3.5"), Decimal("3.5")]
    assert db.session.scalars(miscounted()).all() == []


def _mark(slot: Slot, enrolment: Enrolment, status: MarkStatus, by) -> AttendanceMark:
    mark = AttendanceMark(
        session_id=slot.session_id,
        slot_id=slot.id,
        enrolment_id=enrolment.id,
        status=status,
        method=MarkMethod.TRAINER,
        marked_by_id=by.id,
    )
    db.session.add(mark)
    db.session.flush()
    return mark


def test_rows_written_past_the_services_are_counted_too(ctx, trainer, today_session, enrolments):
    """A fixture, a bulk load or a console session writing marks directly cannot skip the totals."""
    morning, afternoon = today_session.slots
    alice, bruno, _chloe = enrolments
    first = _mark(morning, alice, MarkStatus.PRESENT, trainer)
    _mark(afternoon, alice, MarkStatus.PRESENT, trainer)
    _mark(morning, bruno, MarkStatus.ABSENT, trainer)
    assert kept(enrolments) == [Decimal("7"), Decimal("0"), Decimal("0")]

    db.session.delete(first)
    db.session.flush()
    assert kept(enrolments) == [Decimal("3.5"), Decimal("0"), Decimal("0")]
    assert db.session.scalars(miscounted()).all() == []


def test_a_half_day_lengthened_or_removed_moves_the_totals(ctx, trainer, today_session, enrolments):
    """The services refuse to move or remove a half-day whose roll is taken; the database keeps the
    totals right even so."""
    morning, afternoon = today_session.slots
    alice, bruno, chloe = enrolments
    _mark(morning, alice, MarkStatus.PRESENT, trainer)
    _mark(morning, bruno, MarkStatus.LATE, trainer)
    _mark(morning, chloe, MarkStatus.ABSENT, trainer)
    _mark(afternoon, alice, MarkStatus.PRESENT, trainer)
    db.session.execute(sa.update(Slot).where(Slot.id == morning.id).values(hours=Decimal("3.25")))
    assert kept(enrolments) == [Decimal("6.75"), Decimal("3.25"), Decimal("0")]

    db.session.execute(sa.delete(Slot).where(Slot.id == afternoon.id))
    assert kept(enrolments) == [Decimal("3.25"), Decimal("3.25"), Decimal("0")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceMark)) == 3
    assert db.session.scalars(miscounted()).all() == []


def test_thirds_of_hours_add_up_and_come_back_to_zero(ctx, trainer, today_session, enrolments):
    """Half-days of 3 h 20 (3.33 h): on SQLite the sums are floats, rounded to the hundredth, so
    marking and unmarking lands on exactly zero, never on a negative crumb the check refuses."""
    morning, afternoon = today_session.slots
    alice = enrolments[0]
    db.session.execute(sa.update(Slot).values(hours=Decimal("3.33")))
    marks = [_mark(morning, alice, MarkStatus.PRESENT, trainer), _mark(afternoon, alice, MarkStatus.LATE, trainer)]
    assert kept([alice]) == [Decimal("6.66")]
    for mark in marks:
        mark.status = MarkStatus.ABSENT
        db.session.flush()
    assert kept([alice]) == [Decimal("0")]


def test_recount_restores_totals_a_bulk_load_left_out(ctx, trainer, today_session, enrolments):
    """`recount` sets every total from the marks after a load that left them out (as a bulk
    insert with the triggers off would); `miscounted` finds the totals that disagree."""
    morning, _afternoon = today_session.slots
    alice, bruno, _chloe = enrolments
    _mark(morning, alice, MarkStatus.PRESENT, trainer)
    db.session.execute(sa.update(Enrolment).values(hours_attended=Decimal("1")))
    assert db.session.scalars(miscounted()).all() == sorted(e.id for e in enrolments)

    db.session.execute(recount())
    assert kept([alice, bruno]) == [Decimal("3.5"), Decimal("0")]
    assert db.session.scalars(miscounted()).all() == []


def test_the_database_refuses_a_negative_total(ctx, today_session, enrolments):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.update(Enrolment).where(Enrolment.id == enrolments[0].id).values(hours_attended=Decimal("-0.01"))
        )
    db.session.rollback()


def test_a_later_half_day_is_its_own_hours(ctx, trainer, today_session, enrolments):
    """Each mark adds the hours of its own half-day, not the session's first."""
    morning, afternoon = today_session.slots
    db.session.execute(
        sa.update(Slot).where(Slot.id == afternoon.id).values(ends_at=afternoon.starts_at + timedelta(hours=2), hours=2)
    )
    _mark(afternoon, enrolments[1], MarkStatus.PRESENT, trainer)
    assert kept(enrolments) == [Decimal("0"), Decimal("2"), Decimal("0")]


def flags(slots: list[Slot]) -> list[bool]:
    found = dict(db.session.execute(sa.select(Slot.id, Slot.signed_off)).all())
    return [bool(found[slot.id]) for slot in slots]


def test_a_sign_off_flags_its_half_day(ctx, trainer, today_session):
    """The dashboard finds the unsigned half-days by this flag; a sign-off sets it, whoever writes
    it, and removing the sign-off (as a slot's deletion does) clears it."""
    morning, afternoon = today_session.slots
    assert flags([morning, afternoon]) == [False, False]
    done = SlotSignoff(slot_id=morning.id, signed_by_id=trainer.id, signer_name=trainer.name)
    db.session.add(done)
    db.session.flush()
    assert flags([morning, afternoon]) == [True, False]
    assert db.session.scalars(misflagged()).all() == []

    db.session.delete(done)
    db.session.flush()
    assert flags([morning, afternoon]) == [False, False]
    db.session.execute(sa.update(Slot).where(Slot.id == afternoon.id).values(signed_off=True))
    assert db.session.scalars(misflagged()).all() == [afternoon.id]


def test_a_courses_completion_counts_the_learners_whose_hours_reach_its_threshold(ctx, trainer):
    """The course page's completion rate (Qualiopi indicator 2) reads the kept totals."""
    from datetime import date

    from tests.factories import SessionFactory, UserFactory
    from training.attendance.figures import completion
    from training.enrolment.models import EnrolmentStatus

    past = SessionFactory(day=date.today() - timedelta(days=30), course__attendance_threshold=Decimal("0.5"))
    morning, afternoon = past.slots
    learners = []
    for _n in range(3):
        enrolment = Enrolment(
            session=past, user=UserFactory(), status=EnrolmentStatus.CONFIRMED, confirmed_at=past.starts_at
        )
        db.session.add(enrolment)
        learners.append(enrolment)
    db.session.flush()
    everything, half, nothing = learners
    for slot in (morning, afternoon):
        _mark(slot, everything, MarkStatus.PRESENT, trainer)
    _mark(morning, half, MarkStatus.LATE, trainer)
    _mark(afternoon, half, MarkStatus.ABSENT, trainer)
    _mark(morning, nothing, MarkStatus.ABSENT, trainer)
    assert completion(past.course_id) == {"completion_learners": 3, "completion_rate": 67}
