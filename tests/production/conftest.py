"""What the production tests share: a PostgreSQL database migrated by `flask db upgrade`, a Redis
database of their own, the environment of the deployment's processes, and people and sessions
made directly in the database.

These tests need PostgreSQL on TEST_POSTGRES_SERVER_URL and Redis on TEST_REDIS_URL's server;
elsewhere they skip saying so, and in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
import sqlalchemy as sa
from flask import Flask

from tests import factories
from tests.conftest import scratch_postgres_database
from tests.factories import SessionFactory, UserFactory
from tests.helpers import count_rows, skip_or_fail
from tests.production.processes import app_environment, flask_db_upgrade
from training import create_app
from training.attendance.services import mark_all_present
from training.audit.models import AuditEntry
from training.catalogue.models import CourseSession, Slot
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]


@contextlib.contextmanager
def redis_database(number: int):
    """Redis database `number` of the test server, emptied before and after."""
    url = f"{REDIS_SERVER}/{number}"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as error:
        client.close()
        skip_or_fail(f"Redis does not answer at {url} ({error}); start it to run the production tests")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@dataclass
class Backend:
    """The shared state of a deployment: its database and Redis, the environment every process
    gets, and an in-process app on the same database to prepare data and check results."""

    app: Flask
    env: dict[str, str]
    redis_url: str

    @contextlib.contextmanager
    def context(self):
        """An app context with the factories bound to its database session."""
        with self.app.app_context():
            factories.bind(db.session)
            try:
                yield
            finally:
                db.session.remove()


@contextlib.contextmanager
def backend(redis_number: int, **settings: str):
    """A fresh PostgreSQL database built by `flask db upgrade` and Redis database `redis_number`."""
    with scratch_postgres_database() as url, redis_database(redis_number) as redis_url:
        env = app_environment(url, redis_url, **settings)
        flask_db_upgrade(env)
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log", "LOG_LEVEL": "WARNING"})
        try:
            yield Backend(app, env, redis_url)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def ended_session(trainer, learners: int, prefix: str) -> CourseSession:
    """A one-slot session that ended ten days ago, with `learners` confirmed learners, all present:
    each has earned a certificate. Needs an app context with the factories bound."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    slot = Slot(starts_at=start, ends_at=start + timedelta(hours=3, minutes=30), hours=Decimal("3.5"))
    session = SessionFactory(
        trainers=[trainer],
        starts_at=start,
        ends_at=slot.ends_at,
        capacity=learners,
        seats_taken=learners,
        enrolment_deadline=start - timedelta(days=5),
        cancellation_deadline=start - timedelta(days=3),
        slots=[slot],
    )
    people = [UserFactory(email=f"{prefix}{n:03d}@example.org") for n in range(learners)]
    db.session.add_all(
        Enrolment(session=session, user=person, status=EnrolmentStatus.CONFIRMED, confirmed_at=start)
        for person in people
    )
    db.session.commit()
    mark_all_present(trainer, session.slots[0])
    db.session.commit()
    return session


@dataclass
class Issued:
    """What the database holds about a session's certificates."""

    valid_per_enrolment: dict[int, int]
    rows: int
    serials: int
    issued_audit_rows: int


def issued(session_id: int) -> Issued:
    """Count, for a session, valid certificates per confirmed enrolment, certificate rows, distinct
    serials and `certificate.issued` audit rows. Needs an app context."""
    enrolments = db.session.scalars(
        sa.select(Enrolment.id).where(Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.CONFIRMED)
    ).all()
    certificates = db.session.execute(
        sa.select(Certificate.id, Certificate.enrolment_id, Certificate.serial, Certificate.status)
        .join(Enrolment)
        .where(Enrolment.session_id == session_id)
    ).all()
    valid = {enrolment: 0 for enrolment in enrolments}
    for _id, enrolment, _serial, status in certificates:
        valid[enrolment] += status is CertificateStatus.VALID
    audit = (
        count_rows(
            AuditEntry,
            AuditEntry.action == "certificate.issued",
            AuditEntry.object_type == "certificates",
            AuditEntry.object_id.in_([str(c.id) for c in certificates]),
        )
        if certificates
        else 0
    )
    return Issued(valid, len(certificates), len({c.serial for c in certificates}), audit)
