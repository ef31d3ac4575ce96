"""Attendance that holds up as evidence (issue 14): the rules of time and authority at their
boundaries, self check-in that never overrides the trainer, forwarded codes, signatures with
their manifestation bound to the mark, the trainer's sign-off, and every refusal changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from tests.attendance.conftest import DRAWING
from tests.factories import PASSWORD, SessionFactory, UserFactory
from tests.helpers import count_rows, post_form
from training.accounts.services import create_api_token
from training.attendance import services, signatures
from training.attendance.models import AttendanceMark, AttendanceSignature, MarkMethod, MarkStatus, SignatureDevice
from training.audit.models import AuditEntry
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def put_mark(client, token: str, slot: Slot, enrolment: Enrolment, **body):
    return client.put(
        f"/api/v1/slots/{slot.id}/attendance/{enrolment.id}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
def trainer_token(trainer) -> str:
    _token, plain = create_api_token(trainer, "roll")
    db.session.commit()
    return plain


@pytest.fixture
def later_session(ctx, trainer):
    """A half-day starting in exactly two hours, one confirmed learner."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    session = SessionFactory(
        trainers=[trainer],
        seats_taken=1,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        slots=[Slot(starts_at=start, ends_at=start + timedelta(hours=3), hours=Decimal("3"))],
    )
    db.session.add(
        Enrolment(
            session=session,
            user=UserFactory(name="Hugo Lefebvre"),
            status=EnrolmentStatus.CONFIRMED,
            confirmed_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    return session


def only(session) -> tuple[Slot, Enrolment]:
    """The session's one half-day and one enrolment."""
    return session.slots[0], db.session.scalar(sa.select(Enrolment).where(Enrolment.session_id == session.id))


# ---------------------------------------------------------------- time


def test_present_is_refused_before_the_half_day_opens_with_a_problem_document(client, trainer_token, later_session):
    slot, enrolment = only(later_session)
    audit_rows = count_rows(AuditEntry)
    response = put_mark(client, trainer_token, slot, enrolment, status="present")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert "present or late can be marked from" in response.json["detail"]
    assert count_rows(AttendanceMark) == 0 and count_rows(AuditEntry) == audit_rows


@pytest.mark.parametrize("minutes_before,allowed", [(31, False), (30, True), (0, True)])
def test_present_opens_thirty_minutes_before_the_start(ctx, trainer, later_session, minutes_before, allowed):
    slot, enrolment = only(later_session)
    with freeze_time(slot.starts_at - timedelta(minutes=minutes_before)):
        if allowed:
            assert services.set_mark(trainer, slot, enrolment, MarkStatus.PRESENT).status is MarkStatus.PRESENT
        else:
            with pytest.raises(services.TooEarly):
                services.set_mark(trainer, slot, enrolment, MarkStatus.LATE)
            assert count_rows(AttendanceMark) == 0


def test_the_opening_time_is_configurable(ctx, app, trainer, later_session):
    slot, enrolment = only(later_session)
    app.config["ATTENDANCE_OPEN_MINUTES"] = 10
    with freeze_time(slot.starts_at - timedelta(minutes=11)), pytest.raises(services.TooEarly):
        services.set_mark(trainer, slot, enrolment, MarkStatus.PRESENT)


@pytest.mark.parametrize("status", ["absent", "excused"])
def test_a_known_absence_can_be_recorded_in_advance(client, trainer_token, later_session, status):
    slot, enrolment = only(later_session)
    response = put_mark(client, trainer_token, slot, enrolment, status=status, note="Congé prévu")
    assert response.status_code == 200 and response.json["status"] == status


# ---------------------------------------------------------------- authority


def test_a_mark_after_sign_off_needs_a_reason_and_keeps_before_after_who_when_why(
    client, trainer, trainer_token, morning, enrolments
):
    services.mark_all_present(trainer, morning)
    services.sign_off(trainer, morning, PASSWORD)
    db.session.commit()
    audit_rows = count_rows(AuditEntry)
    refused = put_mark(client, trainer_token, morning, enrolments[0], status="absent")
    assert refused.status_code == 422 and "give the reason" in refused.json["detail"]
    assert count_rows(AuditEntry) == audit_rows
    accepted = put_mark(client, trainer_token, morning, enrolments[0], status="absent", reason="Parti à 9 h 10")
    assert accepted.status_code == 200
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.changed"))
    assert (entry.before["status"], entry.after["status"], entry.reason) == ("present", "absent", "Parti à 9 h 10")
    assert entry.actor_id == trainer.id and entry.at is not None


def test_a_service_call_by_someone_who_does_not_teach_is_refused(ctx, morning, enrolments):
    other_trainer = UserFactory(roles=["trainer"])
    with pytest.raises(services.NotAllowed):
        services.set_mark(other_trainer, morning, enrolments[0], MarkStatus.ABSENT)
    with pytest.raises(services.NotAllowed):  # a learner marking someone else, even "by check-in"
        services.set_mark(
            enrolments[1].user, morning, enrolments[0], MarkStatus.PRESENT, method=MarkMethod.SELF_CHECKIN
        )
    assert count_rows(AttendanceMark) == 0


# ---------------------------------------------------------------- self check-in


def test_self_check_in_never_overrides_the_trainers_absent(client, auth, trainer, morning, enrolments):
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.ABSENT, note="Vu parti")
    db.session.commit()
    auth.sign_in(enrolments[0].user)
    token = services.checkin_token(morning)
    response = post_form(client, f"/check-in/{token}", {"drawing": DRAWING})
    assert response.status_code == 403
    assert "Your trainer has already marked this half-day" in response.get_data(as_text=True)
    mark = db.session.scalar(sa.select(AttendanceMark))
    assert (mark.status, mark.method, mark.note) == (MarkStatus.ABSENT, MarkMethod.TRAINER, "Vu parti")
    assert count_rows(AttendanceSignature) == 0


def test_check_in_after_sign_off_is_refused(client, auth, trainer, morning, enrolments):
    for enrolment in enrolments[1:]:
        services.set_mark(trainer, morning, enrolment, MarkStatus.PRESENT)
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.EXCUSED)
    services.sign_off(trainer, morning, PASSWORD)
    db.session.commit()
    auth.sign_in(enrolments[0].user)
    response = post_form(client, f"/check-in/{services.checkin_token(morning)}", {"drawing": DRAWING})
    assert response.status_code == 403
    assert (
        db.session.scalar(sa.select(AttendanceMark.status).where(AttendanceMark.enrolment_id == enrolments[0].id))
        is MarkStatus.EXCUSED
    )


