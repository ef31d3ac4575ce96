"""The enrolment emails: convocations with their calendar file, waitlist, approval, refusal, cancellation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale, format_date
from icalendar import Calendar

from tests.factories import SessionFactory, UserFactory, enrol, paris
from tests.helpers import bodies
from training.catalogue.models import Slot
from training.enrolment.models import EnrolmentStatus
from training.enrolment.notifications import EVENTS, convocation_ics, notify
from training.extensions import db
from training.urls import external_url

HOSTILE = "<img src=x onerror=alert(1)> {{7*7}}"
FIRST = date.today() + timedelta(days=30)
SECOND = FIRST + timedelta(days=1)
# (day, start, end) of each half-day, Paris wall-clock time.
HALF_DAYS = [(FIRST, (9, 0), (12, 30)), (FIRST, (13, 30), (17, 0)), (SECOND, (9, 0), (12, 30))]


@pytest.fixture
def course_session(ctx, trainer):
    """Three half-days over two days (10.5 h), for a course that asks 60 % attendance."""
    session = SessionFactory(
        course__title="AAV vector design",
        course__slug="aav-vector-design",
        course__contact="aav-course@genother.example",
        course__attendance_threshold=Decimal("0.60"),
        day=FIRST,
        ends_at=paris(SECOND, 12, 30),
        place="Genopole Campus 3, room B12",
        what_to_bring="Lab coat\nID card for the clean room",
        trainers=[trainer],
        slots=[],
    )
    session.slots = [
        Slot(starts_at=paris(day, *start), ends_at=paris(day, *end), hours=Decimal("3.5"))
        for day, start, end in HALF_DAYS
    ]
    db.session.commit()
    return session


def send(app, enrolment, event, **kwargs) -> None:
    """Notify inside a request, as the views will, and commit: the message leaves on commit."""
    with app.test_request_context():
        notify(enrolment, event, **kwargs)
        db.session.commit()


def english_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"  # "Thursday 17 December 2026", without Babel


def ics_attachments(message) -> list:
    return [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]


@pytest.mark.parametrize(
    ("event", "status", "subject"),
    [
        ("confirmed", EnrolmentStatus.CONFIRMED, "Convocation: AAV vector design"),
        ("promoted", EnrolmentStatus.CONFIRMED, "A seat is yours: AAV vector design"),
        ("approved", EnrolmentStatus.CONFIRMED, "Enrolment approved: AAV vector design"),
    ],
)
def test_a_seat_sends_the_convocation(app, course_session, learner, mailbox, event, status, subject):
    send(app, enrol(course_session, learner, status), event)
    [message] = mailbox
    assert message["To"] == learner.email and message["Subject"] == subject
    text, html = bodies(message)
    for day, (start_h, start_m), (end_h, end_m) in HALF_DAYS:
        assert f"{english_day(day)}, {start_h:02}:{start_m:02} – {end_h:02}:{end_m:02}" in text
    assert course_session.slots[0].starts_at.strftime("%H:%M") not in text  # UTC is never shown
    assert "Total: 10.5 h" in text
    assert "Genopole Campus 3, room B12" in text and "Thomas Petit" in text
    assert "- Lab coat\n- ID card for the clean room" in text
    assert "be on time for each half-day" in text
    assert "signed for each half-day" in text and "QR code" in text
    assert "at least 60% of the scheduled hours (6.3 h of 10.5 h)" in text
    deadline = course_session.cancellation_deadline
    assert f"before {english_day(deadline.date())} at 09:00" in text  # two days before, 09:00 Paris
    assert "Disability or specific needs" in text and "aav-course@genother.example" in text
    assert "http://training.test/courses/aav-vector-design" in text
    if "enrolment.my_trainings" in app.view_functions:  # the page exists once the enrolment views do
        assert external_url("enrolment.my_trainings") in text
    assert html.startswith("<!doctype html>") and "Lab coat" in html and "AAV vector design" in html


def test_the_convocation_carries_one_calendar_event_per_half_day(app, course_session, learner, mailbox):
    send(app, enrol(course_session, learner), "confirmed")
    [attachment] = ics_attachments(mailbox[0])
    assert attachment.get_filename().endswith(".ics")
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    events = calendar.walk("VEVENT")
    assert [event["dtstart"].dt for event in events] == [slot.starts_at for slot in course_session.slots]
    assert [event["dtend"].dt for event in events] == [slot.ends_at for slot in course_session.slots]
    assert all(event["dtstart"].dt.utcoffset() == timedelta(0) for event in events)
    assert {str(event["location"]) for event in events} == {"Genopole Campus 3, room B12"}


def test_convocation_ics_alone(app, course_session):
    with app.test_request_context():
        body = convocation_ics(course_session)
    assert isinstance(body, bytes)
    assert len(Calendar.from_ical(body).walk("VEVENT")) == len(HALF_DAYS)


def test_the_office_is_the_contact_when_the_course_names_none(app, course_session, learner, mailbox):
    course_session.course.contact = ""
    send(app, enrol(course_session, learner), "confirmed")
    text, _html = bodies(mailbox[0])
    assert f"Write to {app.config['TRAINING_OFFICE_EMAIL']}." in text


def test_after_the_cancellation_deadline_the_learner_is_told_to_write(app, course_session, learner, mailbox):
    course_session.cancellation_deadline = datetime.now(UTC) - timedelta(hours=1)
    send(app, enrol(course_session, learner), "promoted")
    text, _html = bodies(mailbox[0])
    assert "cancel your enrolment" not in text
    assert "tell the training office at once: aav-course@genother.example" in text


def test_no_what_to_bring_section_when_there_is_nothing_to_bring(app, course_session, learner, mailbox):
    course_session.what_to_bring = ""
    send(app, enrol(course_session, learner), "confirmed")
    text, html = bodies(mailbox[0])
    assert "What to bring" not in text and "What to bring" not in html


def test_waitlisted_shows_the_position(app, course_session, learner, mailbox):
    send(app, enrol(course_session, learner, EnrolmentStatus.WAITLISTED), "waitlisted", position=4)
    [message] = mailbox
    assert message["Subject"] == "On the waitlist: AAV vector design"
    text, html = bodies(message)
    assert "on its waitlist, in position 4." in text and "in position 4." in html
    assert "we will tell you by email" in text and "leave the waitlist" in text
    assert ics_attachments(message) == []


def test_pending_says_the_office_decides(app, course_session, learner, mailbox):
    send(app, enrol(course_session, learner, EnrolmentStatus.PENDING_APPROVAL), "pending")
    [message] = mailbox
    assert message["Subject"] == "Enrolment request received: AAV vector design"
    text, _html = bodies(message)
    assert "approved by the training office" in text and "we will tell you by email" in text
    assert "Genopole Campus 3, room B12" in text and ics_attachments(message) == []


def test_rejected_shows_the_reason_and_a_contact(app, course_session, learner, mailbox):
    enrolment = enrol(course_session, learner, EnrolmentStatus.REJECTED)
    send(app, enrolment, "rejected", reason="Reserved for operators of the member companies & <partners>.")
    [message] = mailbox
    assert message["Subject"] == "Enrolment request declined: AAV vector design"
    text, html = bodies(message)
    assert "Reason: Reserved for operators of the member companies & <partners>." in text
    assert "Reserved for operators of the member companies &amp; &lt;partners&gt;." in html
    assert "aav-course@genother.example" in text and ics_attachments(message) == []


@pytest.mark.parametrize("reason", ["The training office cancelled it at your manager's request.", None])
def test_cancelled_confirms_with_the_reason_when_given(app, course_session, learner, mailbox, reason):
    send(app, enrol(course_session, learner, EnrolmentStatus.CANCELLED), "cancelled", reason=reason)
    [message] = mailbox
    assert message["Subject"] == "Enrolment cancelled: AAV vector design"
    text, _html = bodies(message)
    assert "Your enrolment in “AAV vector design” is cancelled." in text
    assert ("Reason:" in text) is (reason is not None)
    if reason:
        assert f"Reason: {reason}" in text
    assert "aav-course@genother.example" in text


def test_a_french_learner_gets_french_dates(app, course_session, mailbox):
    learner = UserFactory(email="lucie@example.org", locale="fr")
    send(app, enrol(course_session, learner), "confirmed")
    text, html = bodies(mailbox[0])
    with force_locale("fr"):
        french = format_date(FIRST, "EEEE d MMMM y")  # e.g. "jeudi 17 décembre 2026"
    assert f"{french}, 09:00 – 12:30" in text and french in html
    assert english_day(FIRST) not in text
    assert '<html lang="fr">' in html


def test_names_and_titles_come_out_literally(app, course_session, mailbox):
    course_session.course.title = HOSTILE
    learner = UserFactory(email="mallory@example.org", name=HOSTILE)
    enrolment = enrol(course_session, learner)
    send(app, enrolment, "confirmed")
    enrolment.status = EnrolmentStatus.REJECTED
    send(app, enrolment, "rejected", reason=HOSTILE)
    assert len(mailbox) == 2
    for message in mailbox:
        assert message["Subject"].endswith(HOSTILE)
        text, html = bodies(message)
        assert f"Hello {HOSTILE}," in text
        assert "&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in html and "<img" not in html
        assert "49" not in text and "49" not in html


def test_nothing_is_sent_when_the_transaction_rolls_back(app, course_session, learner, mailbox):
    enrolment = enrol(course_session, learner)
    with app.test_request_context():
        notify(enrolment, "confirmed")
        db.session.rollback()
        db.session.commit()
    assert mailbox == []


def test_unknown_events_and_missing_positions_are_refused(app, course_session, learner):
    enrolment = enrol(course_session, learner, EnrolmentStatus.WAITLISTED)
    assert "waitlisted" in EVENTS
    with app.test_request_context():
        with pytest.raises(ValueError, match="unknown enrolment event"):
            notify(enrolment, "confirmd")
        with pytest.raises(ValueError, match="position"):
            notify(enrolment, "waitlisted")
