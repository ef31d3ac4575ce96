"""Killing a worker in the middle of a bulk certificate task loses no certificate and creates no
duplicate when the task runs again.

The task (training/certificates/tasks.py) commits every CHUNK certificates and skips, when run
again, what was committed; the broker gives it again because it is acknowledged only at the end
(acks_late). Two ways a worker dies, two ways the message comes back:

- the whole worker (main process and pool, as the OOM killer or a power cut would): nobody is
  left to say anything; the message waits in Redis's `unacked` hash until it is older than the
  visibility timeout, then a new worker puts it back in the queue;
- only the pool process running the task: the worker's main process sees it die and, with
  task_reject_on_worker_lost, puts the message back at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time

import pytest
import redis
import sqlalchemy as sa

from tests.factories import UserFactory
from tests.production.conftest import backend, ended_session, issued
from tests.production.processes import celery_worker, children, gunicorn, wait_until_ready, wait_until_serving
from tests.production.web import Browser
from training.certificates.models import BatchStatus, Certificate, CertificateBatch
from training.certificates.tasks import CHUNK
from training.enrolment.models import Enrolment
from training.extensions import db

LEARNERS = 120  # three chunks: 50, 50, 20
SHORT_VISIBILITY = "tests.production.short_visibility_worker:celery_app"
# Longer than a chunk takes on a busy machine: a message still being worked on when it expires
# is delivered again, to a second process (so the second worker has only one).
VISIBILITY_TIMEOUT = 20


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """PostgreSQL, Redis and one gunicorn for the admin's pages; each test starts its workers."""
    logs = tmp_path_factory.mktemp("killed-worker")
    with contextlib.ExitStack() as stack:
        shared = stack.enter_context(
            backend(13, WEB_CONCURRENCY="1", GUNICORN_THREADS="4", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
        )
        web = stack.enter_context(gunicorn("web", shared.env, logs))
        wait_until_serving(web)
        yield shared, web.url, logs


def start_bulk_issue(deployment, prefix: str) -> tuple[int, int]:
    """An ended session with LEARNERS eligible learners; the admin clicks "issue all" on its page."""
    shared, url, _logs = deployment
    with shared.context():
        admin = UserFactory(email=f"{prefix}.admin@example.org", roles=["admin"])
        session_id = ended_session(UserFactory(roles=["trainer"]), LEARNERS, prefix).id
        admin_email = admin.email
    office = Browser()
    assert office.sign_in(url, admin_email).status_code == 302
    page = f"{url}/admin/sessions/{session_id}/certificates"
    response = office.post_form(page, {}, page=page)
    assert response.status_code == 302
    return session_id, int(response.headers["Location"].rsplit("/", 1)[1])


def committed(shared, session_id: int) -> int:
    """The session's certificates other connections can see."""
    with shared.context():
        return db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).join(Enrolment).where(Enrolment.session_id == session_id)
        )


def wait_for_some(shared, session_id: int, timeout: float = 60) -> None:
    """Until a first chunk is committed."""
    deadline = time.monotonic() + timeout
    while committed(shared, session_id) == 0:
        assert time.monotonic() < deadline, "no certificate was committed"
        time.sleep(0.05)


def wait_until_done(shared, batch_id: int, timeout: float) -> CertificateBatch:
    """Until the batch is done (or failed); returns it."""
    deadline = time.monotonic() + timeout
    while True:
        with shared.context():
            batch = db.session.get(CertificateBatch, batch_id)
            if batch.status in (BatchStatus.DONE, BatchStatus.FAILED) or time.monotonic() > deadline:
                db.session.expunge(batch)
                return batch
        time.sleep(0.2)


def unacknowledged(redis_url: str) -> list[bytes]:
    """The messages workers took and never acknowledged (kombu's Redis transport keeps them here)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return client.hvals("unacked")
    finally:
        client.close()


def assert_every_learner_holds_one_certificate(shared, session_id: int, batch: CertificateBatch) -> None:
    assert (batch.status, batch.error) == (BatchStatus.DONE, None)
    assert (batch.total, batch.issued) == (LEARNERS, LEARNERS)
    with shared.context():
        result = issued(session_id)
    assert len(result.valid_per_enrolment) == LEARNERS
    assert sorted(set(result.valid_per_enrolment.values())) == [1]
    assert result.rows == result.serials == result.issued_audit_rows == LEARNERS


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(deployment):
    shared, _url, logs = deployment
    with celery_worker("first", shared.env, logs, app=SHORT_VISIBILITY) as first:
        wait_until_ready(first)
        session_id, batch_id = start_bulk_issue(deployment, "killed")
        clicked = time.monotonic()
        wait_for_some(shared, session_id)
        first.kill_group(signal.SIGKILL)
        first.popen.wait(timeout=10)
        killed_at = time.monotonic()
    before = committed(shared, session_id)
    assert 0 < before < LEARNERS and before % CHUNK == 0  # whole chunks only: the one in flight was rolled back
    assert killed_at - clicked < VISIBILITY_TIMEOUT, "too slow: the message became visible before the kill"
    assert any(b"issue_batch" in message for message in unacknowledged(shared.redis_url))

    with celery_worker("second", shared.env, logs, app=SHORT_VISIBILITY, concurrency=1) as second:
        wait_until_ready(second)
        batch = wait_until_done(shared, batch_id, timeout=VISIBILITY_TIMEOUT + 60)
        finished_at = time.monotonic()

    assert_every_learner_holds_one_certificate(shared, session_id, batch)
    assert "Task training.certificates.tasks.issue_batch[" in second.output()  # the same message, delivered again
    print(
        f"\nworker group killed {killed_at - clicked:.1f} s after the click, with {before} of {LEARNERS} "
        f"certificates committed; a new worker finished {finished_at - killed_at:.1f} s later "
        f"(visibility timeout {VISIBILITY_TIMEOUT} s): {LEARNERS} certificates, no duplicate"
    )


def test_a_killed_pool_process_is_replaced_and_the_task_requeued_at_once(deployment):
    shared, _url, logs = deployment
    with celery_worker("steady", shared.env, logs, concurrency=1) as worker:
        wait_until_ready(worker)
        session_id, batch_id = start_bulk_issue(deployment, "requeued")
        wait_for_some(shared, session_id)
        [pool_process] = children(worker.pid)
        os.kill(pool_process, signal.SIGKILL)
        killed_at = time.monotonic()
        before = committed(shared, session_id)
        batch = wait_until_done(shared, batch_id, timeout=60)
        finished_at = time.monotonic()
        assert worker.popen.poll() is None  # the worker itself lived on
    assert 0 < before < LEARNERS
    assert_every_learner_holds_one_certificate(shared, session_id, batch)
    log = worker.output()
    assert "WorkerLostError" in log
    assert len(re.findall(r"tasks\.issue_batch\[[^]]+\] received", log)) == 2  # given again by the same worker
    print(
        f"\npool process killed with {before} of {LEARNERS} certificates committed; the worker requeued the "
        f"task and finished {finished_at - killed_at:.1f} s later (default visibility timeout, not waited for)"
    )