def test_a_trainers_present_is_signed_as_it_is_by_check_in(client, auth, trainer, morning, enrolments):
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.PRESENT)
    db.session.commit()
    auth.sign_in(enrolments[0].user)
    response = post_form(client, f"/check-in/{services.checkin_token(morning)}", {"drawing": DRAWING})
    assert response.status_code == 200
    mark = db.session.scalar(sa.select(AttendanceMark))
    assert (mark.status, mark.method) == (MarkStatus.PRESENT, MarkMethod.TRAINER)
    [signature] = db.session.scalars(sa.select(AttendanceSignature)).all()
    assert signature.mark_id == mark.id and signature.device is SignatureDevice.OWN


def test_a_forwarded_code_only_checks_in_the_person_who_opens_it(client, auth, morning, enrolments, learner):
    token = services.checkin_token(morning)  # Alice forwards the code she scanned
    auth.sign_in(enrolments[1].user)  # Bruno, enrolled, opens it at home
    post_form(client, f"/check-in/{token}", {"drawing": DRAWING})
    marked = {mark.enrolment_id for mark in db.session.scalars(sa.select(AttendanceMark))}
    assert marked == {enrolments[1].id}  # Bruno only, never Alice
    auth.sign_out()
    auth.sign_in(learner)  # somebody not enrolled
    response = post_form(client, f"/check-in/{token}", {"drawing": DRAWING})
    assert response.status_code == 403 and "confirmed seat" in response.get_data(as_text=True)
    assert count_rows(AttendanceMark) == 1


def test_check_in_without_a_signature_changes_nothing(client, auth, morning, enrolments):
    auth.sign_in(enrolments[0].user)
    token = services.checkin_token(morning)
    response = post_form(client, f"/check-in/{token}", {"drawing": "", "typed_name": ""})
    assert response.status_code == 422
    assert "Draw your signature" in response.get_data(as_text=True) or "Type your full name" in response.get_data(
        as_text=True
    )
    assert count_rows(AttendanceMark) == 0 and count_rows(AttendanceSignature) == 0


@pytest.mark.parametrize("typed,accepted", [("alice  BERNARD", True), ("Alice Bernardo", False)])
def test_a_typed_signature_is_the_learners_own_name(client, auth, morning, enrolments, typed, accepted):
    auth.sign_in(enrolments[0].user)  # Alice Bernard
    response = post_form(client, f"/check-in/{services.checkin_token(morning)}", {"typed_name": typed})
    assert response.status_code == (200 if accepted else 422)
    assert count_rows(AttendanceSignature) == (1 if accepted else 0)


@pytest.mark.parametrize(
    "drawing", ["1,1 2,2", "10,10 999,10 20,20 30,30 40,40", "<svg onload=alert(1)>", "10,10;;20,20"]
)
def test_an_unreadable_or_hostile_drawing_is_refused(ctx, morning, enrolments, drawing):
    with pytest.raises(services.SignatureError):
        services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=drawing)


# ---------------------------------------------------------------- signatures


