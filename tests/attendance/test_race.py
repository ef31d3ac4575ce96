"""Fifty concurrent marks of one roll call through a live gunicorn server (the API, as phones and
integrations send them), on SQLite and PostgreSQL: no 5xx, no lost update, an unbroken
before/after chain in the audit trail. A control run with the locks off on PostgreSQL shows the
race is real (5xx from colliding first marks, or a broken chain: lost updates).

Then fifty marks of ten half-days at once, each learner's ten side by side (one lock per half-day):
every one counts in the hours the database keeps per learner; a control with a read-then-write
trigger on PostgreSQL loses some."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bench.live import at_once, gunicorn
from tests.conftest import migrated_app
from tests.factories import SessionFactory, UserFactory
from training.accounts.services import create_api_token
from training.attendance.models import AttendanceMark
from training.audit.models import AuditEntry
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

LEARNERS = 10
MARKS_EACH = 5  # 50 concurrent requests in all
STATUSES = ("present", "late", "absent", "excused", "present")


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    """An app on an empty migrated database of its own; yields (app, url)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
    with migrated_app(url) as app:
        yield app, url


def _prepare(app) -> tuple[int, list[int], str]:
    """A half-day open now, ten confirmed learners, and the trainer's API token."""
    from tests import factories

    with app.app_context():
        factories.bind(db.session)
        trainer = UserFactory(email="race.trainer@example.org", roles=["trainer"])
        now = datetime.now(UTC)
        session = SessionFactory(
            trainers=[trainer],
            seats_taken=LEARNERS,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
            slots=[Slot(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2), hours=Decimal("3"))],
        )
        enrolments = [
            Enrolment(
                session=session,
                user=UserFactory(email=f"racer{n}@example.org"),
                status=EnrolmentStatus.CONFIRMED,
                confirmed_at=now,
            )
            for n in range(LEARNERS)
        ]
        db.session.add_all(enrolments)
        _token, plain = create_api_token(trainer, "race")
        db.session.commit()
        return session.slots[0].id, [e.id for e in enrolments], plain


def _put(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"raw": error.read().decode(errors="replace")[:300]}


def concurrent_marks(base_url: str, slot_id: int, enrolment_ids: list[int], token: str) -> list[tuple[int, dict]]:
    """Every request at the same instant: each learner gets five different marks, each with its own note."""
    jobs = [
        (enrolment_id, {"status": status, "note": f"mark {n} of {enrolment_id}"})
        for enrolment_id in enrolment_ids
        for n, status in enumerate(STATUSES)
    ]
    return at_once(
        [
            lambda enrolment_id=enrolment_id, body=body: _put(
                f"{base_url}/api/v1/slots/{slot_id}/attendance/{enrolment_id}", token, body
            )
            for enrolment_id, body in jobs
        ]
    )


def outcome(app, slot_id: int, answers: list[tuple[int, dict]]) -> dict:
    """Answers by status, and per mark: the audit chain's breaks and the writes it does not hold."""
    with app.app_context():
        marks = {
            m.enrolment_id: m
            for m in db.session.scalars(sa.select(AttendanceMark).where(AttendanceMark.slot_id == slot_id))
        }
        rows = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.like("attendance.%"), AuditEntry.object_type == "attendance_marks")
            .order_by(AuditEntry.id)
        ).all()
        chains: dict[str, list[AuditEntry]] = {}
        for row in rows:
            chains.setdefault(row.object_id, []).append(row)
        breaks = sum(
            1
            for chain in chains.values()
            for previous, row in zip([None, *chain], chain, strict=False)
            if (previous.after if previous else None) != row.before
        )
        accepted = {body["note"] for status, body in answers if status == 200}
        recorded = {row.after["note"] for row in rows}
        final_ok = all(chains[str(mark.id)][-1].after["note"] == mark.note for mark in marks.values())
        return {
            "statuses": Counter(status for status, _body in answers),
            "breaks": breaks,
            "lost": len(accepted - recorded),
            "marks": len(marks),
            "final_matches_trail": final_ok,
        }


def test_fifty_concurrent_marks_lose_nothing_and_keep_the_chain(race_app, tmp_path):
    app, url = race_app
    slot_id, enrolment_ids, token = _prepare(app)
    with gunicorn(url, log=tmp_path / "gunicorn.log") as base_url:
        answers = concurrent_marks(base_url, slot_id, enrolment_ids, token)
    result = outcome(app, slot_id, answers)
    print(
        f"{url.split(':')[0]}: {dict(result['statuses'])}, chain breaks {result['breaks']}, "
        f"lost updates {result['lost']}"
    )
    assert result["statuses"] == Counter({200: LEARNERS * MARKS_EACH}), [a for a in answers if a[0] != 200][:3]
    assert (result["breaks"], result["lost"], result["marks"]) == (0, 0, LEARNERS)
    assert result["final_matches_trail"]


