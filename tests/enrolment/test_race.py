"""Seats are never oversold: 50 learners enrol at the same instant in a 5-seat session, through
a live gunicorn server, on SQLite and on PostgreSQL. A control run with the locks switched off
oversells, which proves the test really races."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.live import gunicorn, simultaneous_enrolments
from tests.conftest import migrated_app
from tests.factories import SessionFactory, UserFactory
from tests.helpers import count_rows
from training.accounts.services import create_api_token
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

LEARNERS = 50
SEATS = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def race_database(request, tmp_path):
    """An empty database of its own, migrated: a SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
    with migrated_app(url) as app:
        yield app, url


def _prepare(app) -> tuple[int, list[str]]:
    """A 5-seat session and 50 learners with API tokens."""
    from tests import factories

    with app.app_context():
        factories.bind(db.session)
        session = SessionFactory(capacity=SEATS)
        tokens = [create_api_token(UserFactory(email=f"racer{n:02d}@example.org"), "race")[1] for n in range(LEARNERS)]
        db.session.commit()
        return session.id, tokens


def _outcome(app, session_id: int) -> tuple[int, int, list[Enrolment]]:
    with app.app_context():
        confirmed = count_rows(
            Enrolment, Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.CONFIRMED
        )
        seats_taken = db.session.get(CourseSession, session_id).seats_taken
        waitlist = db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlisted_at, Enrolment.id)
        ).all()
        return confirmed, seats_taken, [(e.id, e.user_id) for e in waitlist]


def test_fifty_simultaneous_enrolments_never_oversell(race_database, tmp_path):
    app, url = race_database
    session_id, tokens = _prepare(app)
    log = tmp_path / "gunicorn.log"
    with gunicorn(url, log=log) as base_url:
        answers = simultaneous_enrolments(base_url, session_id, tokens)

    assert [a.status for a in answers if a.status != 201] == [], [a.body for a in answers if a.status != 201]
    confirmed, seats_taken, waitlist = _outcome(app, session_id)
    assert (confirmed, seats_taken, len(waitlist)) == (SEATS, SEATS, LEARNERS - SEATS)
    # Strict order: each learner was told a distinct position, and the waitlist is served in that order.
    told = {a.body["id"]: a.body["waitlist_position"] for a in answers if a.body["status"] == "waitlisted"}
    assert sorted(told.values()) == list(range(1, LEARNERS - SEATS + 1))
    assert [told[enrolment_id] for enrolment_id, _user in waitlist] == list(range(1, LEARNERS - SEATS + 1))
    assert "database is locked" not in log.read_text()


def test_control_without_locks_oversells(race_database, tmp_path):
    """The same burst with DATABASE_LOCKING off: lost updates of the seat count oversell."""
    app, url = race_database
    session_id, tokens = _prepare(app)
    with gunicorn(url, locking=False, log=tmp_path / "gunicorn.log") as base_url:
        simultaneous_enrolments(base_url, session_id, tokens)
    confirmed, _seats_taken, _waitlist = _outcome(app, session_id)
    assert confirmed > SEATS, "without locks the race should oversell; if not, the test does not race"