def test_a_signature_shows_who_when_and_what_it_means_and_is_bound_to_the_mark(ctx, trainer, morning, enrolments):
    mark = services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=DRAWING)
    db.session.commit()
    signature = db.session.scalar(sa.select(AttendanceSignature))
    assert signature.signer_name == "Alice Bernard" and signature.signed_at is not None
    # The meaning is written in the course's language (French here) and kept as it was signed.
    assert signature.meaning.startswith("Arrivé(e) en retard le ") and "heure de Paris" in signature.meaning
    assert signatures.is_intact(signature)
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.ABSENT, note="Partie après l'appel")
    db.session.commit()
    db.session.refresh(mark)
    assert not signatures.is_intact(signature)  # the signature no longer matches the changed mark
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendance.signed"))
    assert audit.after["record_hash"] == signature.record_hash and audit.actor_id == enrolments[0].user_id


@pytest.mark.parametrize(
    "statement", ["UPDATE attendance_signatures SET signer_name = 'Someone else'", "DELETE FROM attendance_signatures"]
)
def test_the_database_refuses_to_edit_or_remove_a_signature(ctx, morning, enrolments, statement):
    services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=DRAWING)
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert db.session.scalar(sa.select(AttendanceSignature.signer_name)) == "Alice Bernard"


def test_a_learner_signs_on_the_trainers_phone_with_their_own_password(client, auth, trainer, morning, enrolments):
    services.set_mark(trainer, morning, enrolments[1], MarkStatus.PRESENT)
    db.session.commit()
    auth.sign_in(trainer)
    url = f"/trainer/slots/{morning.id}/signatures/{enrolments[1].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Bruno Caron signs this half-day" in page and "data-signature-pad" in page
    wrong = post_form(client, url, {"password": "not the password", "drawing": DRAWING})
    assert wrong.status_code == 422 and "The password is not right" in wrong.get_data(as_text=True)
    assert count_rows(AttendanceSignature) == 0
    right = post_form(client, url, {"password": PASSWORD, "drawing": DRAWING})
    assert right.status_code == 302
    signature = db.session.scalar(sa.select(AttendanceSignature))
    assert (signature.signer_id, signature.device) == (enrolments[1].user_id, SignatureDevice.TRAINER)
    roll = client.get(f"/trainer/slots/{morning.id}").get_data(as_text=True)
    assert "Signed by Bruno Caron" in roll


def test_the_sign_off_needs_the_trainers_password_and_records_its_meaning(client, auth, trainer, morning, enrolments):
    services.mark_all_present(trainer, morning)
    db.session.commit()
    auth.sign_in(trainer)
    roll = f"/trainer/slots/{morning.id}"
    wrong = post_form(client, f"{roll}/sign-off", {"password": "nope"}, page=roll)
    assert wrong.status_code == 422 and services.signoff(morning) is None
    assert post_form(client, f"{roll}/sign-off", {"password": PASSWORD}, page=roll).status_code == 302
    done = services.signoff(morning)
    assert done.signer_name == "Thomas Petit" and done.meaning.startswith("Je certifie l'appel du ")
    assert "(stagiaires à l'appel\xa0: 3)" in done.meaning and services.signoff_intact(done)
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.ABSENT, reason="Erreur de saisie")
    db.session.commit()
    assert not services.signoff_intact(done)
    assert "corrected after this sign-off" in client.get(roll).get_data(as_text=True)


def test_the_api_roll_shows_each_signature_and_the_sign_off_meaning(
    client, trainer, trainer_token, morning, enrolments
):
    services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=DRAWING)
    for enrolment in enrolments[1:]:
        services.set_mark(trainer, morning, enrolment, MarkStatus.ABSENT)
    services.sign_off(trainer, morning, PASSWORD)
    db.session.commit()
    body = client.get(
        f"/api/v1/slots/{morning.id}/attendance", headers={"Authorization": f"Bearer {trainer_token}"}
    ).json
    signed = {m["learner"]: m["signature"] for m in body["marks"]}
    assert signed["Alice Bernard"]["signer"] == "Alice Bernard" and signed["Alice Bernard"]["intact"] is True
    assert signed["Alice Bernard"]["method"] == "drawn" and signed["Bruno Caron"] is None
    assert body["signed_off_meaning"].startswith("Je certifie l'appel du ")  # in the course's language


def test_a_sign_off_made_before_hashes_existed_is_not_shown_as_corrected(client, auth, trainer, morning, enrolments):
    """Sign-offs migrated from before signatures have no hash: nothing to compare, nothing flagged."""
    from training.attendance.models import SlotSignoff

    services.mark_all_present(trainer, morning)
    db.session.add(SlotSignoff(slot_id=morning.id, signed_by=trainer, signed_at=datetime.now(UTC)))
    db.session.commit()
    assert services.signoff_intact(services.signoff(morning))
    auth.sign_in(trainer)
    page = client.get(f"/trainer/slots/{morning.id}").get_data(as_text=True)
    assert "Signed off by Thomas Petit" in page and "corrected after this sign-off" not in page
