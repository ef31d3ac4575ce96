"""The database itself refuses rows that must never exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import UserFactory
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus
from training.audit.models import AuditEntry
from training.audit.services import record
from training.catalogue.models import Course, CourseFormat, CourseSession, Level, Slot, Track
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _course(slug="aav-design") -> Course:
    course = Course(
        slug=slug,
        title="AAV vector design",
        track=Track.RESEARCH,
        level=Level.INTERMEDIATE,
        language="en",
        format=CourseFormat.IN_PERSON,
        summary="s",
        objectives="o",
        duration_hours=Decimal("7"),
    )
    db.session.add(course)
    db.session.flush()
    return course


def _session(course, capacity=5, **overrides) -> CourseSession:
    values = dict(
        course=course,
        place="Genopole",
        capacity=capacity,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=8),
        enrolment_deadline=T0 - timedelta(days=3),
        cancellation_deadline=T0 - timedelta(days=2),
    )
    session = CourseSession(**{**values, **overrides})
    db.session.add(session)
    db.session.flush()
    return session


def _refused(make) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        make()
        db.session.flush()
    db.session.rollback()


def test_capacity_below_one_is_refused(ctx):
    course = _course()
    db.session.commit()
    _refused(lambda: _session(db.session.merge(course), capacity=0))


def test_more_confirmed_seats_than_capacity_is_refused(ctx):
    session = _session(_course(), capacity=2)
    db.session.commit()
    session.seats_taken = 3
    _refused(lambda: None)


def test_slot_ending_before_it_starts_is_refused(ctx):
    session = _session(_course())
    db.session.commit()
    _refused(
        lambda: db.session.add(
            Slot(session=session, starts_at=T0, ends_at=T0 - timedelta(hours=1), hours=Decimal("3.5"))
        )
    )


def test_second_enrolment_of_the_same_learner_is_refused(ctx):
    session = _session(_course())
    learner = UserFactory()
    now = datetime.now(UTC)
    db.session.add(Enrolment(session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=now))
    db.session.commit()
    _refused(
        lambda: db.session.add(
            Enrolment(session_id=session.id, user_id=learner.id, status=EnrolmentStatus.WAITLISTED, waitlisted_at=now)
        )
    )


def test_unknown_status_is_refused_by_the_database(ctx):
    session = _session(_course())
    learner = UserFactory()
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.text(
                "INSERT INTO enrolments (session_id, user_id, status, created_at, updated_at) "
                "VALUES (:s, :u, 'teleported', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"s": session.id, "u": learner.id},
        )
    db.session.rollback()


def test_attendance_mark_cannot_mix_two_sessions(ctx):
    course = _course()
    first, second = (
        _session(course),
        _session(course, starts_at=T0 + timedelta(days=7), ends_at=T0 + timedelta(days=7, hours=8)),
    )
    slot = Slot(
        session=second, starts_at=second.starts_at, ends_at=second.starts_at + timedelta(hours=3), hours=Decimal("3")
    )
    db.session.add(slot)
    learner, trainer = UserFactory(), UserFactory(roles=["trainer"])
    enrolment = Enrolment(session=first, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC))
    db.session.add_all([slot, enrolment])
    db.session.commit()
    _refused(
        lambda: db.session.add(
            AttendanceMark(
                session_id=first.id,
                enrolment_id=enrolment.id,
                slot_id=slot.id,
                status=MarkStatus.PRESENT,
                method=MarkMethod.TRAINER,
                marked_by_id=trainer.id,
            )
        )
    )


def test_naive_datetimes_are_refused(ctx):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        _session(_course(), starts_at=datetime(2026, 12, 7, 9, 0))
    db.session.rollback()


def test_timestamps_come_back_in_utc(ctx):
    session = _session(_course(), starts_at=T0.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris")))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CourseSession, session.id).starts_at == T0
    assert db.session.get(CourseSession, session.id).starts_at.tzinfo is UTC


def test_audit_rows_cannot_be_changed_or_deleted(ctx):
    entry = record(None, "test.recorded", object_type="system", object_id="1", after={"x": 1})
    db.session.commit()
    entry.action = "test.forged"
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.delete(AuditEntry))
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.action)) == "test.recorded"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_create_all_makes_the_audit_log_and_the_signatures_append_only(request, tmp_path, dialect):
    """The `append_only` hooks (training/database.py) give `create_all` the triggers the migrations make."""
    import training.models  # noqa: F401  (every table in the metadata)
    from training.extensions import db as extension_db

    url = (
        f"sqlite:///{tmp_path / 'all.sqlite'}"
        if dialect == "sqlite"
        else request.getfixturevalue("postgres_database").replace("postgresql://", "postgresql+psycopg://", 1)
    )
    engine = sa.create_engine(url)
    try:
        extension_db.metadata.create_all(engine)
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            if dialect == "sqlite"
            else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
        with engine.connect() as connection:
            triggers = set(connection.execute(sa.text(query)).scalars())
    finally:
        engine.dispose()
    expected = (
        {
            "audit_log_no_update",
            "audit_log_no_delete",
            "attendance_signatures_no_update",
            "attendance_signatures_no_delete",
        }
        if dialect == "sqlite"
        else {"audit_log_no_update_delete", "attendance_signatures_no_update_delete"}
    )
    assert expected <= triggers  # the others keep enrolments' hours (tests/core/test_migrations.py)
