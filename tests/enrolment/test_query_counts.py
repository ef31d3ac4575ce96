""" "My trainings" and a certificate's verification page issue as many SQL queries with many
enrolments or certificates as with few."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tests.factories import SessionFactory, UserFactory, certify, enrol
from tests.helpers import QueryCounter
from training.attendance import services as attendance
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession
from training.enrolment.models import EnrolmentStatus
from training.extensions import db
from training.surveys.models import SurveyResponse

# One of each kind of line on "My trainings": held (with hours, a certificate and an answered
# survey), upcoming, on the waitlist, awaiting approval.
KINDS = ("held", "upcoming", "waitlisted", "pending")


def queries_for(client, url: str) -> tuple[int, str]:
    """How many SQL statements the page at `url` ran, and the page."""
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def trainings(learner, trainer, count: int) -> None:
    """`count` enrolments of `learner`, the kinds of KINDS in turn, each in its own session."""
    start = db.session.scalar(sa.select(sa.func.count()).select_from(CourseSession))
    for n in range(start, start + count):
        kind = KINDS[n % len(KINDS)]
        held = kind == "held"
        session = SessionFactory(
            day=date.today() + timedelta(days=-30 - n if held else 30 + n), trainers=[trainer], course__title=f"C{n}."
        )
        status = {"waitlisted": EnrolmentStatus.WAITLISTED, "pending": EnrolmentStatus.PENDING_APPROVAL}
        enrolment = enrol(session, learner, status.get(kind, EnrolmentStatus.CONFIRMED))
        if held:
            for slot in session.slots:
                attendance.set_mark(trainer, slot, enrolment, MarkStatus.PRESENT)
            certify(enrolment, trainer, code=f"code-{n}", serial=f"S-{n}", pdf=f"%PDF-1.7 {n}".encode())
            db.session.add(SurveyResponse(enrolment=enrolment, overall=5, content=5, trainer=5, organisation=5))
    db.session.commit()


def test_my_trainings_query_count_does_not_grow_with_the_enrolments(client, auth, learner, trainer):
    trainings(learner, trainer, 4)
    auth.sign_in(learner)
    small, page = queries_for(client, "/my/trainings")
    assert all(f"C{n}." in page for n in range(4))
    trainings(learner, trainer, 16)
    large, page = queries_for(client, "/my/trainings")
    assert all(f"C{n}." in page for n in range(20))
    assert large == small, f"{small} queries for 4 enrolments, {large} for 20"


def test_verify_query_count_does_not_grow_with_the_certificates(client, learner, trainer):
    trainings(learner, trainer, 1)
    small, page = queries_for(client, "/verify/code-0")
    assert "Valid certificate" in page and learner.name in page
    for _n in range(19):
        trainings(UserFactory(), trainer, 1)
    large, page = queries_for(client, "/verify/code-0")
    assert "Valid certificate" in page and learner.name in page
    assert large == small
