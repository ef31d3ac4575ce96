"""A session running today, taught by `trainer`, with three confirmed learners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import SessionFactory, UserFactory
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


@pytest.fixture
def today_session(ctx, trainer):
    """A session of two half-days, the first open now, taught by `trainer`, three confirmed learners.

    Times are relative to the clock rather than frozen: a session cookie signed "in the
    future" of a frozen clock is refused by itsdangerous, which would sign the client out.
    """
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = (now - timedelta(hours=1), now + timedelta(hours=2, minutes=30))
    second = (now + timedelta(hours=3, minutes=30), now + timedelta(hours=7))
    session = SessionFactory(
        trainers=[trainer],
        seats_taken=3,
        starts_at=first[0],
        ends_at=second[1],
        enrolment_deadline=now - timedelta(days=3),
        cancellation_deadline=now - timedelta(days=2),
        slots=[Slot(starts_at=a, ends_at=b, hours=Decimal("3.5")) for a, b in (first, second)],
    )
    people = [
        UserFactory(name=name, email=f"{name.split()[0].lower()}@example.org")
        for name in ("Alice Bernard", "Bruno Caron", "Chloé Dumas")
    ]
    for person in people:
        db.session.add(
            Enrolment(session=session, user=person, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC))
        )
    db.session.commit()
    return session


@pytest.fixture
def morning(today_session) -> Slot:
    return today_session.slots[0]


@pytest.fixture
def enrolments(today_session) -> list[Enrolment]:
    return sorted((e for e in db.session.scalars(db.select(Enrolment))), key=lambda e: e.user.name)


# A drawn signature as the pad sends it: two strokes of integer points in the 300 x 100 box.
DRAWING = "10,50 40,20 70,60 100,30 130,55;150,40 180,45 210,42"
