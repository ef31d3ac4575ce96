"""Seeding helpers for the journeys: people, courses and sessions, named uniquely per journey.

The journeys share one database, so each gives its people and course addresses a unique
word (`tag`) and asserts on its own records only. Each journey keeps to its own tracks in the catalogue
(the learner alone seeds research courses) so a filtered list fits on one page.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.factories import CourseFactory, SessionFactory, UserFactory
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.text import fold

# The password a learner chooses on the sign-up form (seeded accounts use factories.PASSWORD).
NEW_PASSWORD = "Vecteur lentiviral, salle blanche & capside 2026"


def new_tag() -> str:
    """A short word no other record contains."""
    return "x" + uuid.uuid4().hex[:7]


def person(tag: str, name: str, locale: str, roles=("learner",)):
    """A confirmed account speaking `locale`, with a unique address and factories.PASSWORD."""
    return UserFactory(name=name, email=email_of(name, tag), locale=locale, roles=list(roles))


def email_of(name: str, tag: str) -> str:
    """ "Chloé Dumas" -> chloe.<tag>@example.org"""
    return f"{fold(name.split()[0])}.{tag}@example.org"


def half_day_session(course, start: datetime, *, trainers, capacity: int = 12, hours: str = "3.5", **fields):
    """A session of one half-day from `start`, taking enrolments until the day before."""
    end = start + timedelta(hours=float(hours))
    fields.setdefault("enrolment_deadline", start - timedelta(days=1))
    fields.setdefault("cancellation_deadline", start - timedelta(days=1))
    return SessionFactory(
        course=course,
        starts_at=start,
        ends_at=end,
        capacity=capacity,
        trainers=list(trainers),
        slots=[Slot(starts_at=start, ends_at=end, hours=Decimal(hours))],
        **fields,
    )


def confirm(session, *learners) -> list[Enrolment]:
    """Give each learner a confirmed seat in `session`."""
    enrolments = [
        Enrolment(
            session=session,
            user=learner,
            status=EnrolmentStatus.CONFIRMED,
            confirmed_at=datetime.now(UTC),
            prerequisites_acknowledged_at=datetime.now(UTC),
        )
        for learner in learners
    ]
    db.session.add_all(enrolments)
    session.seats_taken += len(enrolments)
    db.session.flush()
    return enrolments


def mark_present(enrolment: Enrolment, trainer) -> None:
    """The trainer marked the learner present on every half-day of the session."""
    for slot in enrolment.session.slots:
        db.session.add(
            AttendanceMark(
                session_id=slot.session_id,
                slot_id=slot.id,
                enrolment_id=enrolment.id,
                status=MarkStatus.PRESENT,
                method=MarkMethod.TRAINER,
                marked_by=trainer,
                marked_at=slot.starts_at,
            )
        )
    db.session.flush()


def course(tag: str, title: str, **fields):
    """A published course of one half-day; its address carries `tag`, its title reads as in real life."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-") + f"-{tag}"
    fields.setdefault("duration_hours", Decimal("3.5"))
    return CourseFactory(title=title, slug=slug, **fields)


def weekday(day: date) -> date:
    """`day`, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day
