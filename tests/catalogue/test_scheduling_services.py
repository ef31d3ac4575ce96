"""Catalogue services: courses, sessions, half-day slots; each refusal in words, each change audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import PARIS, CourseFactory, SessionFactory, UserFactory, paris
from tests.helpers import audit
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.audit.models import AuditEntry
from training.catalogue import services
from training.catalogue.models import CourseStatus, SessionStatus, Track
from training.catalogue.services import SchedulingError
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

MONDAY = date(2026, 3, 2)  # Monday 2 March 2026; the week of the messages quoted in the issue
TUESDAY = date(2026, 3, 3)


def course_fields(**overrides) -> dict:
    return {
        "slug": "aav-vector-design",
        "title": "AAV vector design",
        "track": Track.RESEARCH,
        "level": "intermediate",
        "language": "en",
        "format": "in_person",
        "summary": "Design AAV vectors for gene therapy.",
        "objectives": "Choose a serotype\nDesign a cassette",
        "duration_hours": Decimal("7"),
        **overrides,
    }


def schedule(admin, course, trainers=(), days=(MONDAY,), **overrides):
    """A session of whole days (two half-days each) with deadlines the week before."""
    slots = [pair for day in days for pair in services.half_day_slots(day, day, weekends=True)]
    values = {
        "place": "Genopole Campus 1, Evry",
        "capacity": 12,
        "trainers": list(trainers),
        "slots": slots,
        "enrolment_deadline": slots[0][0] - timedelta(days=7),
        "cancellation_deadline": slots[0][0] - timedelta(days=3),
        **overrides,
    }
    return services.schedule_session(admin, course, **values)


def refusal(call, *args, **kwargs) -> SchedulingError:
    with pytest.raises(SchedulingError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def course(ctx):
    return CourseFactory(title="AAV vector design", status=CourseStatus.PUBLISHED)


@pytest.fixture
def claire(ctx):
    return UserFactory(name="Claire Moreau", email="claire.moreau@example.org", roles=["trainer"])


# ---------------------------------------------------------------- courses


def test_a_new_course_is_an_audited_draft(admin):
    course = services.create_course(admin, **course_fields())
    assert course.status is CourseStatus.DRAFT and course.version == 1
    [entry] = audit("course.created")
    assert entry.actor_id == admin.id and entry.object_id == str(course.id)
    assert entry.after["slug"] == "aav-vector-design" and entry.after["status"] == "draft"
    assert entry.after["duration_hours"] == "7"


def test_a_slug_is_unique_and_readable(admin, course):
    error = refusal(services.create_course, admin, **course_fields(slug=course.slug))
    assert error.field == "slug" and error.status_code == 422
    assert error.message == f"Another course already uses the short name “{course.slug}”."
    for slug in ("AAV design", "aav_design", "-aav", "thérapie"):
        assert refusal(services.create_course, admin, **course_fields(slug=slug)).field == "slug"


def test_required_fields_and_numbers_are_named(admin):
    assert refusal(services.create_course, admin, **course_fields(title="  ")).field == "title"
    assert refusal(services.create_course, admin, **course_fields(duration_hours=0)).field == "duration_hours"
    assert refusal(services.create_course, admin, **course_fields(track="cooking")).field == "track"
    assert refusal(services.create_course, admin, **course_fields(colour="blue")).field == "colour"


def test_update_audits_only_what_changed_and_versions_the_content(admin, course):
    services.update_course(
        admin, course, title="AAV vector design, 2nd edition", price_eur=Decimal("950"), track=course.track
    )
    assert course.version == 2
    [entry] = audit("course.updated")
    assert entry.before == {"title": "AAV vector design", "price_eur": "900.00", "version": 1}
    assert entry.after == {"title": "AAV vector design, 2nd edition", "price_eur": "950", "version": 2}
    services.update_course(admin, course, contact="someone@genother.example")
    assert course.version == 2  # not a content change
    services.update_course(admin, course, contact="someone@genother.example")
    assert len(audit("course.updated")) == 2  # nothing changed: nothing recorded


def test_update_refuses_the_slug_of_another_course(admin, course):
    other = CourseFactory()
    assert refusal(services.update_course, admin, other, slug=course.slug).field == "slug"
    services.update_course(admin, course, slug=course.slug)  # its own slug is fine


def test_publish_unpublish_archive(admin):
    course = services.create_course(admin, **course_fields())
    for status in (CourseStatus.PUBLISHED, CourseStatus.DRAFT, CourseStatus.ARCHIVED):
        services.set_course_status(admin, course, status)
        assert course.status is status
    actions = [
        (e.action, e.before, e.after)
        for e in db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.in_(["course.published", "course.unpublished", "course.archived"]))
            .order_by(AuditEntry.id)
        )
    ]
    assert actions == [
        ("course.published", {"status": "draft"}, {"status": "published"}),
        ("course.unpublished", {"status": "published"}, {"status": "draft"}),
        ("course.archived", {"status": "draft"}, {"status": "archived"}),
    ]
    assert (
        refusal(services.set_course_status, admin, course, CourseStatus.ARCHIVED).message
        == "The course is already archived."
    )
    assert refusal(services.set_course_status, admin, course, "forgotten").field == "status"


# ---------------------------------------------------------------- half-day slots


def test_half_days_of_a_week_skip_the_weekend(ctx):
    slots = services.half_day_slots(MONDAY, MONDAY + timedelta(days=6))
    assert len(slots) == 10
    assert {start.astimezone(PARIS).weekday() for start, _end in slots} == {0, 1, 2, 3, 4}
    assert len(services.half_day_slots(MONDAY, MONDAY + timedelta(days=6), weekends=True)) == 14
    mornings = services.half_day_slots(MONDAY, MONDAY + timedelta(days=6), afternoon=None)
    assert [(s.astimezone(PARIS).time(), e.astimezone(PARIS).time()) for s, e in mornings] == [
        (time(9, 0), time(12, 30))
    ] * 5


def test_half_days_keep_paris_times_across_the_change_to_summer_time(ctx):
    # Summer time starts on Sunday 29 March 2026: Paris goes from UTC+1 to UTC+2.
    slots = services.half_day_slots(date(2026, 3, 27), date(2026, 3, 30))
    assert len(slots) == 4  # Friday and Monday
    assert all(start.tzinfo is not None and start.utcoffset() == timedelta(0) for start, _end in slots)
    assert [start.astimezone(UTC).hour for start, _end in slots] == [8, 12, 7, 11]
    assert [start.astimezone(PARIS).strftime("%a %H:%M") for start, _end in slots] == [
        "Fri 09:00",
        "Fri 13:30",
        "Mon 09:00",
        "Mon 13:30",
    ]


def test_a_last_day_before_the_first_is_refused(ctx):
    error = refusal(services.half_day_slots, TUESDAY, MONDAY)
    assert error.field == "last_day"


# ---------------------------------------------------------------- scheduling


def test_schedule_a_session(admin, course, claire):
    session = schedule(admin, course, [claire], days=(MONDAY, TUESDAY), capacity=10, approval_required=True)
    assert [slot.hours for slot in session.slots] == [Decimal("3.50")] * 4
    assert session.starts_at == paris(MONDAY, 9) and session.ends_at == paris(TUESDAY, 17)
    assert session.trainers == [claire] and session.capacity == 10 and session.approval_required
    [entry] = audit("session.scheduled")
    assert entry.after["trainer_ids"] == [claire.id] and len(entry.after["slots"]) == 4
    assert entry.after["capacity"] == 10


def test_a_session_held_in_the_past_can_be_recorded(admin, course):
    session = schedule(admin, course, days=(date(2019, 6, 3),))
    assert session.starts_at == paris(date(2019, 6, 3), 9)


def test_a_half_day_ending_before_it_starts_is_refused(admin, course):
    slots = [(paris(TUESDAY, 14), paris(TUESDAY, 12))]
    error = refusal(schedule, admin, course, slots=slots)
    assert error.message == "The half-day of Tuesday 3 March ends before it starts."
    assert error.field == "slots"


def test_overlapping_or_missing_half_days_are_refused(admin, course):
    slots = [(paris(MONDAY, 9), paris(MONDAY, 12, 30)), (paris(MONDAY, 12), paris(MONDAY, 15))]
    assert "overlap" in refusal(schedule, admin, course, slots=slots).message
    error = refusal(
        services.schedule_session,
        admin,
        course,
        place="Evry",
        capacity=5,
        trainers=[],
        slots=[],
        enrolment_deadline=paris(MONDAY, 9),
        cancellation_deadline=paris(MONDAY, 9),
    )
    assert error.field == "slots"


def test_deadlines_after_the_start_are_refused(admin, course):
    error = refusal(schedule, admin, course, enrolment_deadline=paris(MONDAY, 10))
    assert error.message == "The enrolment deadline must be before the session starts (Monday 2 March, 09:00)."
    assert error.field == "enrolment_deadline"
    error = refusal(schedule, admin, course, cancellation_deadline=paris(TUESDAY, 8))
    assert error.field == "cancellation_deadline"
    assert error.message == "The cancellation deadline must be before the session starts (Monday 2 March, 09:00)."


def test_capacity_place_and_deadlines_are_checked(admin, course):
    assert refusal(schedule, admin, course, capacity=0).field == "capacity"
    assert refusal(schedule, admin, course, capacity="12").field == "capacity"
    assert refusal(schedule, admin, course, place=" ").field == "place"
    assert refusal(schedule, admin, course, enrolment_deadline=None).field == "enrolment_deadline"
    naive = datetime(2026, 2, 20, 12)
    assert refusal(schedule, admin, course, cancellation_deadline=naive).field == "cancellation_deadline"


def test_a_trainer_named_twice_teaches_once(admin, course, claire):
    assert schedule(admin, course, [claire, claire]).trainers == [claire]


def test_a_trainer_cannot_teach_two_sessions_at_the_same_half_day(admin, course, claire):
    other = SessionFactory(course=CourseFactory(title="GMP basics"), day=TUESDAY, trainers=[claire])
    error = refusal(schedule, admin, course, [claire], days=(MONDAY, TUESDAY))
    assert error.message == "Claire Moreau already teaches “GMP basics” on Tuesday 3 March, 09:00–12:30."
    assert error.field == "trainers"
    other.status = SessionStatus.CANCELLED  # a cancelled session keeps nobody busy
    db.session.flush()
    assert schedule(admin, course, [claire], days=(MONDAY, TUESDAY)).trainers == [claire]


def test_only_trainers_may_teach(admin, course, learner):
    error = refusal(schedule, admin, course, [learner])
    assert error.field == "trainers" and "trainer role" in error.message


def test_an_archived_course_gets_no_new_session(admin, course):
    course.status = CourseStatus.ARCHIVED
    assert refusal(schedule, admin, course).field == "course"


# ---------------------------------------------------------------- changing a session


def test_capacity_cannot_go_below_the_confirmed_learners(admin, course):
    session = SessionFactory(course=course, capacity=15, seats_taken=12)
    error = refusal(services.update_session, admin, session, capacity=10)
    assert error.message == "12 learners are already confirmed: the capacity cannot go below 12."
    assert error.field == "capacity"
    services.update_session(admin, session, capacity=12, place="Genopole Campus 3")
    [entry] = audit("session.updated")
    assert entry.before == {"capacity": 15, "place": "Genopole Campus 1, Evry"}
    assert entry.after == {"capacity": 12, "place": "Genopole Campus 3"}


def test_update_session_checks_added_trainers_and_deadlines(admin, course, claire):
    session = SessionFactory(course=course, day=MONDAY)
    SessionFactory(day=MONDAY, trainers=[claire])
    assert refusal(services.update_session, admin, session, trainers=[claire]).field == "trainers"
    error = refusal(services.update_session, admin, session, enrolment_deadline=paris(MONDAY, 9, 30))
    assert error.field == "enrolment_deadline"
    trainer = UserFactory(roles=["trainer"])
    services.update_session(admin, session, trainers=[trainer])
    [entry] = audit("session.updated")
    assert entry.before == {"trainer_ids": []} and entry.after == {"trainer_ids": [trainer.id]}


def test_move_one_half_day(admin, course):
    session = SessionFactory(course=course, day=MONDAY)
    morning = session.slots[0]
    services.update_slot(admin, morning, paris(MONDAY, 8), paris(MONDAY, 12))
    assert morning.hours == Decimal("4.00") and session.starts_at == paris(MONDAY, 8)
    [entry] = audit("slot.updated")
    assert entry.before["starts_at"] == paris(MONDAY, 9).isoformat()
    assert entry.after["starts_at"] == paris(MONDAY, 8).isoformat()
    error = refusal(services.update_slot, admin, morning, paris(MONDAY, 12), paris(MONDAY, 11))
    assert error.message == "The half-day of Monday 2 March ends before it starts."


def test_add_and_remove_half_days(admin, course):
    session = SessionFactory(course=course, day=MONDAY)
    added = services.add_slot(admin, session, paris(TUESDAY, 9), paris(TUESDAY, 12))
    assert len(session.slots) == 3 and session.ends_at == paris(TUESDAY, 12) and added.hours == Decimal("3.00")
    services.remove_slot(admin, added)
    services.remove_slot(admin, session.slots[0])
    assert session.starts_at == paris(MONDAY, 13, 30) and session.ends_at == paris(MONDAY, 17)
    error = refusal(services.remove_slot, admin, session.slots[0])
    assert error.message.startswith("A session needs at least one half-day: this is the last one.")
    assert [e.action for e in audit("slot.added") + audit("slot.removed")] == [
        "slot.added",
        "slot.removed",
        "slot.removed",
    ]


def test_a_half_day_with_attendance_cannot_move_or_go(admin, course, learner, trainer):
    session = SessionFactory(course=course, day=MONDAY, seats_taken=1)
    enrolment = Enrolment(
        session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC)
    )
    db.session.add(enrolment)
    db.session.flush()
    slot = session.slots[0]
    db.session.add(
        AttendanceMark(
            session_id=session.id,
            enrolment_id=enrolment.id,
            slot_id=slot.id,
            status=MarkStatus.PRESENT,
            method=MarkMethod.TRAINER,
            marked_by_id=trainer.id,
        )
    )
    db.session.flush()
    assert (
        "can no longer be moved"
        in refusal(services.update_slot, admin, slot, paris(MONDAY, 8), paris(MONDAY, 12)).message
    )
    assert "can no longer be removed" in refusal(services.remove_slot, admin, slot).message


# ---------------------------------------------------------------- duplicate and cancel


def test_duplicate_keeps_paris_times_gaps_and_deadline_offsets(admin, course, claire):
    # Monday and Wednesday before summer time; the copy starts on Monday 30 March, after it.
    session = schedule(
        admin,
        course,
        [claire],
        days=(date(2026, 3, 16), date(2026, 3, 18)),
        capacity=8,
        approval_required=True,
        what_to_bring="Lab coat",
        enrolment_deadline=paris(date(2026, 3, 15), 23, 59),
        cancellation_deadline=paris(date(2026, 3, 13), 12),
    )
    copy = services.duplicate_session(admin, session, date(2026, 3, 30))
    assert [paris_text(slot.starts_at) for slot in copy.slots] == [
        "Mon 30 09:00",
        "Mon 30 13:30",
        "Wed 01 09:00",
        "Wed 01 13:30",
    ]
    assert copy.slots[0].starts_at.astimezone(UTC).hour == 7  # summer time
    assert copy.enrolment_deadline == paris(date(2026, 3, 29), 23, 59)  # 14 days later, still 23:59 in Paris
    assert copy.cancellation_deadline == paris(date(2026, 3, 27), 12)
    assert (copy.place, copy.capacity, copy.trainers, copy.approval_required, copy.what_to_bring) == (
        session.place,
        8,
        [claire],
        True,
        "Lab coat",
    )
    assert copy.seats_taken == 0 and copy.status is SessionStatus.SCHEDULED
    [entry] = audit("session.duplicated")
    assert entry.after["duplicated_from"] == session.id


def paris_text(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%a %d %H:%M")


def test_duplicate_on_the_same_dates_finds_the_trainer_busy(admin, course, claire):
    session = schedule(admin, course, [claire])
    assert refusal(services.duplicate_session, admin, session, MONDAY).field == "trainers"


def test_cancel_a_session(admin, course):
    session = SessionFactory(course=course)
    assert refusal(services.cancel_session, admin, session, "  ").field == "reason"
    services.cancel_session(admin, session, "The trainer is ill.")
    assert session.status is SessionStatus.CANCELLED and session.cancelled_at is not None
    assert session.cancellation_reason == "The trainer is ill."
    [entry] = audit("session.cancelled")
    assert entry.reason == "The trainer is ill." and entry.after["status"] == "cancelled"
    assert refusal(services.cancel_session, admin, session, "Again").message == "This session is already cancelled."
    assert refusal(services.update_session, admin, session, capacity=20).field == "status"
