"""`flask backup`: a consistent, checked copy of the SQLite database, taken while the app runs.

The copy comes from SQLite's online backup API in a single step, inside a read transaction
on the source. In WAL mode (training/database.py) a reader never blocks writers, so requests
keep committing while the copy is made and the copy is the database as it was when that read
transaction started. A stepped copy (`pages=N` with a sleep between steps) would not be kinder:
its read lock already does not hold writers back, and SQLite restarts a stepped backup from the
first page whenever another connection writes between two steps, so under steady writes it
might never end.

The copy is written to a hidden file beside the target, checked (integrity_check,
foreign_key_check, alembic revision and row counts equal to the source's in the same snapshot)
and only then renamed into place, so a failed or interrupted backup leaves no file that looks
like a backup. PostgreSQL is backed up with pg_dump; the command says how.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from training.extensions import db

MAIN_TABLES = ("users", "courses", "sessions", "enrolments", "attendance_marks", "certificates", "audit_log")
BUSY_TIMEOUT_MS = 5000
MAX_PROBLEMS_SHOWN = 5


class BackupError(Exception):
    """A refused or failed backup; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    """What a finished backup holds: where it is, how big, which schema revision, how many rows."""

    path: Path
    size_bytes: int
    revision: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Snapshot:
    revision: str
    counts: dict[str, int]


def backup_sqlite(
    source_path: str | os.PathLike, target_path: str | os.PathLike, overwrite: bool = False
) -> BackupReport:
    """Copy the SQLite database at `source_path` to `target_path`, check the copy, then rename it into place."""
    source, target = Path(source_path), Path(target_path)
    _refuse_bad_paths(source, target, overwrite)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        expected = _copy(source, partial)
        _check(partial, expected)
        _fsync(partial)
        _move_into_place(partial, target, overwrite)
    finally:
        _remove_with_sidecars(partial)
    return BackupReport(target, target.stat().st_size, expected.revision, expected.counts)


def _refuse_bad_paths(source: Path, target: Path, overwrite: bool) -> None:
    if not source.is_file():
        raise BackupError(f"there is no database file at {source}")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself; choose another file")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose another name or pass --overwrite to replace it")


def _copy(source: Path, partial: Path) -> _Snapshot:
    """Copy `source` into `partial` in one backup step and return what the source held at that moment."""
    source_db = _connect(source)
    copy_db = _connect(partial)
    try:
        # One read transaction: the counts and the copied pages come from the same snapshot,
        # as sqlite3_backup_step reuses a read transaction already open on its source.
        source_db.execute("BEGIN")
        snapshot = _read_snapshot(source_db, source)
        source_db.backup(copy_db)
        source_db.execute("COMMIT")
        # The copy inherits WAL mode from the source; make it one self-contained file.
        copy_db.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"could not read {source}: {error}; nothing was written") from error
    finally:
        source_db.close()
        copy_db.close()
    return snapshot


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


def _read_snapshot(connection: sqlite3.Connection, path: Path) -> _Snapshot:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    missing = [t for t in ("alembic_version", *MAIN_TABLES) if t not in tables]
    if missing:
        raise BackupError(
            f"{path} is not a migrated GenoTher database (no table {', '.join(missing)}); run `flask db upgrade` first"
        )
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    counts = {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in MAIN_TABLES}
    return _Snapshot(revision[0] if revision else "", counts)


def _check(partial: Path, expected: _Snapshot) -> None:
    """Raise BackupError unless the copy is sound and holds what the source held."""
    connection = _connect(partial)
    try:
        problems = _problems(connection, expected)
    except sqlite3.DatabaseError as error:
        problems = [f"the copy cannot be read: {error}"]
    finally:
        connection.close()
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise BackupError(f"the copy failed its check: {shown}{more}; nothing was written")


def _problems(connection: sqlite3.Connection, expected: _Snapshot) -> list[str]:
    integrity = _integrity_check(connection)
    if integrity != ["ok"]:
        return [f"integrity_check: {line}" for line in integrity]
    problems = [
        f"foreign_key_check: {table} row {rowid} points to a missing {parent} row"
        for table, rowid, parent, _fk in connection.execute("PRAGMA foreign_key_check")
    ]
    found = _read_snapshot(connection, Path("the copy"))
    if found.revision != expected.revision:
        problems.append(f"alembic revision {found.revision!r} differs from the source's {expected.revision!r}")
    problems += [
        f"{table}: {found.counts[table]} rows, the source had {count}"
        for table, count in expected.counts.items()
        if found.counts[table] != count
    ]
    return problems


def _integrity_check(connection: sqlite3.Connection) -> list[str]:
    """The lines of `PRAGMA integrity_check`, which raises instead on some damage."""
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    # A row may hold several lines under a "*** in database main ***" heading.
    return [line for (text,) in rows for line in text.splitlines() if not line.startswith("***")]


def _fsync(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _move_into_place(partial: Path, target: Path, overwrite: bool) -> None:
    """Rename atomically; without `overwrite`, a hard link refuses a target created meanwhile."""
    if overwrite:
        os.replace(partial, target)
    else:
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupError(f"{target} appeared during the backup; nothing was replaced") from None
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_with_sidecars(partial: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


# ---------------------------------------------------------------- command line


def sqlite_path(url: sa.engine.URL, now: datetime) -> Path:
    """The file of a SQLite database URL; refuse other databases, saying what to use instead."""
    if url.get_backend_name() == "postgresql":
        plain = sa.engine.URL.create(
            "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
        ).render_as_string()
        raise BackupError(
            "flask backup copies SQLite databases only; back PostgreSQL up with pg_dump "
            "(the password comes from PGPASSWORD or ~/.pgpass):\n"
            f"  pg_dump --format=custom --file={_stamped('dump', now)} {shlex.quote(plain)}"
        )
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"flask backup copies SQLite databases only, not {url.get_backend_name()}")
    if url.database in (None, "", ":memory:"):
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(url.database)


def _stamped(extension: str, now: datetime) -> str:
    return f"genother-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.{extension}"


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace TARGET when it already exists.")
@with_appcontext
def backup_command(target: Path | None, overwrite: bool) -> None:
    """Write a consistent, checked copy of the SQLite database while the app keeps running.

    TARGET defaults to instance/backups/genother-<UTC timestamp>.sqlite3.
    """
    now = datetime.now(UTC)
    try:
        source = sqlite_path(db.engine.url, now)
        if target is None:
            target = Path(current_app.instance_path) / "backups" / _stamped("sqlite3", now)
            target.parent.mkdir(parents=True, exist_ok=True)
        report = backup_sqlite(source, target, overwrite=overwrite)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    _echo_report(report)


def _echo_report(report: BackupReport) -> None:
    click.echo(f"Backup written: {report.path.resolve()}")
    click.echo(f"Size: {_human_size(report.size_bytes)} ({report.size_bytes} bytes)")
    click.echo(f"Alembic revision: {report.revision}")
    click.echo("Rows:")
    width = max(len(table) for table in report.counts)
    for table, count in report.counts.items():
        click.echo(f"  {table:<{width}}  {count:>9}")
    click.echo("Checked: integrity_check ok, no foreign key violation, the same revision and row counts as the source.")


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"