def test_control_without_locks_breaks_the_chain_or_fails(postgres_database, tmp_path):
    """The same burst with DATABASE_LOCKING off on PostgreSQL: colliding first inserts answer 500
    and concurrent changes read the same "before" (lost updates)."""
    url = postgres_database
    with migrated_app(url) as app:
        slot_id, enrolment_ids, token = _prepare(app)
        with gunicorn(url, locking=False, log=tmp_path / "gunicorn.log") as base_url:
            answers = concurrent_marks(base_url, slot_id, enrolment_ids, token)
        result = outcome(app, slot_id, answers)
    print(f"control: {dict(result['statuses'])}, chain breaks {result['breaks']}, lost updates {result['lost']}")
    failures = sum(count for status, count in result["statuses"].items() if status >= 500)
    assert failures + result["breaks"] + result["lost"] > 0, "without locks the burst should race; it did not"


# ---------------------------------------------------------------- the hours attended, kept by triggers

HALF_DAYS = 10
DAY_LEARNERS = 5  # 50 requests again, each learner's ten marks side by side

# A trigger that reads the learner's total, then writes it back with the half-day's hours added
# (read, then write, as code outside the database would): under READ COMMITTED two marks of one
# learner read the same total and one is lost. The pause widens the window between read and write
# so that the burst hits it every time.
READ_THEN_WRITE_TRIGGER = """CREATE OR REPLACE FUNCTION attendance_marks_keep_hours() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT hours_attended INTO total FROM enrolments WHERE id = NEW.enrolment_id;
    PERFORM pg_sleep(0.05);
    UPDATE enrolments SET hours_attended = total + (SELECT hours FROM slots WHERE id = NEW.slot_id)
    WHERE id = NEW.enrolment_id;
    RETURN NULL;
END; $$ LANGUAGE plpgsql"""


def _prepare_days(app) -> tuple[list[int], list[int], str]:
    """Ten past half-days of 3 hours, five confirmed learners, and the trainer's API token."""
    from tests import factories

    with app.app_context():
        factories.bind(db.session)
        trainer = UserFactory(email="race.trainer@example.org", roles=["trainer"])
        first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=HALF_DAYS + 1)
        slots = [
            Slot(starts_at=first + timedelta(days=n), ends_at=first + timedelta(days=n, hours=3), hours=Decimal("3"))
            for n in range(HALF_DAYS)
        ]
        session = SessionFactory(
            trainers=[trainer],
            seats_taken=LEARNERS,
            starts_at=slots[0].starts_at,
            ends_at=slots[-1].ends_at,
            slots=slots,
        )
        enrolments = [
            Enrolment(session=session, user=UserFactory(), status=EnrolmentStatus.CONFIRMED, confirmed_at=first)
            for _n in range(DAY_LEARNERS)
        ]
        db.session.add_all(enrolments)
        _token, plain = create_api_token(trainer, "race")
        db.session.commit()
        return [slot.id for slot in slots], [e.id for e in enrolments], plain


def _mark_every_half_day(app, url: str, log) -> tuple[Counter, list[int], list]:
    """Every learner marked present on every half-day, all at once (one lock per half-day, so a
    learner's ten marks run side by side); the answers, and the learners whose total is wrong."""
    from training.attendance.totals import miscounted

    slot_ids, enrolment_ids, token = _prepare_days(app)
    with gunicorn(url, log=log) as base_url:
        answers = at_once(
            [
                lambda slot_id=slot_id, enrolment_id=enrolment_id: _put(
                    f"{base_url}/api/v1/slots/{slot_id}/attendance/{enrolment_id}", token, {"status": "present"}
                )
                for enrolment_id in enrolment_ids
                for slot_id in slot_ids
            ]
        )
    with app.app_context():
        wrong = db.session.scalars(miscounted()).all()
        totals = db.session.scalars(sa.select(Enrolment.hours_attended).order_by(Enrolment.id)).all()
    return Counter(status for status, _body in answers), wrong, totals


def test_concurrent_marks_of_one_learner_all_count_in_the_hours(race_app, tmp_path):
    app, url = race_app
    statuses, wrong, totals = _mark_every_half_day(app, url, tmp_path / "gunicorn.log")
    print(f"{url.split(':')[0]}: {dict(statuses)}, totals {sorted(set(totals))}, miscounted {len(wrong)}")
    assert statuses == Counter({200: DAY_LEARNERS * HALF_DAYS})
    assert wrong == [] and totals == [Decimal(3 * HALF_DAYS)] * DAY_LEARNERS


def test_control_a_read_then_write_trigger_loses_hours(postgres_database, tmp_path):
    """The same burst with a trigger that reads the total then writes it (instead of one atomic
    increment): totals come out short, so the test above would catch a racy way of keeping them."""
    url = postgres_database
    with migrated_app(url) as app:
        with app.app_context():
            db.session.execute(sa.text(READ_THEN_WRITE_TRIGGER))
            db.session.commit()
        statuses, wrong, totals = _mark_every_half_day(app, url, tmp_path / "gunicorn.log")
    print(f"control: {dict(statuses)}, totals {sorted(set(totals))}, miscounted {len(wrong)}")
    assert wrong, "a read-then-write trigger should lose hours under concurrent marks; none were lost"
