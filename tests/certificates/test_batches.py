"""A bulk issue ends in a state the admin can read: done, failed with a plain cause (never a raw
database error), or cancelled; a batch whose worker stopped shows as stalled and resumes without
duplicates; a session has one active batch at most, in Python and in the database."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.helpers import count_rows, post_form
from training import create_app
from training.accounts.models import User
from training.audit.models import AuditEntry
from training.certificates import pdf, services, tasks
from training.certificates.models import BatchStatus, Certificate, CertificateBatch, CertificateStatus
from training.extensions import db


def issue_all(client, session):
    """The admin clicks "issue all" on the session's certificates page; returns the batch page's URL."""
    page = f"/admin/sessions/{session.id}/certificates"
    response = post_form(client, page, {}, page=page)
    assert response.status_code == 302
    return response.headers["Location"]


def click(client, batch_url: str, action: str):
    """The admin clicks "Resume" or "Cancel" on the batch page."""
    return post_form(client, f"{batch_url}/{action}", {}, page=batch_url)


def certificates_per_enrolment() -> dict[int, list[CertificateStatus]]:
    found: dict[int, list[CertificateStatus]] = {}
    for enrolment_id, status in db.session.execute(sa.select(Certificate.enrolment_id, Certificate.status)):
        found.setdefault(enrolment_id, []).append(status)
    return found


def audit_actions(batch_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "certificate_batches", AuditEntry.object_id == str(batch_id))
            .order_by(AuditEntry.id)
        )
    )


def the_batch() -> CertificateBatch:
    return db.session.scalar(sa.select(CertificateBatch).order_by(CertificateBatch.id.desc()))


def raw_database_error(monkeypatch):
    """Every new certificate gets the same code: the second one breaks a unique constraint."""
    monkeypatch.setattr(services, "new_code", lambda: "the-same-code-for-everybody")


def broken_renderer(monkeypatch):
    def render_certificates(datas):
        raise RuntimeError("cairo: out of memory while drawing SELECT * FROM users")

    monkeypatch.setattr(pdf, "render_certificates", render_certificates)


@pytest.mark.parametrize(
    "breakage,cause",
    [
        (raw_database_error, "the database refused the certificates or did not answer"),
        (broken_renderer, "a certificate's PDF could not be made"),
    ],
)
def test_a_failing_chunk_ends_failed_with_a_message_for_the_admin(
    client, auth, admin, ended, monkeypatch, caplog, breakage, cause
):
    breakage(monkeypatch)
    auth.sign_in(admin)
    batch_url = issue_all(client, ended)  # the task runs inline (no broker): no 500 for the admin
    batch = the_batch()
    assert (batch.status, batch.issued) == (BatchStatus.FAILED, 0)
    page = client.get(batch_url).get_data(as_text=True)
    message = (
        f"The certificates could not be produced: {cause}. 0 certificates were issued and are kept; you can resume."
    )
    assert message.replace("'", "&#39;") in page
    assert not any(raw in page for raw in ("SQL", "INSERT", "UNIQUE", "IntegrityError", "cairo", "SELECT"))
    assert f"{batch_url}/resume" in page and f"{batch_url}/cancel" not in page
    status = client.get(f"{batch_url}/status").json
    assert (status["status"], status["stalled"], status["error"]) == ("failed", False, message)
    # The raw error is in the server log, with the batch it broke.
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert f"certificate batch {batch.id} failed" in logged.getMessage()
    assert audit_actions(batch.id) == ["certificate_batch.started", "certificate_batch.failed"]

    monkeypatch.undo()  # the cause is fixed: resuming finishes the same batch
    click(client, batch_url, "resume")
    db.session.refresh(batch)
    assert (batch.status, batch.error, batch.issued, batch.total) == (BatchStatus.DONE, None, 2, 2)
    assert "Done: 2 certificates issued." in client.get(batch_url).get_data(as_text=True)
    assert audit_actions(batch.id)[2:] == ["certificate_batch.resumed", "certificate_batch.done"]


def test_what_was_issued_before_a_failure_is_kept_and_counted(client, auth, admin, ended, monkeypatch):
    monkeypatch.setattr(tasks, "CHUNK", 1)
    render = pdf.render_certificates
    calls = []

    def second_chunk_breaks(datas):
        calls.append(datas)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return render(datas)

    monkeypatch.setattr(pdf, "render_certificates", second_chunk_breaks)
    auth.sign_in(admin)
    batch_url = issue_all(client, ended)
    batch = the_batch()
    assert (batch.status, batch.issued, batch.done, batch.total) == (BatchStatus.FAILED, 1, 1, 2)
    assert "1 certificate was issued and is kept; you can resume." in client.get(batch_url).get_data(as_text=True)
    monkeypatch.setattr(pdf, "render_certificates", render)
    click(client, batch_url, "resume")
    db.session.refresh(batch)
    assert (batch.status, batch.issued) == (BatchStatus.DONE, 2)
    assert sorted(map(len, certificates_per_enrolment().values())) == [1, 1]


def test_a_queued_batch_is_cancelled_and_its_task_then_does_nothing(client, auth, admin, ended):
    batch, created = tasks.start_batch(admin, ended)
    db.session.commit()
    auth.sign_in(admin)
    batch_url = f"/admin/certificates/batches/{batch.id}"
    assert "Cancel the bulk issue" in client.get(batch_url).get_data(as_text=True)
    response = click(client, batch_url, "cancel")
    assert response.headers["Location"] == batch_url
    page = client.get(batch_url).get_data(as_text=True)
    assert "The bulk issue is cancelled" in page and "Cancelled: 0 certificates were issued and are kept." in page
    batch_id = batch.id
    db.session.commit()  # on SQLite, the task's transactions wait for any open one of ours
    tasks.issue_batch(batch_id)  # the message was already in the queue
    db.session.refresh(batch)
    assert (created, batch.status, batch.issued) == (True, BatchStatus.CANCELLED, 0)
    assert certificates_per_enrolment() == {}
    assert audit_actions(batch.id) == ["certificate_batch.started", "certificate_batch.cancelled"]
    click(client, batch_url, "cancel")
    assert "This bulk issue has already ended." in client.get(batch_url).get_data(as_text=True)


def test_a_running_batch_stops_at_the_next_chunk_when_cancelled(ctx, admin, ended, monkeypatch):
    monkeypatch.setattr(tasks, "CHUNK", 1)
    batch, _created = tasks.start_batch(admin, ended)
    db.session.commit()
    batch_id, admin_id, started_beat = batch.id, admin.id, batch.heartbeat_at
    db.session.commit()  # on SQLite, the task's transactions wait for any open one of ours
    chunk = tasks._chunk

    def the_admin_cancels_after_the_first_chunk(batch_id):
        running = chunk(batch_id)
        if running and db.session.get(CertificateBatch, batch_id).issued == 1:
            tasks.cancel_batch(db.session.get(User, admin_id), db.session.get(CertificateBatch, batch_id))
            db.session.commit()
        return running

    monkeypatch.setattr(tasks, "_chunk", the_admin_cancels_after_the_first_chunk)
    tasks.issue_batch(batch_id)
    db.session.refresh(batch)
    assert (batch.status, batch.issued, batch.done, batch.total) == (BatchStatus.CANCELLED, 1, 1, 2)
    assert batch.heartbeat_at > started_beat  # beaten after the chunk
    assert sum(map(len, certificates_per_enrolment().values())) == 1
    assert audit_actions(batch_id) == ["certificate_batch.started", "certificate_batch.cancelled"]


def test_a_stalled_batch_is_shown_and_resumed_without_duplicates(client, auth, app, admin, ended):
    batch, _created = tasks.start_batch(admin, ended)
    services.issue_pending(admin, ended, limit=1)  # the inline run was killed after one chunk
    batch.status, batch.issued, batch.done = BatchStatus.RUNNING, 1, 1
    batch.heartbeat_at = datetime.now(UTC) - timedelta(seconds=301)
    db.session.commit()
    auth.sign_in(admin)
    batch_url = f"/admin/certificates/batches/{batch.id}"
    page = client.get(batch_url).get_data(as_text=True)
    assert "Stalled — the worker stopped." in page and 'data-status="stalled"' in page
    assert 'http-equiv="refresh"' not in page and f"{batch_url}/resume" in page
    assert client.get(f"{batch_url}/status").json["stalled"] is True
    assert "Stalled — the worker stopped" in client.get(f"/admin/sessions/{ended.id}/certificates").get_data(
        as_text=True
    )
    app.config["CERTIFICATE_BATCH_STALL_SECONDS"] = 600  # the setting decides what "too long" is
    assert client.get(f"{batch_url}/status").json == {
        "status": "running",
        "stalled": False,
        "total": 2,
        "done": 1,
        "issued": 1,
        "error": None,
    }
    click(client, batch_url, "resume")
    assert "Only a failed or stalled bulk issue can be resumed." in client.get(batch_url).get_data(as_text=True)

    app.config["CERTIFICATE_BATCH_STALL_SECONDS"] = 300
    click(client, batch_url, "resume")
    db.session.refresh(batch)
    assert (batch.status, batch.issued, batch.done, batch.total) == (BatchStatus.DONE, 2, 2, 2)
    assert sorted(certificates_per_enrolment().values()) == [[CertificateStatus.VALID]] * 2
    assert audit_actions(batch.id) == [
        "certificate_batch.started",
        "certificate_batch.resumed",
        "certificate_batch.done",
    ]
    resumed = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "certificate_batch.resumed"))
    assert resumed.actor_id == admin.id and resumed.before["stalled"] is True


def test_issue_all_while_a_batch_is_active_shows_that_batch(client, auth, admin, ended):
    queued, _created = tasks.start_batch(admin, ended)
    db.session.commit()
    auth.sign_in(admin)
    batch_url = issue_all(client, ended)
    assert batch_url == f"/admin/certificates/batches/{queued.id}"
    assert "already under way" in client.get(batch_url).get_data(as_text=True)
    assert count_rows(CertificateBatch) == 1
    assert certificates_per_enrolment() == {}  # its task was not queued a second time


def test_the_database_refuses_a_second_active_batch(ctx, admin, ended):
    db.session.add(CertificateBatch(session_id=ended.id, created_by=admin, status=BatchStatus.DONE))
    db.session.add(CertificateBatch(session_id=ended.id, created_by=admin, status=BatchStatus.RUNNING))
    db.session.commit()  # ended batches do not count
    db.session.add(CertificateBatch(session_id=ended.id, created_by=admin, status=BatchStatus.QUEUED))
    with pytest.raises(sa.exc.IntegrityError, match="(?i)unique"):
        db.session.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("postgres_database")


def test_the_migration_closes_extra_active_batches_and_hides_raw_errors(empty_database):
    """Batches made before the lifecycle: two left running for one session, one failed with a raw error."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="3c1d2e4f5a6b")
        # Rows written as that schema knew them (the models may have moved on since).
        for statement in (
            "INSERT INTO users (id, email, name, organisation, category, locale, is_active_account, created_at, "
            "session_nonce) VALUES (1, 'a@example.org', 'A', '', 'other', 'fr', :yes, CURRENT_TIMESTAMP, 'n')",
            "INSERT INTO courses (id, slug, title, track, level, language, format, summary, objectives, "
            "duration_hours, price_eur, status, created_at, updated_at) VALUES (1, 'c', 'C', 'research', "
            "'introductory', 'fr', 'remote', 's', 'o', 7, 0, 'published', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO sessions (id, course_id, place, capacity, starts_at, ends_at, enrolment_deadline, "
            "cancellation_deadline, status, created_at) VALUES (1, 1, 'p', 5, '2026-11-30 09:00:00', "
            "'2026-11-30 17:00:00', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'scheduled', CURRENT_TIMESTAMP)",
        ):
            db.session.execute(sa.text(statement), {"yes": True})
        for status, error in (
            ("running", None),
            ("queued", None),
            ("failed", "(psycopg.errors.UniqueViolation) [SQL: INSERT INTO certificates]"),
        ):
            db.session.execute(
                sa.text(
                    "INSERT INTO certificate_batches (session_id, status, total, done, issued, error, created_by_id, "
                    "created_at) VALUES (1, :status, 2, 0, 0, :error, 1, CURRENT_TIMESTAMP)"
                ),
                {"status": status, "error": error},
            )
        db.session.commit()
        upgrade(revision="a14e0c3b7d21")
        rows = db.session.execute(
            sa.text("SELECT status, error, heartbeat_at IS NOT NULL FROM certificate_batches ORDER BY id")
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("failed", "unexpected", True),
        ("queued", None, True),
        ("failed", "unexpected", True),
    ]
