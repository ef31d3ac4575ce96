"""One valid certificate per enrolment however many issues race, through a live gunicorn server,
on SQLite and on PostgreSQL: 18 admins' API calls at the same instant, then the admin's "issue
one" and "issue all" buttons mixed with the API. A control run on PostgreSQL with the locks
switched off fails, which proves the test really races.

The servers load the app before forking (`--preload`: one import instead of one per worker), and
each has rendered a certificate before the race. On SQLite the server is one process of many
threads: a process's first PDF (importing WeasyPrint, loading fonts) takes seconds on a busy
machine, all of it inside a write transaction, longer than the 5 s that other writers wait for
SQLite's lock. Threads contend for that lock exactly as processes do.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from bench.live import at_once, gunicorn, post_json
from tests import factories
from tests.conftest import migrated_app, scratch_postgres_database
from tests.factories import UserFactory
from tests.production.conftest import ended_session, issued
from tests.production.web import Browser
from training.accounts.services import create_api_token
from training.certificates.models import BatchStatus, CertificateBatch
from training.extensions import db

LEARNERS = 8
CALLS = 18
CONTROL_LEARNERS = 3
SERVERS = {"sqlite": {"workers": 1, "threads": CALLS + 2}, "postgresql": {"workers": 4, "threads": 4}}


@contextlib.contextmanager
def server(url: str, log, **options):
    """gunicorn on `url`, the app loaded once before the workers fork."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUNICORN_CMD_ARGS", "--preload")
        # Each issue renders its PDFs holding SQLite's write lock; eighteen of them queue for it, longer
        # than the default 5 s on a loaded machine. The race is about lost writes, not latency.
        patch.setenv("SQLITE_BUSY_TIMEOUT_MS", "60000")
        with gunicorn(url, log=log, **options) as base_url:
            yield base_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    """A migrated database of its own and a gunicorn server on it that has issued a certificate."""
    folder = tmp_path_factory.mktemp(f"race-{request.param}")
    with contextlib.ExitStack() as stack:
        url = (
            f"sqlite:///{folder / 'race.sqlite'}"
            if request.param == "sqlite"
            else stack.enter_context(scratch_postgres_database())
        )
        app = stack.enter_context(migrated_app(url))
        log = folder / "gunicorn.log"
        base_url = stack.enter_context(server(url, log, **SERVERS[request.param]))
        session_id, _admin, tokens = prepare(app, "warm", learners=1, calls=1)
        assert api_issue(base_url, session_id, tokens[0])() == 200
        yield app, base_url, log


def prepare(app, prefix: str, learners: int = LEARNERS, calls: int = CALLS) -> tuple[int, str, list[str]]:
    """An ended session with `learners` eligible learners; an admin's email and `calls` API tokens."""
    with app.app_context():
        factories.bind(db.session)
        admin = UserFactory(email=f"{prefix}.admin@example.org", roles=["admin"])
        session = ended_session(UserFactory(roles=["trainer"]), learners, prefix)
        tokens = [create_api_token(admin, f"race {n}")[1] for n in range(calls)]
        db.session.commit()
        return session.id, admin.email, tokens


def api_issue(base_url: str, session_id: int, token: str):
    return lambda: post_json(f"{base_url}/api/v1/sessions/{session_id}/certificates", token, {}).status


def outcome(app, session_id: int):
    with app.app_context():
        result = issued(session_id)
        batches = db.session.scalars(
            sa.select(CertificateBatch.status).where(CertificateBatch.session_id == session_id)
        ).all()
        return result, batches


def assert_one_valid_certificate_each(result) -> None:
    assert len(result.valid_per_enrolment) == LEARNERS
    assert set(result.valid_per_enrolment.values()) == {1}
    # No certificate was issued twice and superseded: one row, one serial, one audit row each.
    assert result.rows == result.serials == result.issued_audit_rows == LEARNERS


def test_simultaneous_api_issues_give_one_certificate_each(live):
    app, base_url, log = live
    session_id, _admin, tokens = prepare(app, "api")
    statuses = at_once([api_issue(base_url, session_id, token) for token in tokens])
    assert Counter(statuses) == {200: CALLS}, log.read_text()[-3000:]
    result, _batches = outcome(app, session_id)
    assert_one_valid_certificate_each(result)
    print(f"\n{CALLS} API issues at once: answers {dict(Counter(statuses))}, {result.rows} certificates")


def test_issue_one_issue_all_and_the_api_at_once_give_one_certificate_each(live):
    """Two "issue one" clicks per learner, two "issue all" clicks and two API calls, at once."""
    app, base_url, log = live
    session_id, admin_email, tokens = prepare(app, "mixed")
    office = Browser()
    assert office.sign_in(base_url, admin_email).status_code == 302
    page = f"{base_url}/admin/sessions/{session_id}/certificates"
    token, cookies = office.csrf_token(page), office.session.cookies

    def click(url: str):
        return lambda: (
            requests.post(
                url, data={"csrf_token": token}, cookies=cookies, allow_redirects=False, timeout=60
            ).status_code
        )

    with app.app_context():
        enrolments = sorted(issued(session_id).valid_per_enrolment)
    calls = [click(f"{base_url}/admin/enrolments/{e}/certificate") for e in enrolments for _twice in (1, 2)]
    calls += [click(page), click(page)] + [api_issue(base_url, session_id, t) for t in tokens[:2]]
    statuses = at_once(calls)
    assert Counter(statuses) == {302: 2 * LEARNERS + 2, 200: 2}, log.read_text()[-3000:]
    result, batches = outcome(app, session_id)
    assert_one_valid_certificate_each(result)
    assert batches and set(batches) == {BatchStatus.DONE}  # none left running, none failed
    print(
        f"\n{len(calls)} mixed issues at once: answers {dict(Counter(statuses))}, {result.rows} certificates, "
        f"{len(batches)} batch(es)"
    )


def test_control_without_locks_the_race_breaks_issues(tmp_path):
    """The same API burst on PostgreSQL with DATABASE_LOCKING off. Two transactions that both saw
    no certificate insert the same version (observed: a 500 each, refused by
    uq_certificates_enrolment_id_version), or both a valid one, or the later supersedes the other."""
    log = tmp_path / "gunicorn.log"
    with scratch_postgres_database() as url, migrated_app(url) as app:
        session_id, _admin, tokens = prepare(app, "control", learners=CONTROL_LEARNERS)
        with server(url, log, locking=False) as base_url:
            statuses = at_once([api_issue(base_url, session_id, token) for token in tokens])
        result, _batches = outcome(app, session_id)
    failures = [status for status in statuses if status >= 500]
    assert failures or result.rows > CONTROL_LEARNERS, "without locks the race should show, and did not"
    refused = re.findall(
        r"sqlalchemy\.exc\.IntegrityError: \(psycopg\.errors\.UniqueViolation\) duplicate key "
        r'value violates unique constraint "uq_certificates_(enrolment_id_version|one_valid)"',
        log.read_text(),
    )
    assert len(refused) == len(failures)  # each 500 is a certificate the database refused
    assert set(result.valid_per_enrolment.values()) == {1}  # the database's constraints held
    print(
        f"\ncontrol without locks: answers {dict(Counter(statuses))}, {result.rows} certificate rows, "
        f"refused by {dict(Counter(refused))}"
    )
