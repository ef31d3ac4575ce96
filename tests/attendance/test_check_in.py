"""Self check-in by scanning the trainer's rotating code; every refusal changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from tests.attendance.conftest import DRAWING
from tests.factories import SessionFactory, UserFactory
from tests.helpers import post_form
from training.attendance import services
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def scan(client, token: str):
    """What a phone does: open the code's address, then press the button."""
    page = client.get(f"/check-in/{token}")
    if page.status_code != 200:
        return page
    return post_form(client, f"/check-in/{token}", {"drawing": DRAWING})


def stored_marks() -> list[AttendanceMark]:
    return db.session.scalars(sa.select(AttendanceMark)).all()


def test_learner_checks_in_by_scanning_the_code(client, auth, trainer, morning, enrolments):
    auth.sign_in(trainer)
    qr = client.get(f"/trainer/slots/{morning.id}/qr").get_data(as_text=True)
    assert "<svg" in qr
    token = services.checkin_token(morning)
    auth.sign_out()
    auth.sign_in(enrolments[0].user)
    response = scan(client, token)
    assert response.status_code == 200
    assert "You are checked in" in response.get_data(as_text=True)
    [mark] = stored_marks()
    assert mark.method is MarkMethod.SELF_CHECKIN and mark.checked_in_at is not None
    assert mark.status is MarkStatus.LATE  # the half-day began an hour ago
    assert mark.marked_by_id == enrolments[0].user_id


def test_on_time_check_in_is_present(client, auth, ctx, trainer):
    now = datetime.now(UTC)
    session = SessionFactory(
        trainers=[trainer],
        seats_taken=1,
        starts_at=now + timedelta(minutes=10),
        ends_at=now + timedelta(hours=3),
        slots=[Slot(starts_at=now + timedelta(minutes=10), ends_at=now + timedelta(hours=3), hours=Decimal("2.83"))],
    )
    learner = UserFactory()
    db.session.add(Enrolment(session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=now))
    db.session.commit()
    auth.sign_in(learner)
    scan(client, services.checkin_token(session.slots[0]))
    assert stored_marks()[0].status is MarkStatus.PRESENT


def test_scanning_twice_keeps_one_mark(client, auth, morning, enrolments):
    auth.sign_in(enrolments[0].user)
    token = services.checkin_token(morning)
    scan(client, token)
    scan(client, token)
    assert len(stored_marks()) == 1


def refusal(client, auth, learner, token) -> str:
    auth.sign_in(learner)
    response = scan(client, token)
    assert response.status_code == 403
    assert stored_marks() == []
    return response.get_data(as_text=True)


def test_expired_code_is_refused(client, auth, morning, enrolments):
    with freeze_time(datetime.now(UTC) - timedelta(seconds=90)):
        token = services.checkin_token(morning)
    assert "This code has expired" in refusal(client, auth, enrolments[0].user, token)


@pytest.mark.parametrize("token", ["not-a-code", "eyJzbG90IjoxfQ.forged.signature"])
def test_forged_code_is_refused(client, auth, morning, enrolments, token):
    assert "This code is not valid" in refusal(client, auth, enrolments[0].user, token)


def test_code_signed_with_another_key_is_refused(client, auth, app, morning, enrolments):
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer("attacker's key", salt="attendance.checkin").dumps({"slot": morning.id, "w": 0})
    assert "This code is not valid" in refusal(client, auth, enrolments[0].user, token)


def test_code_of_another_sessions_slot_is_refused(client, auth, morning, enrolments):
    elsewhere = SessionFactory(
        starts_at=morning.starts_at,
        ends_at=morning.ends_at,
        slots=[Slot(starts_at=morning.starts_at, ends_at=morning.ends_at, hours=Decimal("3.5"))],
    )
    token = services.checkin_token(elsewhere.slots[0])
    assert "confirmed seat" in refusal(client, auth, enrolments[0].user, token)


def test_future_half_day_is_refused(client, auth, today_session, enrolments):
    afternoon = today_session.slots[1]  # starts in three and a half hours
    assert "has not started yet" in refusal(client, auth, enrolments[0].user, services.checkin_token(afternoon))


def test_learner_not_enrolled_is_refused(client, auth, morning, learner):
    assert "confirmed seat" in refusal(client, auth, learner, services.checkin_token(morning))


def test_waitlisted_learner_is_refused(client, auth, morning, today_session):
    waiting = UserFactory()
    db.session.add(
        Enrolment(
            session=today_session, user=waiting, status=EnrolmentStatus.WAITLISTED, waitlisted_at=datetime.now(UTC)
        )
    )
    db.session.commit()
    assert "confirmed seat" in refusal(client, auth, waiting, services.checkin_token(morning))


def test_check_in_needs_a_signed_in_learner(client, morning):
    response = client.get(f"/check-in/{services.checkin_token(morning)}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_code_rotates(client, auth, trainer, morning):
    auth.sign_in(trainer)
    with freeze_time(datetime.now(UTC)) as clock:
        first = client.get(f"/trainer/slots/{morning.id}/qr.svg").get_data(as_text=True)
        clock.tick(timedelta(seconds=31))
        second = client.get(f"/trainer/slots/{morning.id}/qr.svg").get_data(as_text=True)
    assert first != second and re.search(r"<svg", first)


def test_trainer_overrides_a_self_check_in(ctx, trainer, morning, enrolments):
    services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=DRAWING)
    mark = services.set_mark(trainer, morning, enrolments[0], MarkStatus.ABSENT, note="Parti après 10 min")
    db.session.commit()
    assert mark.method is MarkMethod.TRAINER and mark.status is MarkStatus.ABSENT
