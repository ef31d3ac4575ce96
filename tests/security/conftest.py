"""Fixtures of the security tests: the access table's people, in a full session with a waitlist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import UserFactory
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


@pytest.fixture
def crowd(people):
    """`people`, with their session made full (2 seats: the learner and Chloé) and two learners
    waiting, so that cancelling, approving or a new capacity moves seats and the waitlist."""
    session = people["session"]
    now = datetime.now(UTC)
    chloe, noor, yael = (
        UserFactory(name=name, email=email)
        for name, email in (
            ("Chloé Dumas", "chloe.dumas@example.org"),
            ("Noor Haddad", "noor.haddad@example.org"),
            ("Yael Cohen", "yael.cohen@example.org"),
        )
    )
    db.session.add(Enrolment(session=session, user=chloe, status=EnrolmentStatus.CONFIRMED, confirmed_at=now))
    for minutes, person in enumerate((noor, yael)):
        db.session.add(
            Enrolment(
                session=session,
                user=person,
                status=EnrolmentStatus.WAITLISTED,
                waitlisted_at=now - timedelta(minutes=10 - minutes),
            )
        )
    session.capacity, session.seats_taken = 2, 2
    db.session.commit()
    return people
