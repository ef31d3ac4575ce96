"""The ended session whose learners earn (or not) their certificates, shared by the certificate tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import SessionFactory, UserFactory
from training.attendance import services as attendance
from training.attendance.models import MarkStatus
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


@pytest.fixture
def ended(ctx, trainer):
    """A session of four half-days (14 h) that ended ten days ago, threshold 50 %, three learners:
    Alice attended 14 h, Bruno 3.5 h (not eligible), Chloé 10.5 h."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=11)
    slots = [
        Slot(
            starts_at=start + timedelta(hours=h), ends_at=start + timedelta(hours=h, minutes=210), hours=Decimal("3.5")
        )
        for h in (0, 5, 24, 29)
    ]
    session = SessionFactory(
        trainers=[trainer],
        course__attendance_threshold=Decimal("0.50"),
        course__title="Production GMP de vecteurs AAV",
        starts_at=start,
        ends_at=slots[-1].ends_at,
        enrolment_deadline=start - timedelta(days=5),
        cancellation_deadline=start - timedelta(days=3),
        seats_taken=3,
        slots=slots,
    )
    people = [
        UserFactory(name=n, email=f"{n.split()[0].lower()}@example.org")
        for n in ("Alice Bernard", "Bruno Caron", "Chloé Dumas")
    ]
    enrolments = [
        Enrolment(session=session, user=p, status=EnrolmentStatus.CONFIRMED, confirmed_at=start) for p in people
    ]
    db.session.add_all(enrolments)
    db.session.commit()
    patterns = ("PPPP", "PAAA", "PLPA")
    codes = {"P": MarkStatus.PRESENT, "L": MarkStatus.LATE, "A": MarkStatus.ABSENT}
    for enrolment, pattern in zip(enrolments, patterns, strict=True):
        for slot, code in zip(session.slots, pattern, strict=True):
            attendance.set_mark(trainer, slot, enrolment, codes[code])
    db.session.commit()
    return session
