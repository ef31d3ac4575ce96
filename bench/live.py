"""A live server of the app (gunicorn on loopback) and a burst of simultaneous enrolments.

Used by the race tests and by bench/enrolment.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_group_cpu_seconds(group: int) -> float:
    """User + system CPU seconds used so far by the live processes of a process group (gunicorn's
    master and workers), read from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@contextmanager
def gunicorn(database_url: str, **options):
    """Serve the app on a free loopback port; yields the base URL. Stops the server on exit."""
    with gunicorn_server(database_url, **options) as (base_url, _group):
        yield base_url


@contextmanager
def gunicorn_server(
    database_url: str,
    *,
    workers: int = 4,
    threads: int = 4,
    locking: bool = True,
    log: Path | None = None,
    env: dict | None = None,
):
    """Serve the app on a free loopback port; yields (base URL, process group of the server).
    `env` adds to or overrides the server's environment. Stops the server on exit."""
    port = free_port()
    extra_env, env = (
        env,
        {
            **os.environ,
            "GENOTHER_ENV": "development",
            "DATABASE_URL": database_url,
            "MAIL_BACKEND": "log",
            "LOG_LEVEL": "WARNING",
            "DATABASE_LOCKING": "1" if locking else "0",
        },
    )
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra_env or {})
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [
            VENV_BIN / "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    try:
        _wait_until_up(port, server)
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if log:
            output.close()


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 15 s")


@dataclass
class Answer:
    status: int
    body: dict
    seconds: float


def post_json(url: str, token: str, body: dict, timeout: float = 60) -> Answer:
    """POST a JSON body with a bearer token; never raises on an HTTP error status."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"), time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"raw": raw.decode(errors="replace")[:500]}
        return Answer(error.code, body, time.perf_counter() - started)


def at_once(calls: list) -> list:
    """Run every call at the same instant (threads released by a barrier); their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def simultaneous_enrolments(base_url: str, session_id: int, tokens: list[str]) -> list[Answer]:
    """Every token enrols in the session at the same instant."""
    url = f"{base_url}/api/v1/sessions/{session_id}/enrolments"
    return at_once([lambda token=token: post_json(url, token, {"acknowledge_prerequisites": True}) for token in tokens])
