"""The ten-year bulk fill of the benchmarks (bench/scale_data.py), at a tiny factor, keeps the rules
the app relies on: otherwise the page timings measured on it would be timings of impossible data."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bench import scale_data
from tests.conftest import DATABASE_URL, Auth
from training.attendance.models import AttendanceMark, AttendanceSignature, SlotSignoff
from training.attendance.signatures import clean_drawing, is_intact, signoff_matches
from training.catalogue.models import CourseSession, Slot
from training.certificates.models import Certificate, CertificateStatus
from training.certificates.services import eligibility
from training.enrolment.models import Enrolment
from training.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def filled(app, database_url):
    """The suite's emptied PostgreSQL database, filled at factor 0.001 (a few sessions)."""
    if not DATABASE_URL:
        pytest.skip("the fill is PostgreSQL SQL (generate_series, sha256): it runs when TEST_DATABASE_URL is set")
    return scale_data.fill(database_url, 0.001, verbose=False)


MISCOUNTED_SESSIONS = (
    "SELECT s.id FROM sessions s LEFT JOIN enrolments e ON e.session_id = s.id AND e.status = 'confirmed' "
    "GROUP BY s.id HAVING s.seats_taken <> count(e.id)"
)
STRAY_MARKS = (
    "SELECT m.id FROM attendance_marks m JOIN enrolments e ON e.id = m.enrolment_id JOIN slots s ON s.id = m.slot_id "
    "WHERE s.session_id <> e.session_id OR m.session_id <> e.session_id OR e.status <> 'confirmed' "
    "OR s.starts_at > now()"
)
ROLL = (
    "SELECT u.name FROM enrolments e JOIN users u ON u.id = e.user_id JOIN slots s ON s.session_id = e.session_id "
    "WHERE s.id = :slot_id AND e.status = 'confirmed'"
)


def rows(app, sql: str, **params) -> list:
    """The rows of a plain SQL query."""
    with app.app_context():
        return db.session.execute(sa.text(sql), params).all()


def test_every_table_gets_rows(filled):
    assert filled["sessions"] == 6
    assert filled["users"] == scale_data.ADMINS + 10 + 60
    assert all(count > 0 for count in filled.values()), filled


def test_seats_taken_is_the_confirmed_count(app, filled):
    assert rows(app, MISCOUNTED_SESSIONS) == []
    assert rows(app, "SELECT id FROM sessions WHERE seats_taken = 0 AND status = 'scheduled'") == []


def test_marks_are_for_confirmed_learners_in_slots_of_their_session(app, filled):
    assert rows(app, STRAY_MARKS) == []


def test_the_kept_totals_agree_with_the_rows(app, filled):
    """The marks and sign-offs are loaded with their triggers off; the totals set afterwards are
    the ones the triggers would have kept, and the triggers are on again."""
    from training.attendance.totals import miscounted, misflagged

    with app.app_context():
        assert db.session.scalars(miscounted()).all() == []
        assert db.session.scalars(misflagged()).all() == []
        assert db.session.scalar(sa.select(sa.func.sum(Enrolment.hours_attended))) > 0
        assert db.session.scalar(sa.select(sa.func.count()).where(Slot.signed_off)) > 0
        assert (
            db.session.scalar(
                sa.text(
                    "SELECT string_agg(DISTINCT tgenabled::text, '') FROM pg_trigger "
                    "WHERE tgname IN ('attendance_marks_keep_hours', 'slot_signoffs_keep_flag')"
                )
            )
            == "O"
        )


def test_recent_signatures_and_signoffs_hold_as_the_app_checks_them(app, filled):
    with app.app_context():
        signatures = db.session.scalars(sa.select(AttendanceSignature)).all()
        assert signatures and all(is_intact(signature) for signature in signatures)
        assert all(clean_drawing(s.drawing) == s.drawing for s in signatures if s.drawing)
        hashed = db.session.scalars(sa.select(SlotSignoff).where(SlotSignoff.record_hash != "")).all()
        assert hashed
        for signoff in hashed:
            marks = db.session.scalars(sa.select(AttendanceMark).where(AttendanceMark.slot_id == signoff.slot_id))
            assert signoff_matches(signoff, list(marks))


def test_certificates_match_what_the_app_would_issue(app, filled):
    with app.app_context():
        certificates = db.session.scalars(sa.select(Certificate)).all()
        serials = [c.serial for c in certificates]
        assert len(set(serials)) == len(serials)
        for certificate in certificates:
            expected = f"GT-{certificate.issued_at:%Y}-{certificate.enrolment_id:06d}-{certificate.version}"
            assert certificate.serial == expected
            assert re.fullmatch(r"[A-Za-z0-9_-]{24}", certificate.code)
        valid = {c.enrolment_id: c for c in certificates if c.status is CertificateStatus.VALID}
        ended = db.session.scalars(sa.select(CourseSession).where(CourseSession.ends_at < datetime.now(UTC))).all()
        judged = [item for session in ended for item in eligibility(session)]
        assert judged, "no ended session with confirmed learners"
        for item in judged:
            certificate = valid.get(item.enrolment.id)
            if certificate is not None:
                assert item.eligible
                assert (certificate.hours_attended, certificate.hours_scheduled) == (
                    item.hours_attended,
                    item.hours_scheduled,
                )


def test_the_named_accounts_see_their_pages(app, filled):
    with app.app_context():
        slot_id = db.session.scalar(
            sa.select(Slot.id)
            .join(Slot.session)
            .where(CourseSession.trainers.any(email=scale_data.TRAINER_EMAIL), Slot.starts_at < datetime.now(UTC))
            .order_by(Slot.starts_at.desc())
            .limit(1)
        )
    names = rows(app, ROLL, slot_id=slot_id)
    admin, trainer, learner = (app.test_client() for _ in range(3))
    Auth(admin).sign_in(scale_data.ADMIN_EMAIL, scale_data.PASSWORD)
    Auth(trainer).sign_in(scale_data.TRAINER_EMAIL, scale_data.PASSWORD)
    Auth(learner).sign_in(scale_data.LEARNER_EMAIL, scale_data.PASSWORD)
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/audit?action=enrolment.created").status_code == 200
    roll_call = trainer.get(f"/trainer/slots/{slot_id}")
    assert roll_call.status_code == 200
    assert names and all(name in roll_call.get_data(as_text=True) for (name,) in names)
    assert learner.get("/my/trainings").status_code == 200
