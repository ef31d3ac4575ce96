"""Ten years of a busy training office, inserted in bulk SQL into an empty, migrated PostgreSQL database.

    .venv/bin/python -m bench.scale_data --url postgresql+psycopg://postgres@127.0.0.1:5432/DB [--factor 1]

At factor 1: about 300 courses, 5,000 sessions (the last few months ahead of today), 50,000
half-day slots, 40,000 learners, 200 trainers, 3 admins, 200,000 enrolments, 1.5 M attendance
marks, 150,000 certificates and 1 M audit rows. Every table is filled by a few set-based
statements (`INSERT ... SELECT ... FROM generate_series`), so the database does the work; the
same factor on the same day gives the same rows (no randomness, only arithmetic on row numbers).

Three named accounts, all with the password `PASSWORD`, carry a constant load whatever the
factor, so their pages measure how lookups scale with the tables rather than with their own
history: `ADMIN_EMAIL`, `TRAINER_EMAIL` (about 385 sessions) and `LEARNER_EMAIL` (about 200
enrolments). Learners' signatures of their half-days are not generated (their hash binds text
the app formats in Python); trainers' sign-offs are, as the migration left the older ones: the
signer's name, without meaning or hash.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from bench.scale_sql import (
    AUDIT,
    CERTIFICATES,
    COURSES,
    ENROLMENTS,
    EVIDENCE,
    KEPT_TOTALS,
    MARKS,
    RECENT_SLOTS,
    SESSIONS,
    SIGNOFFS,
    USERS,
)

PASSWORD = "scale-bench-password"
ADMIN_EMAIL = "admin@scale.example.org"
TRAINER_EMAIL = "trainer@scale.example.org"
LEARNER_EMAIL = "learner@scale.example.org"
ADMINS = 3

# The named trainer teaches one session in TRAINER_STRIDE, the named learner attends one in
# LEARNER_STRIDE (times the factor, so their own load stays the same at every factor).
TRAINER_STRIDE = 13
LEARNER_STRIDE = 25

TOPICS = (
    "Vecteurs AAV",
    "Vecteurs lentiviraux",
    "Thérapie génique ex vivo",
    "Édition du génome CRISPR",
    "Bioproduction GMP",
    "Contrôle qualité des lots",
    "Salle blanche et habillage",
    "Affaires réglementaires",
    "Essais cliniques de phase I",
    "Création de start-up biotech",
    "Propriété intellectuelle",
    "Thérapies cellulaires CAR-T",
)
LEVEL_WORDS = ("les bases", "approfondissement", "expertise")


@dataclass(frozen=True)
class Sizes:
    """How many of each root row a factor gives; everything else follows from them."""

    courses: int
    sessions: int
    trainers: int
    learners: int
    trainer_stride: int
    learner_stride: int
    recent_sessions: int

    @classmethod
    def of(cls, factor: float) -> Sizes:
        stride = max(factor, 1.0)
        return cls(
            courses=max(3, round(300 * factor)),
            sessions=max(6, round(5000 * factor)),
            trainers=max(10, round(200 * factor)),
            learners=max(60, round(40_000 * factor)),
            trainer_stride=round(TRAINER_STRIDE * stride),
            learner_stride=round(LEARNER_STRIDE * stride),
            recent_sessions=max(2, round(40 * factor)),
        )


def course_rows(count: int) -> dict[str, list]:
    """Titles and their folded search text, as arrays for one `unnest` insert."""
    from training.text import fold

    titles = [f"{TOPICS[n % len(TOPICS)]} : {LEVEL_WORDS[n // len(TOPICS) % 3]} (module {n + 1})" for n in range(count)]
    summary = "De la paillasse à la salle blanche : méthodes, contrôles et documentation."
    objectives = "Concevoir un protocole\nProduire un lot conforme\nDocumenter pour l'audit"
    return {
        "titles": titles,
        "search": [fold(f"{title} {summary} {objectives}") for title in titles],
        "summary": summary,
        "objectives": objectives,
    }


def evidence_meanings(conn: sa.Connection) -> dict[str, list]:
    """What the recent half-days' signatures and sign-offs mean, worded by the app's own functions."""
    from types import SimpleNamespace

    from training.attendance.models import MarkStatus
    from training.attendance.signatures import mark_meaning, signoff_meaning

    found: dict[str, list] = {"slot_ids": [], "present": [], "late": [], "signoff": []}
    for slot_id, starts_at, ends_at, title, language, learners in conn.execute(sa.text(RECENT_SLOTS)):
        # The meaning functions read only the times and the course title: no ORM object needed.
        course = SimpleNamespace(title=title)
        slot = SimpleNamespace(starts_at=starts_at, ends_at=ends_at, session=SimpleNamespace(course=course))
        found["slot_ids"].append(slot_id)
        found["present"].append(mark_meaning(slot, MarkStatus.PRESENT, language))
        found["late"].append(mark_meaning(slot, MarkStatus.LATE, language))
        found["signoff"].append(signoff_meaning(slot, learners, language))
    return found


Params = dict | Callable[[sa.Connection], dict]


def steps(sizes: Sizes, password_hash: str) -> list[tuple[str, str, Params]]:
    """The fill, in order: (table, SQL, parameters or the function that reads them from the rows so far)."""
    first_learner = ADMINS + sizes.trainers + 1
    common = {
        "admins": ADMINS,
        "trainers": sizes.trainers,
        "learners": sizes.learners,
        "first_learner": first_learner,
        "courses": sizes.courses,
        "sessions": sizes.sessions,
        "named_trainer": ADMINS + 1,
        "named_learner": first_learner,
        "trainer_stride": sizes.trainer_stride,
        "learner_stride": sizes.learner_stride,
        "recent_sessions": sizes.recent_sessions,
        "admin_email": ADMIN_EMAIL,
    }
    users = {
        **common,
        "password_hash": password_hash,
        "trainer_email": TRAINER_EMAIL,
        "learner_email": LEARNER_EMAIL,
    }
    return [
        ("users", USERS, users),
        ("courses", COURSES, {**common, **course_rows(sizes.courses)}),
        ("sessions", SESSIONS, common),
        ("enrolments", ENROLMENTS, common),
        ("attendance_marks", MARKS, common),
        ("slot_signoffs", SIGNOFFS, common),
        ("attendance_signatures", EVIDENCE, evidence_meanings),
        ("certificates", CERTIFICATES, common),
        ("audit_log", AUDIT, common),
    ]


COUNTED = (
    "users",
    "courses",
    "sessions",
    "slots",
    "session_trainers",
    "enrolments",
    "attendance_marks",
    "slot_signoffs",
    "attendance_signatures",
    "certificates",
    "audit_log",
)
SEQUENCES = ("users", "courses", "sessions")
# Their triggers keep totals row by row (training/attendance/totals.py): off for the bulk insert.
TRIGGERED = ("attendance_marks", "slot_signoffs")


def fill(url: str, factor: float = 1.0, verbose: bool = True) -> dict[str, int]:
    """Fill the empty, migrated database at `url`; returns the row count of each table."""
    from training import create_app
    from training.accounts.models import User

    sizes = Sizes.of(factor)
    password_hash = User.hash_password(PASSWORD)
    engine = sa.create_engine(url)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log"})
    started = time.perf_counter()
    try:
        with app.app_context(), engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL TIME ZONE 'UTC'"))
            conn.execute(sa.text("CREATE TEMP TABLE fill_clock AS SELECT date_trunc('day', now()) AS today"))
            for table in TRIGGERED:
                conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            for table, sql, given in steps(sizes, password_hash):
                begun = time.perf_counter()
                params = given(conn) if callable(given) else given
                for statement in sql.split(";\n\n"):
                    conn.execute(sa.text(statement), params)
                # Statistics of the rows so far, or the next steps' joins are planned blind (at factor 10
                # the evidence step ran for over ten minutes without them).
                conn.execute(sa.text("ANALYZE"))
                if verbose:
                    print(f"  {table:<18} {time.perf_counter() - begun:7.1f} s", flush=True)
            for table in TRIGGERED:
                conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            begun = time.perf_counter()
            for statement in KEPT_TOTALS.split(";\n\n"):
                conn.execute(sa.text(statement))
            if verbose:
                print(f"  {'kept totals':<18} {time.perf_counter() - begun:7.1f} s", flush=True)
            for table in SEQUENCES:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # As autovacuum leaves a database of ten years: statistics, and visibility maps that let
            # PostgreSQL read an index alone (without them an index-only scan visits the table too,
            # and the planner prefers reading every attendance mark). The machine's server may run
            # with autovacuum off, so it is done here.
            conn.execute(sa.text("VACUUM (ANALYZE)"))
            counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}
    finally:
        engine.dispose()
    if verbose:
        for table, count in counts.items():
            print(f"{table:<18} {count:>12,}")
        print(f"filled at factor {factor:g} in {time.perf_counter() - started:.1f} s ({datetime.now(UTC):%Y-%m-%d})")
    return counts


def migrate(url: str) -> None:
    """Build the schema at `url` through the migrations, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    from training import create_app
    from training.extensions import db

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty PostgreSQL database (migrated here if it has no tables)")
    parser.add_argument("--factor", type=float, default=1.0)
    args = parser.parse_args()
    engine = sa.create_engine(args.url)
    with engine.connect() as conn:
        migrated = sa.inspect(conn).has_table("users")
    engine.dispose()
    if not migrated:
        migrate(args.url)
    fill(args.url, args.factor)


if __name__ == "__main__":
    main()
