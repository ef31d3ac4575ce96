"""Time the heavy pages and exports on ten years of data, at several sizes of the office.

    .venv/bin/python -m bench.pages [--factors 1,10] [--repeat 5] [--keep] [--url URL] [--only WORDS] [--skip WORDS]

For each factor: a scratch PostgreSQL database (prefix genother_scale_), migrated and filled by
`bench.scale_data`, then the app (`create_app("development")`) in this process, the named admin,
trainer and learner signed in through the sign-in form. Each page of `bench.page_targets` is
asked --repeat times: median and max time, the SQL statements it ran (a `before_cursor_execute`
listener), and for downloads the time to the first chunk of the body, the size, whether it
came in chunks (streamed) and, in one more request under tracemalloc, the peak of Python
memory. The goal: every page under 300 ms; every export streamed, first byte under 300 ms.
`--url` measures an already filled database instead (nothing created nor dropped); `--keep`
leaves the scratch databases behind and prints their URLs.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench.enrolment import DEFAULT_SERVER, scratch_database
from bench.page_targets import ROLES, Target, targets
from bench.scale_data import PASSWORD, fill, migrate

GOAL_MS = 300.0


@dataclass
class Measure:
    """What the runs of one target gave."""

    target: Target
    status: int = 0
    times: list[float] = field(default_factory=list)  # ms, whole response read
    first_bytes: list[float] = field(default_factory=list)  # ms, first chunk of the body
    statements: list[int] = field(default_factory=list)
    size: int = 0
    chunks: int = 0
    peak_mib: float | None = None

    @property
    def streamed(self) -> bool:
        return self.chunks > 1

    def verdict(self) -> str:
        """Whether the target meets the goal, and if not, by what."""
        median = statistics.median(self.times)
        if self.status != 200:
            return f"FAILS: answered {self.status}"
        if not self.target.export:
            return "meets the goal" if median < GOAL_MS else f"misses: median {median:.0f} ms >= {GOAL_MS:.0f} ms"
        first = statistics.median(self.first_bytes)
        problems = [f"first byte {first:.0f} ms >= {GOAL_MS:.0f} ms"] if first >= GOAL_MS else []
        if not self.streamed:
            problems.append("not streamed (one chunk)")
        return "meets the goal" if not problems else "misses: " + ", ".join(problems)


class StatementCounter:
    """Counts the SQL statements sent through an engine while attached."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def signed_in_clients(app) -> dict:
    """A test client per role, each signed in through the sign-in form (CSRF token and all)."""
    from tests.helpers import csrf_token

    clients = {"anonymous": app.test_client()}
    for role, email in ROLES.items():
        client = app.test_client()
        answer = client.post(
            "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{email} could not sign in: {answer.status_code}")
        clients[role] = client
    return clients


def ask(client, path: str, counter: StatementCounter) -> tuple[int, float, float, int, int, int]:
    """One request, its body read chunk by chunk: status, ms to the first chunk and to the end,
    statements, bytes and chunks."""
    before = counter.count
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    first = None
    size = chunks = 0
    for chunk in response.response:
        if first is None:
            first = time.perf_counter()
        size += len(chunk)
        chunks += 1
    ended = time.perf_counter()
    response.close()
    first = first or ended
    return (
        response.status_code,
        (first - started) * 1000,
        (ended - started) * 1000,
        counter.count - before,
        size,
        chunks,
    )


def peak_memory(client, path: str, counter: StatementCounter) -> float:
    """MiB of Python memory at the peak of one request, its body read to the end."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        ask(client, path, counter)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def chosen(only: list[str], skip: list[str]) -> list[Target]:
    """The targets whose name has a word of `only` (all when empty) and none of `skip`."""
    return [
        t
        for t in targets()
        if (not only or any(word in t.name for word in only)) and not any(word in t.name for word in skip)
    ]


def measure(url: str, repeat: int, only: list[str], skip: list[str]) -> list[Measure]:
    """The chosen targets on the filled database at `url`."""
    from training import create_app
    from training.extensions import db

    # The rate limits would refuse the repeated sign-ins and verifications: they are not timed here.
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "log", "RATELIMIT_ENABLED": False})
    with app.app_context():
        asked = chosen(only, skip)
        counter = StatementCounter(db.engine)
    clients = signed_in_clients(app)
    results = []
    for target in asked:
        result = Measure(target)
        for _ in range(repeat):
            result.status, first, total, statements, result.size, result.chunks = ask(
                clients[target.role], target.path, counter
            )
            result.first_bytes.append(first)
            result.times.append(total)
            result.statements.append(statements)
        if target.export:
            result.peak_mib = peak_memory(clients[target.role], target.path, counter)
        print(f"  {target.name:<34} {statistics.median(result.times):9.0f} ms", flush=True)
        results.append(result)
    with app.app_context():
        db.engine.dispose()
    return results


def report(label: str, results: list[Measure]) -> None:
    """One table, then one line per target saying whether it meets the goal."""
    print(f"\n== {label}")
    print(
        f"{'page':<34} {'status':>6} {'median ms':>10} {'max ms':>9} {'SQL':>6} "
        f"{'1st byte ms':>12} {'size KiB':>10} {'chunks':>7} {'peak MiB':>9}"
    )
    for r in results:
        first = f"{statistics.median(r.first_bytes):.0f}" if r.target.export else ""
        peak = f"{r.peak_mib:.1f}" if r.peak_mib is not None else ""
        statements = (
            max(r.statements) if min(r.statements) == max(r.statements) else f"{min(r.statements)}-{max(r.statements)}"
        )
        print(
            f"{r.target.name:<34} {r.status:>6} {statistics.median(r.times):>10.0f} {max(r.times):>9.0f} "
            f"{statements:>6} {first:>12} {r.size / 1024:>10.0f} {r.chunks:>7} {peak:>9}"
        )
    print()
    for r in results:
        print(f"{r.target.name:<34} {r.verdict()}")


@contextmanager
def filled_database(server: str, factor: float, keep: bool) -> Iterator[str]:
    """A scratch database filled at `factor`, dropped afterwards unless `keep`."""
    url, drop = scratch_database(server, prefix="genother_scale_")
    try:
        migrate(url)
        fill(url, factor)
        yield url
    finally:
        if keep:
            print(f"kept: {url}")
        else:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,10", help="comma-separated sizes, 1 = ten years of a busy office")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", help="measure this already filled database instead")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch databases")
    parser.add_argument("--only", default="", help="comma-separated words: only the targets whose name has one")
    parser.add_argument("--skip", default="", help="comma-separated words: skip the targets whose name has one")
    parser.add_argument("--server-url", default=DEFAULT_SERVER)
    args = parser.parse_args()
    only, skip = ([word for word in words.split(",") if word] for words in (args.only, args.skip))
    if args.url:
        report(args.url.rsplit("/", 1)[-1], measure(args.url, args.repeat, only, skip))
        return
    for factor in (float(f) for f in args.factors.split(",")):
        with filled_database(args.server_url, factor, args.keep) as url:
            report(f"factor {factor:g}", measure(url, args.repeat, only, skip))


if __name__ == "__main__":
    main()
