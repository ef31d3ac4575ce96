"""Gunicorn settings for GenoTher Training: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

The web unit (deploy/genother-web.service) runs it behind nginx. The few values that differ
between machines come from the environment; the app's own settings are read by config.py.

    GUNICORN_BIND            address to listen on (127.0.0.1:8000: only nginx talks to gunicorn)
    WEB_CONCURRENCY          worker processes (2 x cores + 1, at most MAX_WORKERS)
    GUNICORN_THREADS         threads per worker (4)
    GUNICORN_TIMEOUT         seconds the master waits for a silent worker (60)
    FORWARDED_ALLOW_IPS      proxies whose X-Forwarded-Proto is believed (127.0.0.1,::1)
    GUNICORN_CONTROL_SOCKET  the `gunicornc` socket (systemd's $RUNTIME_DIRECTORY/gunicorn.ctl)
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger, SafeAtoms

# Each worker holds a whole copy of the app; past this count a bigger machine is better used
# by a second instance behind the same nginx upstream.
MAX_WORKERS = 9


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, MAX_WORKERS))
# Threads: a request mostly waits on PostgreSQL or Redis. Heavy work (bulk certificates,
# emails) goes to the Celery worker.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# How long the master waits for a silent worker before killing it. With gthread the worker's
# main loop keeps beating while a request runs, so the limit on a slow request is nginx's
# proxy_read_timeout (deploy/nginx.conf); the slowest is the API's synchronous bulk issue of a
# session's certificates (tens of milliseconds a certificate).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30  # a stop or reload lets requests in flight finish
# Longer than nginx's upstream keepalive_timeout, so nginx always closes an idle connection
# first and never sends a request on one gunicorn is closing.
keepalive = 75
# A restart now and then bounds any slow leak; the jitter keeps workers from restarting together.
max_requests = 2000
max_requests_jitter = 200
# The app is imported once in the master and forked: workers start in milliseconds and share
# memory. Safe because create_app() opens no connection (database, Redis and broker clients
# connect lazily, in each worker). The price: a code update needs `systemctl restart`, since
# a HUP reload would fork the old code again.
preload_app = True
# The heartbeat file is touched by every worker at every request: keep it in memory, not on
# a disk that may stall (gunicorn's "blocking os.fchmod" FAQ).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

_control_dir = os.environ.get("RUNTIME_DIRECTORY")  # set by the unit's RuntimeDirectory=
if os.environ.get("GUNICORN_CONTROL_SOCKET") or _control_dir:
    # Gunicorn >= 25.1 otherwise puts it in ~/.gunicorn/, which the unit makes read-only and
    # which two instances on one machine would share.
    control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or os.path.join(_control_dir, "gunicorn.ctl")

# One JSON object per line on stdout (the journal), like the app's own logs in production
# (training/logging.py); request_id is the app's X-Request-ID, which nginx sets.
accesslog = "-"
errorlog = "-"
access_log_format = json.dumps(
    {
        "time": "%(iso_time)s",
        "remote": "%(h)s",
        "forwarded_for": "%({x-forwarded-for}i)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "query": "%(q)s",
        "status": "%(s)s",
        "bytes": "%(b)s",
        "duration_ms": "%(M)s",
        "referer": "%(f)s",
        "user_agent": "%(a)s",
        "request_id": "%({x-request-id}o)s",
        "pid": "%(pid)s",
    }
)


class _JsonAtoms(SafeAtoms):
    """The access log's values escaped for JSON (SafeAtoms escapes only double quotes)."""

    def __init__(self, atoms):
        dict.__init__(
            self, {key: json.dumps(value)[1:-1] if isinstance(value, str) else value for key, value in atoms.items()}
        )


class JsonAccessLogger(Logger):
    """Gunicorn's logger, with access-log lines that stay valid JSON whatever a client sends."""

    atoms_wrapper_class = _JsonAtoms

    def atoms(self, resp, req, environ, request_time):
        """Gunicorn's atoms, the time in ISO 8601 (UTC) as the app's logs write it, the bare pid."""
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["iso_time"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        atoms["pid"] = str(os.getpid())
        return atoms


logger_class = JsonAccessLogger
