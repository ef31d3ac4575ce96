"""The trainer's pages issue as many SQL queries for twenty sessions or learners as for two."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from tests.factories import SessionFactory, UserFactory, enrol
from tests.helpers import QueryCounter
from training.attendance import services
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession
from training.extensions import db


def queries_for(client, url: str) -> tuple[int, str]:
    """How many SQL statements the page at `url` ran, and the page."""
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def taught(trainer, count: int, learners: int = 2, first_day: int = -20) -> list[CourseSession]:
    """`count` sessions taught by `trainer`, one every other day from `first_day` days from today,
    each with `learners` confirmed learners marked present on the half-days already held."""
    sessions = []
    for n in range(count):
        session = SessionFactory(
            day=date.today() + timedelta(days=first_day + 2 * n), trainers=[trainer], capacity=max(12, learners)
        )
        for _learner in range(learners):
            enrolment = enrol(session, UserFactory())
            for slot in session.slots:
                if slot.starts_at.date() < date.today():
                    services.set_mark(trainer, slot, enrolment, MarkStatus.PRESENT)
        sessions.append(session)
    db.session.commit()
    return sessions


def test_trainer_home_query_count_does_not_grow_with_the_sessions(client, auth, trainer):
    with freeze_time("2026-06-10 08:30:00"):  # 10:30 in Paris
        taught(trainer, 6, first_day=-8)  # four held, today's, one to come
        auth.sign_in(trainer)
        small, page = queries_for(client, "/trainer")
        assert page.count("2 of 2 marked") == 8  # four sessions held, two half-days each
        assert page.count("Take the roll") == 2  # today's two half-days
        taught(trainer, 20, first_day=-30)  # fifteen more held, today's, four to come
        large, page = queries_for(client, "/trainer")
    past = page[page.index('id="past"') :]
    assert past.count('<article class="card') == 10  # the first page of nineteen past sessions
    assert past.count("2 of 2 marked") == 20
    assert page.count("Take the roll") == 4
    assert large == small, f"{small} queries for 6 sessions, {large} for 26"


@pytest.mark.parametrize("page", ["session", "roll call"])
def test_session_and_roll_call_query_counts_do_not_grow_with_the_learners(client, auth, trainer, page):
    few, many = taught(trainer, 1, learners=2)[0], taught(trainer, 1, learners=20)[0]
    url = {
        "session": lambda s: f"/trainer/sessions/{s.id}",
        "roll call": lambda s: f"/trainer/slots/{s.slots[0].id}",
    }[page]
    auth.sign_in(trainer)
    small, _page = queries_for(client, url(few))
    large, html = queries_for(client, url(many))
    assert all(enrolment.user.name in html for enrolment, _mark in services.roster(many.slots[0]))
    assert large == small, f"{page}: {small} queries for 2 learners, {large} for 20"
