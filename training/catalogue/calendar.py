"""iCalendar documents of sessions, one event per half-day slot."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from training.catalogue.models import Course, CourseSession, SessionStatus


def new_calendar(name: str) -> Calendar:
    """An empty calendar with this product's identity."""
    calendar = Calendar()
    calendar.add("prodid", "-//GenoTher Training//genother.example//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def add_session_events(calendar: Calendar, course: Course, session: CourseSession, url: str) -> None:
    """Add one VEVENT per slot of `session`."""
    trainers = ", ".join(t.name for t in session.trainers)
    for number, slot in enumerate(session.slots, start=1):
        event = Event()
        event.add("uid", f"slot-{slot.id}@genother-training")
        event.add("dtstamp", datetime.now(UTC))
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        event.add("summary", f"{course.title} ({number}/{len(session.slots)})")
        event.add("location", session.place)
        event.add("description", "\n".join(filter(None, [course.summary, trainers, url])))
        event.add("url", url)
        if session.status is SessionStatus.CANCELLED:
            event.add("status", "CANCELLED")
        calendar.add_component(event)


def course_calendar(course: Course, sessions: list[CourseSession], url: str) -> bytes:
    """The iCalendar feed of a course's sessions."""
    calendar = new_calendar(course.title)
    for session in sessions:
        add_session_events(calendar, course, session, url)
    return calendar.to_ical()
