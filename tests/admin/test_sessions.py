"""The session pages of the back office: schedule, edit, move half-days, duplicate, cancel."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import PARIS, CourseFactory, SessionFactory, UserFactory, enrol, paris
from tests.helpers import audit, count_rows, post_form
from training.catalogue.models import CourseSession, SessionStatus, Slot
from training.enrolment.models import EnrolmentStatus
from training.extensions import db

# Friday 27 March 2026 to Tuesday 31 March 2026: a weekend and the change to summer time in between.
FIRST, LAST = date(2026, 3, 27), date(2026, 3, 31)


def make_session(**kwargs) -> CourseSession:
    """A session whose slots are saved too (the factory adds them after its own commit)."""
    session = SessionFactory(**kwargs)
    db.session.commit()
    return session


def page(response) -> str:
    return response.get_data(as_text=True)


def new_session_form(trainer, **overrides) -> dict:
    return {
        "place": "Genopole Campus 1, room 204",
        "capacity": "12",
        "trainers": [str(trainer.id)],
        "first_day": FIRST.isoformat(),
        "last_day": LAST.isoformat(),
        "morning": "y",
        "morning_start": "09:00",
        "morning_end": "12:30",
        "afternoon": "y",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "what_to_bring": "Lab coat",
        **overrides,
    }


def slot_form(slot: Slot, **overrides) -> dict:
    start, end = slot.starts_at.astimezone(PARIS), slot.ends_at.astimezone(PARIS)
    return {"day": start.date().isoformat(), "starts": f"{start:%H:%M}", "ends": f"{end:%H:%M}", **overrides}


@pytest.fixture
def course(ctx):
    return CourseFactory(title="AAV vector design")


# ---------------------------------------------------------------- scheduling


def test_the_new_session_form_offers_default_half_days_and_trainers(client, signed_in_admin, course, trainer):
    html = page(client.get(f"/admin/courses/{course.id}/sessions/new"))
    for value in ('value="09:00"', 'value="12:30"', 'value="13:30"', 'value="17:00"'):
        assert value in html
    assert "Thomas Petit" in html and 'name="trainers"' in html
    assert "7 days before the first day, at 23:59" in html
    assert '<label class="form-label" for="first_day">First day</label>' in html


def test_schedule_from_a_date_range(client, signed_in_admin, course, trainer):
    response = post_form(client, f"/admin/courses/{course.id}/sessions/new", new_session_form(trainer))
    session = db.session.scalar(sa.select(CourseSession))
    assert response.status_code == 302 and response.location == f"/admin/sessions/{session.id}"
    # Friday, Monday, Tuesday: the weekend is skipped; summer time starts on Sunday 29 March.
    assert [s.starts_at.astimezone(PARIS).strftime("%a %H:%M") for s in session.slots] == [
        "Fri 09:00",
        "Fri 13:30",
        "Mon 09:00",
        "Mon 13:30",
        "Tue 09:00",
        "Tue 13:30",
    ]
    assert session.slots[0].starts_at.hour == 8 and session.slots[2].starts_at.hour == 7  # UTC
    assert session.trainers == [trainer] and session.capacity == 12 and session.what_to_bring == "Lab coat"
    assert session.enrolment_deadline == paris(date(2026, 3, 20), 23, 59)
    assert session.cancellation_deadline == paris(date(2026, 3, 24), 23, 59)
    [entry] = audit("session.scheduled")
    assert entry.actor_id == signed_in_admin.id and len(entry.after["slots"]) == 6
    html = page(client.get(response.location))
    assert "The session is scheduled with 6 half-days." in html
    assert 'value="2026-03-30"' in html and 'value="13:30"' in html


def test_mornings_only_with_weekends_and_given_deadlines(client, signed_in_admin, course, trainer):
    form = new_session_form(
        trainer,
        afternoon="",
        weekends="y",
        enrolment_deadline="2026-03-01T12:00",
        cancellation_deadline="2026-03-20T18:00",
    )
    assert post_form(client, f"/admin/courses/{course.id}/sessions/new", form).status_code == 302
    session = db.session.scalar(sa.select(CourseSession))
    assert len(session.slots) == 5 and session.enrolment_deadline == paris(date(2026, 3, 1), 12)


@pytest.mark.parametrize(
    "overrides,message",
    [
        (
            {"enrolment_deadline": "2026-03-27T10:00"},
            "The enrolment deadline must be before the session starts (Friday 27 March, 09:00).",
        ),
        ({"morning_end": "08:00", "afternoon": ""}, "The half-day of Friday 27 March ends before it starts."),
        ({"last_day": "2026-03-20"}, "The last day is before the first day."),
        ({"morning": "", "afternoon": ""}, "Tick the mornings, the afternoons or both."),
        ({"capacity": "0"}, "Number must be between 1 and 10000."),
    ],
)
def test_scheduling_mistakes_are_explained(client, signed_in_admin, course, trainer, overrides, message):
    response = post_form(client, f"/admin/courses/{course.id}/sessions/new", new_session_form(trainer, **overrides))
    assert response.status_code == 422
    assert message in page(response)
    assert count_rows(CourseSession) == 0


def test_a_double_booked_trainer_is_refused(client, signed_in_admin, course, ctx):
    claire = UserFactory(name="Claire Moreau", roles=["trainer"])
    make_session(course=CourseFactory(title="GMP basics"), day=date(2026, 3, 30), trainers=[claire])
    response = post_form(client, f"/admin/courses/{course.id}/sessions/new", new_session_form(claire))
    assert response.status_code == 422
    assert "Claire Moreau already teaches “GMP basics” on Monday 30 March, 09:00–12:30." in page(response)
    assert 'id="trainers-0"' in page(response)


# ---------------------------------------------------------------- the session page


def test_the_session_page_lists_half_days_and_learners(client, signed_in_admin, course, learner, other_learner):
    session = make_session(course=course, day=date(2026, 3, 3))
    enrol(session, learner)
    enrol(session, other_learner, EnrolmentStatus.WAITLISTED)
    html = page(client.get(f"/admin/sessions/{session.id}"))
    assert f'id="slot-{session.slots[0].id}-day"' in html and 'value="2026-03-03"' in html
    assert "Léa Martin" in html and "Omar Benali" in html and "Waitlisted" in html
    assert html.index("Léa Martin") < html.index("Omar Benali")  # seat holders first
    assert "1 / 12" in html


def test_capacity_below_the_confirmed_learners_is_refused(client, signed_in_admin, course, ctx):
    session = make_session(course=course, capacity=12)
    for _ in range(3):
        enrol(session, UserFactory())
    html = page(client.get(f"/admin/sessions/{session.id}"))
    assert 'value="12"' in html
    form = {
        "place": session.place,
        "capacity": "2",
        "enrolment_deadline": "2026-01-01T12:00",
        "cancellation_deadline": "2026-01-02T12:00",
    }
    response = post_form(client, f"/admin/sessions/{session.id}", form)
    assert response.status_code == 422
    assert "3 learners are already confirmed: the capacity cannot go below 3." in page(response)
    assert 'id="capacity-error"' in page(response)


def test_edit_the_session_fields(client, signed_in_admin, course, trainer):
    session = make_session(course=course, day=date(2026, 3, 3))
    form = {
        "place": "Genethon, room 12",
        "capacity": "20",
        "trainers": [str(trainer.id)],
        "enrolment_deadline": "2026-02-25T23:59",
        "cancellation_deadline": "2026-02-28T12:00",
        "approval_required": "y",
    }
    response = post_form(client, f"/admin/sessions/{session.id}", form)
    assert response.status_code == 302
    db.session.refresh(session)
    assert (session.place, session.capacity, session.trainers, session.approval_required) == (
        "Genethon, room 12",
        20,
        [trainer],
        True,
    )
    assert session.enrolment_deadline == paris(date(2026, 2, 25), 23, 59)
    [entry] = audit("session.updated")
    assert entry.before["capacity"] == 12 and entry.after["capacity"] == 20
    assert entry.after["trainer_ids"] == [trainer.id]


def test_move_one_half_day(client, signed_in_admin, course):
    session = make_session(course=course, day=date(2026, 3, 3))
    morning = session.slots[0]
    url = f"/admin/sessions/{session.id}/slots/{morning.id}"
    response = post_form(
        client, url, slot_form(morning, starts="08:30", ends="12:00"), page=f"/admin/sessions/{session.id}"
    )
    assert response.status_code == 302
    db.session.refresh(morning)
    assert morning.starts_at == paris(date(2026, 3, 3), 8, 30) and str(morning.hours) == "3.50"
    db.session.refresh(session)
    assert session.starts_at == morning.starts_at
    assert len(audit("slot.updated")) == 1


def test_a_half_day_ending_before_it_starts_is_refused(client, signed_in_admin, course):
    session = make_session(course=course, day=date(2026, 3, 3))
    afternoon = session.slots[1]
    response = post_form(
        client,
        f"/admin/sessions/{session.id}/slots/{afternoon.id}",
        slot_form(afternoon, starts="15:00", ends="14:00"),
        page=f"/admin/sessions/{session.id}",
    )
    assert response.status_code == 422
    assert "The half-day of Tuesday 3 March ends before it starts." in page(response)
    assert f'id="slot-{afternoon.id}-starts"' in page(response) and 'value="15:00"' in page(response)
    db.session.refresh(afternoon)
    assert afternoon.starts_at == paris(date(2026, 3, 3), 13, 30)


def test_add_a_half_day_and_refuse_to_remove_the_last(client, signed_in_admin, course):
    session = make_session(course=course, day=date(2026, 3, 3))
    detail = f"/admin/sessions/{session.id}"
    response = post_form(client, f"{detail}/slots", {"day": "2026-03-04", "starts": "09:00", "ends": "12:00"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert len(session.slots) == 3 and session.ends_at == paris(date(2026, 3, 4), 12)
    for slot in list(session.slots):
        response = post_form(client, f"{detail}/slots/{slot.id}/delete", {}, page=detail)
        assert response.status_code == 302
    db.session.refresh(session)
    assert len(session.slots) == 1
    html = page(client.get(detail))
    assert "A session needs at least one half-day: this is the last one." in html
    assert [e.action for e in audit("slot.removed")] == ["slot.removed", "slot.removed"]


def test_a_slot_of_another_session_is_not_found(client, signed_in_admin, course):
    session, other = make_session(course=course), make_session(course=course)
    url = f"/admin/sessions/{session.id}/slots/{other.slots[0].id}/delete"
    assert post_form(client, url, {}, page=f"/admin/sessions/{session.id}").status_code == 404


# ---------------------------------------------------------------- duplicate and cancel


def test_duplicate_to_new_dates(client, signed_in_admin, course, trainer):
    session = make_session(course=course, day=date(2026, 3, 3), trainers=[trainer], capacity=9)
    url = f"/admin/sessions/{session.id}/duplicate"
    assert "No learner is copied." in page(client.get(url))
    response = post_form(client, url, {"first_day": "2026-04-14"})
    copy = db.session.scalar(sa.select(CourseSession).where(CourseSession.id != session.id))
    assert response.status_code == 302 and response.location == f"/admin/sessions/{copy.id}"
    assert [s.starts_at.astimezone(PARIS).time() for s in copy.slots] == [time(9), time(13, 30)]
    assert copy.starts_at.astimezone(PARIS).date() == date(2026, 4, 14)
    assert copy.trainers == [trainer] and copy.capacity == 9
    assert copy.enrolment_deadline == paris(date(2026, 4, 11), 9)  # 42 days later, 09:00 in Paris still


def test_duplicate_onto_the_same_day_finds_the_trainer_busy(client, signed_in_admin, course, trainer):
    session = make_session(course=course, day=date(2026, 3, 3), trainers=[trainer])
    response = post_form(client, f"/admin/sessions/{session.id}/duplicate", {"first_day": "2026-03-03"})
    assert response.status_code == 422
    assert "Thomas Petit already teaches “AAV vector design” on Tuesday 3 March, 09:00–12:30." in page(response)


def test_cancel_tells_every_enrolled_learner(client, signed_in_admin, course, learner, other_learner, mailbox):
    session = make_session(course=course, day=date.today() + timedelta(days=10))
    confirmed, waitlisted = enrol(session, learner), enrol(session, other_learner, EnrolmentStatus.WAITLISTED)
    gone = enrol(session, UserFactory(email="gone@example.org"), EnrolmentStatus.CANCELLED)
    detail = f"/admin/sessions/{session.id}"
    response = post_form(client, f"{detail}/cancel", {"reason": "The clean room is closed for maintenance."})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.status is SessionStatus.CANCELLED and session.seats_taken == 0
    for enrolment in (confirmed, waitlisted):
        db.session.refresh(enrolment)
        assert enrolment.status is EnrolmentStatus.CANCELLED and enrolment.decided_by_id == signed_in_admin.id
        assert enrolment.decision_reason == "The clean room is closed for maintenance."
    assert sorted(message["To"] for message in mailbox) == [learner.email, other_learner.email]
    message = mailbox[0]
    assert message["Subject"] == "Session cancelled: AAV vector design"
    text = message.get_body(("plain",)).get_content()
    assert "The clean room is closed for maintenance." in text and session.place in text
    assert "formation@genother.example" in text
    assert gone.user.email not in [m["To"] for m in mailbox]
    entries = audit("enrolment.cancelled")
    assert {e.object_id for e in entries} == {str(confirmed.id), str(waitlisted.id)}
    assert {e.before["status"] for e in entries} == {"confirmed", "waitlisted"}
    assert audit("session.cancelled")[0].reason == "The clean room is closed for maintenance."
    html = page(client.get(detail))
    assert "2 learners are told by email" in html and "Cancel the session" not in html


def test_cancel_needs_a_reason(client, signed_in_admin, course, learner, mailbox):
    session = make_session(course=course)
    enrol(session, learner)
    response = post_form(client, f"/admin/sessions/{session.id}/cancel", {"reason": "  "})
    assert response.status_code == 422
    assert "Give the reason: the learners will read it." in page(response)
    db.session.refresh(session)
    assert session.status is SessionStatus.SCHEDULED and mailbox == []


@pytest.mark.parametrize(
    "path", ["/admin/sessions/{id}", "/admin/sessions/{id}/duplicate", "/admin/courses/{course_id}/sessions/new"]
)
def test_only_admins_see_the_session_pages(client, auth, learner, trainer, path):
    session = make_session(trainers=[trainer])
    url = path.format(id=session.id, course_id=session.course_id)
    response = client.get(url)
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    for user in (learner, trainer):  # the trainer teaches this session, and still may not change it
        auth.sign_in(user)
        assert client.get(url).status_code == 403
        auth.sign_out()


def test_a_trainer_cannot_cancel_their_session(client, auth, trainer):
    session = make_session(trainers=[trainer])
    auth.sign_in(trainer)
    response = post_form(client, f"/admin/sessions/{session.id}/cancel", {"reason": "No"}, page="/")
    assert response.status_code == 403
    db.session.refresh(session)
    assert session.status is SessionStatus.SCHEDULED
