"""The processes of a production deployment, started for real on loopback: `flask db upgrade`,
gunicorn with deploy/gunicorn.conf.py, and Celery workers, each in a process group of its own
with its stdout and stderr kept in files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.live import ROOT, VENV_BIN, free_port

GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "production-test-secret-key-shared-by-every-instance"
INHERITED = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ"}


def app_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment every process of one deployment shares (the systemd units' EnvironmentFile).

    Development, not production: production sets Secure cookies, which a client never sends over
    the plain HTTP these tests speak. What two instances must share is set as in production:
    one SECRET_KEY, one database, one Redis for cache, rate limits and the Celery broker.
    """
    # Like a unit's environment: only what is written here, whatever the test runner's shell holds.
    env = {key: value for key, value in os.environ.items() if key in INHERITED}
    return {
        **env,
        "GENOTHER_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "MAIL_BACKEND": "log",
        "LOG_LEVEL": "WARNING",
        "BASE_URL": "http://training.test",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def flask_db_upgrade(env: dict[str, str]) -> None:
    """Build the schema as an operator does: `flask --app wsgi db upgrade`."""
    result = subprocess.run(
        [VENV_BIN / "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{result.stderr[-3000:]}")


@dataclass
class Process:
    """A started process, leader of its own process group, and where its output goes."""

    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path
    stop_timeout: float = 20

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        """Everything it wrote so far, stdout then stderr."""
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the main process and the children it forked)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def stop(self) -> None:
        """Stop as systemd's KillMode=mixed does: SIGTERM to the main process only (gunicorn's
        master and Celery's main process stop their children gracefully), SIGKILL to what is
        left of the group after `stop_timeout` seconds."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill_group(signal.SIGKILL)
        self.popen.wait(timeout=10)


@contextlib.contextmanager
def running(name: str, args: list, env: dict[str, str], logs: Path, stop_timeout: float = 20):
    """Start `args` in a new session (so its group can be killed), stop it on exit."""
    stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
    process = Process(name, popen, stdout, stderr, stop_timeout)
    try:
        yield process
    finally:
        process.stop()


@dataclass
class Instance:
    """One gunicorn serving the app: its base URL and its process."""

    url: str
    process: Process


@contextlib.contextmanager
def gunicorn(name: str, env: dict[str, str], logs: Path):
    """gunicorn with the deployment's configuration file on a free loopback port; yields an
    Instance at once (see `wait_until_serving`) and stops the server on exit."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_CONTROL_SOCKET": str(logs / f"{name}.ctl")}
    with running(name, [VENV_BIN / "gunicorn", "-c", GUNICORN_CONF, "wsgi:app"], env, logs) as process:
        yield Instance(f"http://127.0.0.1:{port}", process)


def wait_until_serving(instance: Instance, timeout: float = 30) -> None:
    """Poll /healthz until it answers 200; fail with the server's output if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.popen.poll() is not None:
            raise RuntimeError(f"{instance.process.name} exited:\n{instance.process.output()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{instance.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"{instance.process.name} did not answer within {timeout} s:\n{instance.process.output()[-3000:]}"
    )


def celery_worker(
    name: str, env: dict[str, str], logs: Path, *, app: str = "training.celery_worker", concurrency: int = 2
) -> contextlib.AbstractContextManager[Process]:
    """A Celery worker as the worker unit runs it (prefork pool), under its own node name.

    Stopping it may end with SIGKILL: at a warm shutdown a pool process sometimes waits up to
    30 s for the main process to count its last results (billiard's _ensure_messages_consumed).
    The tests have checked the database by then, and nothing is lost: tasks are acknowledged
    only when done (acks_late)."""
    return running(
        name,
        [
            VENV_BIN / "celery",
            "-A",
            app,
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        env,
        logs,
        stop_timeout=8,
    )


def wait_until_ready(worker: Process, timeout: float = 30) -> None:
    """Wait for the worker's "ready." line: it consumes from the broker from then on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.popen.poll() is not None:
            raise RuntimeError(f"{worker.name} exited:\n{worker.output()[-3000:]}")
        if " ready." in worker.stderr.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{worker.name} was not ready within {timeout} s:\n{worker.output()[-3000:]}")


def children(pid: int) -> list[int]:
    """The processes `pid` forked (for a Celery worker: its pool processes)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]
