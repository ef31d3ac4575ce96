"""Enrolment throughput under contention, and proof that nothing is oversold.

    .venv/bin/python -m bench.enrolment [--server-url URL] [--clients 50] [--sessions 20] [--seats 5]

Creates a scratch PostgreSQL database on the server (dropped afterwards), migrates it,
schedules SESSIONS sessions of SEATS seats, and serves the app with gunicorn (4 gthread
workers) on loopback. CLIENTS threads, one learner each with an API token, start together
and each enrols in every session in its own shuffled order. Prints enrolments per second,
p50 and p99 latency, non-201 answers and the oversell count (confirmed beyond capacity,
summed over sessions), which must be 0.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import uuid

import sqlalchemy as sa

from bench.live import gunicorn, post_json

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def scratch_database(server_url: str, prefix: str = "genother_bench_", name: str = "") -> tuple[str, callable]:
    """A new empty database (`name`, or `prefix` and a random suffix) and the function that drops it."""
    name = name or f"{prefix}{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return server_url.rsplit("/", 1)[0] + f"/{name}", drop


def prepare(url: str, clients: int, sessions: int, seats: int) -> tuple[list[int], list[str]]:
    """Migrate, then make the sessions and the learners' tokens."""
    from datetime import date, timedelta

    from flask_migrate import upgrade

    from tests import factories
    from training import create_app
    from training.accounts.services import create_api_token
    from training.extensions import db

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log"})
    with app.app_context():
        upgrade()
        factories.bind(db.session)
        ids = [
            factories.SessionFactory(capacity=seats, day=date.today() + timedelta(days=30 + n)).id
            for n in range(sessions)
        ]
        tokens = [
            create_api_token(factories.UserFactory(email=f"bench{n:03d}@example.org"), "bench")[1]
            for n in range(clients)
        ]
        db.session.commit()
        db.engine.dispose()
    return ids, tokens


def run(base_url: str, session_ids: list[int], tokens: list[str]) -> tuple[list, float]:
    """Every client enrols in every session, all starting at once; returns answers and seconds."""
    barrier = threading.Barrier(len(tokens) + 1)
    answers: list = []
    lock = threading.Lock()

    def client(index: int, token: str) -> None:
        order = random.Random(index).sample(session_ids, len(session_ids))
        barrier.wait()
        for session_id in order:
            answer = post_json(
                f"{base_url}/api/v1/sessions/{session_id}/enrolments", token, {"acknowledge_prerequisites": True}
            )
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def oversold(url: str) -> int:
    """Confirmed enrolments beyond capacity, summed over sessions."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.capacity, count(e.id) FROM sessions s LEFT JOIN enrolments e "
                "ON e.session_id = s.id AND e.status = 'confirmed' GROUP BY s.id, s.capacity"
            )
        ).all()
    engine.dispose()
    return sum(max(0, confirmed - capacity) for capacity, confirmed in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default=DEFAULT_SERVER)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seats", type=int, default=5)
    args = parser.parse_args()
    url, drop = scratch_database(args.server_url)
    try:
        session_ids, tokens = prepare(url, args.clients, args.sessions, args.seats)
        with gunicorn(url) as base_url:
            answers, seconds = run(base_url, session_ids, tokens)
        latencies = sorted(a.seconds * 1000 for a in answers)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        print(
            f"clients {args.clients}, sessions {args.sessions} x {args.seats} seats, "
            f"enrolments {len(answers)} in {seconds:.2f} s"
        )
        print(
            f"enrolments/s {len(answers) / seconds:.0f}   p50 {statistics.median(latencies):.1f} ms   p99 {p99:.1f} ms"
        )
        print(f"non-201 answers {sum(a.status != 201 for a in answers)}   oversold {oversold(url)}")
    finally:
        drop()


if __name__ == "__main__":
    main()
