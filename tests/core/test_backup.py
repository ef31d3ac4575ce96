"""`flask backup`: a consistent copy while writers commit, a restore drill on the copy, and the
refusals (target exists, PostgreSQL, a damaged source) that leave no file behind.

The backup copies SQLite files only, so these tests run on a SQLite database of their own even
when the rest of the suite runs on PostgreSQL; only the test through the suite's `app` and
`runner` fixtures skips there.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests import factories
from tests.conftest import DATABASE_URL, Auth, IsolatedClient
from training import create_app
from training.backup import MAIN_TABLES, BackupError, backup_sqlite
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

COURSE_TITLE = "Production de vecteurs AAV en conditions BPF"
LEARNER_EMAIL = "lea.learner@example.org"
PADDING_ROWS = 20_000  # about 25 MB of audit rows, so that the copy takes a while


def _start(url: str):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log", "LOG_LEVEL": "WARNING"})
    app.test_client_class = IsolatedClient
    return app


def _stop(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def source(request, tmp_path) -> Path:
    """A migrated SQLite database file of its own, holding a learner confirmed in a session."""
    path = tmp_path / "genother.sqlite"
    if not DATABASE_URL:  # the suite's migrated template is a SQLite file: copy it
        shutil.copyfile(request.getfixturevalue("migrated_database"), path)
    app = _start(f"sqlite:///{path}")
    with app.app_context():
        if DATABASE_URL:
            upgrade()
        factories.bind(db.session)
        learner = factories.UserFactory(email=LEARNER_EMAIL, name="Léa Martin")
        session = factories.SessionFactory(course__title=COURSE_TITLE)
        db.session.add(
            Enrolment(session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC))
        )
        db.session.commit()
    _stop(app)
    return path


@pytest.fixture
def backups(tmp_path) -> Path:
    path = tmp_path / "backups"
    path.mkdir()
    return path


def _rows(path: Path, query: str, *parameters) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()


def _count(path: Path, table: str) -> int:
    return _rows(path, f"SELECT count(*) FROM {table}")[0][0]


# ---------------------------------------------------------------- writers during the backup


class Writer(threading.Thread):
    """Commits audit rows numbered 1, 2, 3 ... one transaction each, until told to stop."""

    def __init__(self, path: Path, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.path, self.label, self.stop = path, f"writer-{number}", stop
        self.committed = 0
        self.error: Exception | None = None

    def run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            while not self.stop.is_set():
                connection.execute(
                    "INSERT INTO audit_log (at, actor_label, action, object_type, object_id) "
                    "VALUES (CURRENT_TIMESTAMP, ?, 'backup.test', 'writer', ?)",
                    (self.label, str(self.committed + 1)),
                )
                self.committed += 1
                time.sleep(0.001)  # let the other writers in: SQLite's busy handler is not fair
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            connection.close()


def _pad(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO audit_log (at, actor_label, action, object_type, object_id, reason) "
            "VALUES (CURRENT_TIMESTAMP, 'system', 'backup.padding', 'system', ?, ?)",
            ((str(n), "x" * 1000) for n in range(PADDING_ROWS)),
        )
    connection.close()


def _wait_until(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.01)


def test_backup_while_writers_commit_holds_a_prefix_of_every_writer(source, backups):
    _pad(source)
    stop = threading.Event()
    writers = [Writer(source, number, stop) for number in (1, 2, 3)]
    for writer in writers:
        writer.start()
    try:
        _wait_until(lambda: all(w.committed >= 10 for w in writers))
        before = [w.committed for w in writers]
        report = backup_sqlite(source, backups / "copy.sqlite3")
        after = [w.committed for w in writers]
        _wait_until(lambda: all(w.committed >= a + 10 for w, a in zip(writers, after, strict=True)))
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert [w.error for w in writers] == [None, None, None]
    # Row n+2 of a writer started after `before` was read and committed before `after` was:
    # the writers kept committing while the backup ran.
    assert any(a >= b + 2 for a, b in zip(after, before, strict=True))

    copy = report.path
    assert _rows(copy, "PRAGMA integrity_check") == [("ok",)]
    held = []
    for writer, committed_before in zip(writers, before, strict=True):
        numbers = sorted(
            int(n) for (n,) in _rows(copy, "SELECT object_id FROM audit_log WHERE actor_label = ?", writer.label)
        )
        assert numbers == list(range(1, len(numbers) + 1)), f"{writer.label} has a gap in the copy"
        assert committed_before <= len(numbers) < writer.committed
        held.append(len(numbers))
    others = _rows(copy, "SELECT count(*) FROM audit_log WHERE actor_label NOT LIKE 'writer-%'")[0][0]
    assert others == PADDING_ROWS
    assert report.counts["audit_log"] == _count(copy, "audit_log") == PADDING_ROWS + sum(held)
    assert _count(source, "audit_log") == PADDING_ROWS + sum(w.committed for w in writers)


def test_the_copy_is_one_file_with_the_source_revision_and_counts(source, backups):
    report = backup_sqlite(source, backups / "copy.sqlite3")

    assert sorted(p.name for p in backups.iterdir()) == ["copy.sqlite3"]  # no journal, WAL or partial file
    assert _rows(report.path, "PRAGMA journal_mode") == [("delete",)]
    assert report.revision == _rows(source, "SELECT version_num FROM alembic_version")[0][0]
    assert report.counts == {table: _count(source, table) for table in MAIN_TABLES}
    assert (report.counts["users"], report.counts["courses"], report.counts["enrolments"]) == (1, 1, 1)
    assert report.size_bytes == report.path.stat().st_size > 0


# ---------------------------------------------------------------- restore drill


def test_restore_drill_serves_the_source_data_from_the_copy_alone(source, backups):
    report = backup_sqlite(source, backups / "restored.sqlite3")
    source.unlink()  # the drill must not lean on the original

    restored = _start(f"sqlite:///{report.path}")
    try:
        client = restored.test_client()
        response = Auth(client).sign_in(LEARNER_EMAIL)
        assert response.status_code == 302
        page = client.get("/my/trainings").get_data(as_text=True)
        assert COURSE_TITLE in page
        assert COURSE_TITLE in client.get("/courses").get_data(as_text=True)
    finally:
        _stop(restored)


# ---------------------------------------------------------------- refusals


def test_an_existing_target_is_refused_and_kept(source, backups):
    target = backups / "copy.sqlite3"
    target.write_text("yesterday's backup")
    runner = _start(f"sqlite:///{source}").test_cli_runner()

    result = runner.invoke(args=["backup", str(target)])

    assert result.exit_code != 0
    assert f"{target} already exists" in result.output and "--overwrite" in result.output
    assert target.read_text() == "yesterday's backup"
    assert sorted(p.name for p in backups.iterdir()) == ["copy.sqlite3"]

    result = runner.invoke(args=["backup", str(target), "--overwrite"])

    assert result.exit_code == 0, result.output
    assert _count(target, "users") == 1


def test_postgresql_is_refused_with_the_pg_dump_command(tmp_path):
    app = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://genother:s3cret@db.example:5432/genother"}
    )
    app.instance_path = str(tmp_path)  # where a default target would go

    result = app.test_cli_runner().invoke(args=["backup"])

    assert result.exit_code != 0
    assert re.search(
        r"pg_dump --format=custom --file=genother-\d{8}T\d{6}Z\.dump "
        r"postgresql://genother@db\.example:5432/genother\n",
        result.output,
    ), result.output
    assert "s3cret" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_source_fails_the_check_and_leaves_no_file(source, backups):
    # Garbage over the cells of the slots table's page: the backup copies pages as they are,
    # the counts it compares do not read them, and only the integrity check can see it.
    page_size = _rows(source, "PRAGMA page_size")[0][0]
    root = _rows(source, "SELECT rootpage FROM sqlite_schema WHERE name = 'slots'")[0][0]
    with open(source, "r+b") as file:
        file.seek(root * page_size - 200)
        file.write(b"\xff" * 200)

    with pytest.raises(BackupError, match=r"^the copy failed its check: integrity_check: On tree page \d+ cell"):
        backup_sqlite(source, backups / "copy.sqlite3")
    assert list(backups.iterdir()) == []


def test_a_broken_foreign_key_fails_the_check(source, backups):
    connection = sqlite3.connect(source)  # foreign keys are off by default in a raw connection
    with connection:
        connection.execute(
            "INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id) "
            "VALUES (CURRENT_TIMESTAMP, 999, 'ghost', 'test.ghost', 'system', '-')"
        )
    connection.close()

    with pytest.raises(BackupError, match="foreign_key_check: audit_log row .* missing users row"):
        backup_sqlite(source, backups / "copy.sqlite3")
    assert list(backups.iterdir()) == []


# ---------------------------------------------------------------- the command through the suite's fixtures


def test_cli_prints_target_size_revision_and_counts(source, tmp_path):
    app = _start(f"sqlite:///{source}")
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))

    result = app.test_cli_runner().invoke(args=["backup"])
    _stop(app)

    assert result.exit_code == 0, result.output
    [target] = (tmp_path / "instance" / "backups").iterdir()
    assert re.fullmatch(r"genother-\d{8}T\d{6}Z\.sqlite3", target.name)
    assert f"Backup written: {target}\n" in result.output
    assert f"({target.stat().st_size} bytes)" in result.output
    assert f"Alembic revision: {revision}\n" in result.output
    assert re.search(r"^  users +1$", result.output, re.MULTILINE)
    assert re.search(r"^  courses +1$", result.output, re.MULTILINE)
