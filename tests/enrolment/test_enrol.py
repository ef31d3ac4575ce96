"""A learner enrols, is waitlisted, sees their position, is promoted, cancels; every message arrives."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from tests.factories import SessionFactory, UserFactory
from tests.helpers import count_rows, post_form
from training.audit.models import AuditEntry
from training.catalogue.models import CourseSession, CourseStatus, SessionStatus
from training.enrolment import services
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def enrol_page(client, session, **data):
    return post_form(client, f"/sessions/{session.id}/enrol", {"acknowledge": "y", **data})


def status_of(user, session) -> EnrolmentStatus:
    return db.session.scalar(sa.select(Enrolment.status).filter_by(user_id=user.id, session_id=session.id))


def test_enrol_confirms_a_seat_and_sends_the_convocation(client, auth, learner, mailbox):
    session = SessionFactory(capacity=2)
    auth.sign_in(learner)
    response = enrol_page(client, session)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "your seat is confirmed" in page
    db.session.refresh(session)
    assert session.seats_taken == 1
    assert status_of(learner, session) is EnrolmentStatus.CONFIRMED
    [message] = [m for m in mailbox if m["To"] == learner.email]
    assert session.course.title in message["Subject"]
    assert any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "enrolment.created"))
    assert entry.actor_id == learner.id and entry.after["status"] == "confirmed"


def test_a_visitor_signs_in_and_comes_back_to_the_same_session(client, learner):
    session = SessionFactory()
    response = client.get(f"/sessions/{session.id}/enrol")
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    next_url = re.search(r"next=([^&]+)", response.headers["Location"])[1].replace("%2F", "/")
    response = post_form(
        client, "/sign-in", {"email": learner.email, "password": "correct horse battery staple", "next": next_url}
    )
    assert response.headers["Location"] == f"/sessions/{session.id}/enrol"


def test_double_click_gives_back_the_same_enrolment(client, auth, learner, mailbox):
    session = SessionFactory()
    auth.sign_in(learner)
    enrol_page(client, session)
    enrol_page(client, session)
    assert count_rows(Enrolment) == 1
    db.session.refresh(session)
    assert session.seats_taken == 1
    assert len([m for m in mailbox if m["To"] == learner.email]) == 1


def test_prerequisites_must_be_acknowledged(client, auth, learner):
    session = SessionFactory()
    auth.sign_in(learner)
    response = post_form(client, f"/sessions/{session.id}/enrol", {})
    assert response.status_code == 422
    assert "meet the prerequisites" in response.get_data(as_text=True)
    assert count_rows(Enrolment) == 0


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: SessionFactory(status=SessionStatus.CANCELLED), "was cancelled"),
        (lambda: SessionFactory(day=date.today() - timedelta(days=3)), "closed"),
        (lambda: SessionFactory(enrolment_deadline=datetime.now(UTC) - timedelta(hours=1)), "closed"),
    ],
)
def test_no_enrolment_in_a_closed_session(client, auth, learner, make, message):
    session = make()
    auth.sign_in(learner)
    response = enrol_page(client, session)
    assert message in response.get_data(as_text=True)
    assert count_rows(Enrolment) == 0


def test_draft_course_sessions_are_not_found(client, auth, learner):
    session = SessionFactory(course__status=CourseStatus.DRAFT)
    auth.sign_in(learner)
    assert client.get(f"/sessions/{session.id}/enrol").status_code == 404


def test_waitlist_position_moves_and_a_cancellation_promotes_the_first(app, ctx, client, auth, mailbox):
    session = SessionFactory(capacity=1)
    first, second, third = (UserFactory(email=f"l{n}@example.org") for n in range(3))
    for user in (first, second, third):
        services.enrol(user, session, user, acknowledged=True)
        db.session.commit()
    assert services.waitlist_position(db.session.scalar(sa.select(Enrolment).filter_by(user_id=third.id))) == 2

    auth.sign_in(third)
    assert "Position 2 in line" in client.get("/my/trainings").get_data(as_text=True)
    third_enrolment = db.session.scalar(sa.select(Enrolment).filter_by(user_id=third.id))
    assert client.get(f"/my/enrolments/{third_enrolment.id}/status").json["position"] == 2

    other = app.test_client()
    post_form(other, "/sign-in", {"email": first.email, "password": "correct horse battery staple"})
    first_enrolment = db.session.scalar(sa.select(Enrolment).filter_by(user_id=first.id))
    post_form(other, f"/my/enrolments/{first_enrolment.id}/cancel", {}, page="/my/trainings")

    assert status_of(first, session) is EnrolmentStatus.CANCELLED
    assert status_of(second, session) is EnrolmentStatus.CONFIRMED
    assert client.get(f"/my/enrolments/{third_enrolment.id}/status").json["position"] == 1
    db.session.refresh(session)
    assert session.seats_taken == 1
    promoted = [m for m in mailbox if m["To"] == second.email]
    assert len(promoted) == 2  # waitlisted, then promoted with a convocation
    assert any(part.get_content_type() == "text/calendar" for part in promoted[-1].iter_attachments())
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == ["enrolment.cancelled", "enrolment.notified", "enrolment.promoted", "enrolment.notified"]
    notified = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "enrolment.notified").order_by(AuditEntry.id.desc())
    )
    assert notified.after == {"event": "promoted", "to": second.email}


def test_cancelling_after_the_deadline_says_whom_to_contact(client, auth, learner):
    session = SessionFactory(cancellation_deadline=datetime.now(UTC) - timedelta(hours=1))
    enrolment = Enrolment(
        session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC)
    )
    session.seats_taken = 1
    db.session.add(enrolment)
    db.session.commit()
    auth.sign_in(learner)
    page = client.get("/my/trainings").get_data(as_text=True)
    assert "To cancel now, write to formation@genother.example" in page
    response = post_form(client, f"/my/enrolments/{enrolment.id}/cancel", {}, page="/my/trainings")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cancellation deadline" in page
    assert status_of(learner, session) is EnrolmentStatus.CONFIRMED


def test_another_learners_enrolment_is_not_found(client, auth, learner, other_learner):
    session = SessionFactory(seats_taken=1)
    enrolment = Enrolment(
        session=session, user=other_learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC)
    )
    db.session.add(enrolment)
    db.session.commit()
    auth.sign_in(learner)
    assert client.get(f"/my/enrolments/{enrolment.id}/status").status_code == 404
    assert client.get(f"/my/enrolments/{enrolment.id}/convocation.ics").status_code == 404
    assert post_form(client, f"/my/enrolments/{enrolment.id}/cancel", {}, page="/my/trainings").status_code == 404
    assert status_of(other_learner, session) is EnrolmentStatus.CONFIRMED


def test_approval_required_waits_for_the_training_office(client, auth, learner, admin, mailbox):
    session = SessionFactory(approval_required=True)
    auth.sign_in(learner)
    response = enrol_page(client, session)
    assert "awaits the training office" in client.get(response.headers["Location"]).get_data(as_text=True)
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.status is EnrolmentStatus.PENDING_APPROVAL
    db.session.refresh(session)
    assert session.seats_taken == 0
    services.approve(admin, enrolment)
    db.session.commit()
    assert enrolment.status is EnrolmentStatus.CONFIRMED and session.seats_taken == 1


def test_rejected_learner_cannot_enrol_again_by_themselves(client, auth, learner, admin):
    session = SessionFactory(approval_required=True)
    enrolment, _ = services.enrol(learner, session, learner, acknowledged=True)
    services.reject(admin, enrolment, "Réservé aux opérateurs de production")
    db.session.commit()
    with pytest.raises(services.EnrolmentError, match="declined"):
        services.enrol(learner, db.session.get(CourseSession, session.id), learner, acknowledged=True)


def test_re_enrolling_after_cancelling_reuses_the_enrolment_at_the_end_of_the_line(ctx, learner):
    session = SessionFactory(capacity=1)
    enrolment, _ = services.enrol(learner, session, learner, acknowledged=True)
    services.cancel(learner, enrolment)
    again, created = services.enrol(learner, session, learner, acknowledged=True)
    db.session.commit()
    assert again.id == enrolment.id and created and again.status is EnrolmentStatus.CONFIRMED
    last = db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action != "enrolment.notified").order_by(AuditEntry.id.desc())
    )
    assert last == "enrolment.renewed"


def test_capacity_raise_promotes_in_order(ctx, admin):
    session = SessionFactory(capacity=1)
    people = [UserFactory() for _ in range(4)]
    with freeze_time(datetime.now(UTC)) as clock:
        for person in people:
            services.enrol(person, session, person, acknowledged=True)
            clock.tick(timedelta(seconds=1))
    db.session.commit()
    promoted = services.update_session(admin, session, capacity=3)
    db.session.commit()
    assert [e.user_id for e in promoted] == [people[1].id, people[2].id]
    assert status_of(people[3], session) is EnrolmentStatus.WAITLISTED


def test_private_calendar_feed(client, auth, learner):
    session = SessionFactory()
    services.enrol(learner, session, learner, acknowledged=True)
    db.session.commit()
    auth.sign_in(learner)
    post_form(client, "/my/calendar", {}, page="/my/trainings")
    db.session.refresh(learner)
    feed = client.application.test_client().get(f"/calendar/{learner.calendar_token}.ics")
    assert feed.status_code == 200 and feed.data.count(b"BEGIN:VEVENT") == 2
    old = learner.calendar_token
    post_form(client, "/my/calendar", {}, page="/my/trainings")
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == str(learner.id)).order_by(AuditEntry.id)
    ).all()
    assert actions[-2:] == ["user.calendar_link_created", "user.calendar_link_renewed"]


def test_waitlist_positions_of_several_sessions_in_one_query(ctx, learner):
    first, second = SessionFactory(capacity=1, seats_taken=1), SessionFactory(capacity=1, seats_taken=1)
    same_instant = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    lines = {first: [UserFactory() for _ in range(3)], second: [UserFactory() for _ in range(2)]}
    mine = []
    for session, people in lines.items():
        for n, person in enumerate([*people, learner]):
            at = same_instant if n < 2 else same_instant + timedelta(minutes=n)  # a tie, broken by id
            enrolment = Enrolment(session=session, user=person, status=EnrolmentStatus.WAITLISTED, waitlisted_at=at)
            db.session.add(enrolment)
            if person is learner:
                mine.append(enrolment)
    db.session.commit()

    positions = services.waitlist_positions(mine)

    assert positions == {mine[0].id: 4, mine[1].id: 3}
    assert positions == {e.id: services.waitlist_position(e) for e in mine}
