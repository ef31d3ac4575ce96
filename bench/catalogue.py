"""Catalogue throughput against a bare Flask view of the same app, measured in one run.

    .venv/bin/python -m bench.catalogue [--database-url URL] [--rounds 5] [--seconds 5]

Seeds 200 courses with 2,000 sessions (a fresh SQLite file unless --database-url names an
empty PostgreSQL database), serves the app with gunicorn (sync workers) on loopback, and
loads the catalogue page, the API list and the bare view with wrk, interleaved round by
round (bare, page, API, bare, page, API, ...). Prints requests per second, p50 and p99
latency and server CPU per request for each, as medians over the rounds, and the ratios
to the bare view (the goal is a catalogue page at no less than half the bare view).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TARGETS = {"bare": "/_bench/bare", "catalogue": "/courses", "api": "/api/v1/courses"}


def prepare_database(url: str | None) -> str:
    """Migrate and seed the database; return its URL."""
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='genother-bench-')}/bench.sqlite"
    env = {**os.environ, "DATABASE_URL": url, "GENOTHER_ENV": "development"}
    subprocess.run(
        [VENV_BIN / "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    code = (
        "from bench.catalogue_data import seed; from bench.bench_app import app\nwith app.app_context(): seed(200, 10)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return url


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn with sync workers (keep-alive piles connections on one gthread worker)."""
    env = {**os.environ, "DATABASE_URL": url, "GENOTHER_ENV": "development", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            VENV_BIN / "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_app:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/bare", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User plus system CPU time of the gunicorn master and its workers."""
    pids = [server.pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    ]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def wrk(port: int, path: str, seconds: int, connections: int) -> dict:
    """One wrk run: requests per second, p50 and p99 in milliseconds, non-2xx count."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
        "requests": int(re.search(r"(\d+) requests in", out)[1]),
        "errors": int(errors[1]) if errors else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(server, port: int, rounds: int, seconds: int, connections: int) -> dict[str, list[dict]]:
    """Interleaved rounds over every target, with server CPU per request."""
    results: dict[str, list[dict]] = {name: [] for name in TARGETS}
    for path in TARGETS.values():  # warm-up
        wrk(port, path, 1, connections)
    for _ in range(rounds):
        for name, path in TARGETS.items():
            cpu_before = server_cpu_seconds(server)
            run = wrk(port, path, seconds, connections)
            run["cpu_ms"] = 1000 * (server_cpu_seconds(server) - cpu_before) / max(run["requests"], 1)
            results[name].append(run)
    return results


def report(results: dict[str, list[dict]]) -> None:
    """Print medians and ratios to the bare view."""
    median = {
        name: {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99", "cpu_ms")}
        for name, runs in results.items()
    }
    print(f"{'target':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'vs bare':>8}")
    for name, m in median.items():
        ratio = m["rps"] / median["bare"]["rps"]
        print(f"{name:<10} {m['rps']:>9.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['cpu_ms']:>11.2f} {ratio:>8.2f}")
    errors = sum(r["errors"] for runs in results.values() for r in runs)
    print(f"non-2xx responses: {errors}; rounds: {len(results['bare'])}; medians shown")
    goal = median["catalogue"]["rps"] / median["bare"]["rps"]
    print(f"catalogue page / bare view throughput: {goal:.2f} (goal: at least 0.50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database to seed (default: a new SQLite file)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5098)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    url = prepare_database(args.database_url)
    server = start_server(url, args.port, args.workers)
    try:
        report(measure(server, args.port, args.rounds, args.seconds, args.connections))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
