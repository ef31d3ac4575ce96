"""The emails a learner receives about their enrolment, and the convocation's calendar file.

One template pair per event (`templates/email/enrolment/<event>.txt` and `.html`); the three
events that give a seat send the convocation (Qualiopi indicator 9) with an .ics attachment.
Every message leaves after the commit, in the learner's language, rendered outside the request
(see `training.email`): the .ics and the course link are worked out then.

Every link in them opens for the learner: the course page only while the course is
published (the page is a 404 otherwise), "My trainings" (behind sign-in, and theirs) always.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from training.audit.services import record
from training.catalogue.calendar import add_session_events, new_calendar
from training.catalogue.models import Course, CourseSession
from training.catalogue.queries import published_course
from training.email import Later, deferred, later, send_email
from training.enrolment.models import Enrolment
from training.urls import external_url

EVENTS = ("confirmed", "waitlisted", "pending", "promoted", "approved", "rejected", "cancelled")

# The events that give the learner a seat: each sends the convocation.
CONVOCATION_EVENTS = frozenset({"confirmed", "promoted", "approved"})

# Subjects are lazy and formatted inside send_email's force_locale, in the learner's language.
SUBJECTS = {
    "confirmed": lambda title: _l("Convocation: %(title)s", title=title),
    "promoted": lambda title: _l("A seat is yours: %(title)s", title=title),
    "approved": lambda title: _l("Enrolment approved: %(title)s", title=title),
    "waitlisted": lambda title: _l("On the waitlist: %(title)s", title=title),
    "pending": lambda title: _l("Enrolment request received: %(title)s", title=title),
    "rejected": lambda title: _l("Enrolment request declined: %(title)s", title=title),
    "cancelled": lambda title: _l("Enrolment cancelled: %(title)s", title=title),
}

MY_TRAININGS = "enrolment.my_trainings"


def notify(
    enrolment: Enrolment,
    event: str,
    *,
    position: int | Later | None = None,
    reason: str | None = None,
    revoked_serial: str | None = None,
) -> None:
    """Email the learner about their enrolment, in their language (after the commit).

    `revoked_serial`: the certificate revoked with a cancellation, which the email announces.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown enrolment event {event!r}; expected one of {', '.join(EVENTS)}")
    if event == "waitlisted" and position is None:
        raise ValueError("a waitlisted notification needs the learner's position")
    user, session = enrolment.user, enrolment.session
    course = session.course
    attachments = None
    if event in CONVOCATION_EVENTS:
        ics = later(convocation_ics, session)
        attachments = [(f"convocation-{course.slug}.ics", "text/calendar; charset=utf-8", ics)]
    send_email(
        user.email,
        SUBJECTS[event](course.title),
        f"enrolment/{event}",
        locale=user.locale,
        attachments=attachments,
        user=user,
        session=session,
        course=course,
        position=position,
        reason=reason,
        revoked_serial=revoked_serial,
        **_links(course, session),
    )
    # Evidence that the learner was told (Qualiopi indicator 9 asks for the convocation's sending).
    record(None, "enrolment.notified", enrolment, after={"event": event, "to": user.email})


def _links(course: Course, session: CourseSession) -> dict:
    """What every enrolment email shows: contact, links, and whether the learner may still cancel.

    `course_url` is None when the course page would not open (a draft or archived course); it is
    worked out when the message is rendered, outside the request.
    """
    return {
        "contact": course.contact or current_app.config["TRAINING_OFFICE_EMAIL"],
        "course_url": later(course_url, course),
        "my_trainings_url": _my_trainings_url(),
        "can_still_cancel": session.cancellation_deadline > datetime.now(UTC),
    }


@deferred
def course_url(course: Course) -> str | None:
    """The course's public page, or None when it would be a 404 (the same test as the page's)."""
    if published_course(course.slug) is None:
        return None
    return external_url("catalogue.course", slug=course.slug)


def _my_trainings_url() -> str | None:
    return external_url(MY_TRAININGS) if MY_TRAININGS in current_app.view_functions else None


@deferred
def convocation_ics(session: CourseSession) -> bytes:
    """The session's calendar file: one event per half-day slot, linking to the course page
    (to "My trainings" when the course is not public)."""
    course = session.course
    calendar = new_calendar(course.title)
    add_session_events(calendar, course, session, course_url(course) or external_url(MY_TRAININGS))
    return calendar.to_ical()
