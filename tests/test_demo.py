"""`flask seed-demo`: a believable demo, consistent with the database's rules, loaded only once."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.helpers import count_rows, table_counts
from training import demo_data
from training.accounts.models import User
from training.attendance.models import AttendanceMark, SlotSignoff
from training.catalogue.models import Course, CourseSession, CourseStatus, SessionStatus, Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.surveys.models import SurveyResponse

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def seeded(demo_app):
    """The demo, loaded once for this module; yields the command's result inside an app context."""
    result = demo_app.seed_result
    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        yield result


def test_prints_the_demo_accounts(seeded):
    output = seeded.output
    assert "Demo data created" in output
    assert "admin@genother.example" in output
    for email in (row[1] for row in demo_data.TRAINERS.values()):
        assert email in output
    for password in demo_data.PASSWORDS.values():
        assert password in output


def test_accounts_can_sign_in_with_the_printed_passwords(seeded):
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@genother.example"))
    assert admin.is_admin and admin.check_password(demo_data.PASSWORDS["admin"])
    assert admin.email_confirmed_at is not None
    trainers = db.session.scalars(sa.select(User).where(User.email.in_(r[1] for r in demo_data.TRAINERS.values())))
    assert all(t.is_trainer and not t.is_admin for t in trainers)
    learner = db.session.scalar(sa.select(User).where(User.email == demo_data.LEARNERS[0][1]))
    assert learner.check_password(demo_data.PASSWORDS["learner"])


def test_catalogue_covers_tracks_languages_and_statuses(seeded):
    published = Course.status == CourseStatus.PUBLISHED
    assert count_rows(Course, published) >= 15
    tracks = db.session.scalars(sa.select(Course.track).where(published).distinct()).all()
    assert len(tracks) == 3
    languages = db.session.scalars(sa.select(Course.language).where(published).distinct()).all()
    assert sorted(languages) == ["en", "fr"]
    assert count_rows(Course, Course.status == CourseStatus.DRAFT) == 1
    assert count_rows(Course, Course.status == CourseStatus.ARCHIVED) == 1
    assert count_rows(Course, sa.or_(Course.accessibility == "", Course.contact == "", Course.access_delay == "")) == 0


def test_sessions_are_past_running_and_future(seeded):
    now = datetime.now(UTC)
    assert count_rows(CourseSession, CourseSession.ends_at < now) >= 10
    assert count_rows(CourseSession, CourseSession.starts_at <= now, CourseSession.ends_at > now) >= 1
    assert count_rows(CourseSession, CourseSession.starts_at > now) >= 10
    assert count_rows(CourseSession, CourseSession.status == SessionStatus.CANCELLED) == 1
    assert count_rows(CourseSession, CourseSession.approval_required) >= 1


def test_slots_are_paris_half_days_on_weekdays(seeded):
    half_days = {(time(9), time(12, 30)), (time(13, 30), time(17))}
    for slot in db.session.scalars(sa.select(Slot)):
        starts, ends = slot.starts_at.astimezone(PARIS), slot.ends_at.astimezone(PARIS)
        assert (starts.time(), ends.time()) in half_days
        assert starts.weekday() < 5


def test_enrolments_in_every_state_and_attendance(seeded):
    for status in EnrolmentStatus:
        assert count_rows(Enrolment, Enrolment.status == status) >= 1, status
    assert count_rows(AttendanceMark) > 100
    assert count_rows(SurveyResponse) > 0
    # Trainers signed off the elapsed slots, but one is still waiting for its signature.
    assert 0 < count_rows(SlotSignoff) < count_rows(Slot, Slot.ends_at <= datetime.now(UTC))


def test_seats_taken_equals_confirmed_enrolments(seeded):
    confirmed = (
        sa.select(sa.func.count(Enrolment.id))
        .where(Enrolment.session_id == CourseSession.id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(CourseSession.seats_taken, confirmed, CourseSession.capacity)).all()
    assert rows
    for seats_taken, n_confirmed, capacity in rows:
        assert seats_taken == n_confirmed <= capacity
    assert any(seats == capacity for seats, _n, capacity in rows), "one session is full"


def test_no_trainer_teaches_two_slots_at_once(seeded):
    busy = defaultdict(list)
    for session in db.session.scalars(sa.select(CourseSession)):
        for trainer in session.trainers:
            busy[trainer.id] += [(slot.starts_at, slot.ends_at) for slot in session.slots]
    for intervals in busy.values():
        for (a_start, a_end), (b_start, b_end) in itertools.combinations(intervals, 2):
            assert not (a_start < b_end and b_start < a_end)


def test_second_run_changes_nothing(demo_app, seeded):
    before = table_counts()
    result = demo_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    assert "admin@genother.example" in result.output
    db.session.expire_all()
    assert table_counts() == before


def test_refuses_a_database_holding_other_data(app, runner):
    with app.app_context():
        db.session.add(User(email="someone@example.org", name="Someone"))
        db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "empty database" in result.output
    with app.app_context():
        assert count_rows(User) == 1
        assert count_rows(Course) == 0


def test_past_sessions_have_certificates_and_the_last_one_is_left_to_issue(seeded):
    from training.certificates.models import Certificate

    ended = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.ends_at < datetime.now(UTC), CourseSession.status == SessionStatus.SCHEDULED)
        .order_by(CourseSession.ends_at)
    ).all()
    with_certificates = {
        row
        for row in db.session.scalars(
            sa.select(Enrolment.session_id).join(Certificate, Certificate.enrolment_id == Enrolment.id)
        )
    }
    assert ended[-1].id not in with_certificates
    assert len(with_certificates) >= len(ended) - 2  # a session where nobody reached the threshold has none


def test_a_french_biomanufacturing_course_with_a_free_seat_next_month(demo_app, seeded):
    """The issue's "done when": found from the catalogue's filters, and the URL reproduces it."""
    from training.catalogue.queries import month_choices

    url = f"/courses?track=biomanufacturing&language=fr&month={month_choices()[1]}&free=1"
    page = demo_app.test_client().get(url).get_data(as_text=True)
    assert 'class="stretched-link' in page
