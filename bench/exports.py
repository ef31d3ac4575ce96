"""First byte, total time and peak memory of the CSV exports, and the audit log page's timings.

    .venv/bin/python -m bench.exports --database-url URL [--runs 3] [--only attendance,audit.csv] [--first-byte]

Reads a filled PostgreSQL database (bench/scale_data.py, or a copy of one) and runs the admin
views in process, as a signed-in administrator, with no HTTP in between. Each download runs in
a fresh process, so its peak memory (the rise of the process's maximum resident set over its
size before the request) is its own; the first byte is the first chunk of the body. Prints the
medians over the runs. Run it from another checkout's root to measure that code (the views are
imported from the working directory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DOWNLOADS = {
    "enrolments (all)": "/admin/exports/enrolments.csv?from=2000-01-01&to=2100-12-31",
    "attendance (all)": "/admin/exports/attendance.csv?from=2000-01-01&to=2100-12-31",
    "certificates (all)": "/admin/exports/certificates.csv?from=2000-01-01&to=2100-12-31",
    "attendance (one year)": "/admin/exports/attendance.csv?from=2024-01-01&to=2024-12-31",
    "audit.csv (all)": "/admin/audit.csv",
}
PAGES = {
    "audit: no filter": "",
    "audit: page 50": "page=50",
    "audit: object type": "object_type={object_type}",
    "audit: one object's history": "object_type={object_type}&object_id={object_id}",
    "audit: common action": "action={common_action}",
    "audit: rare action": "action={rare_action}",
    "audit: action family": "action={family}",
    "audit: actor, one user": "actor={one_actor}",
    "audit: actor, a domain": "actor={domain}",
    "audit: one month": "from=2024-03-01&to=2024-03-31",
}


def _app(database_url: str):
    sys.path.insert(0, os.getcwd())
    from training import create_app

    return create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ECHO": False})


def _admin(app):
    import sqlalchemy as sa

    from training.accounts.models import User, UserRole
    from training.extensions import db

    query = sa.select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == "admin").limit(1)
    return db.session.scalars(query).one()


def _request(app, url: str, first_only: bool = False) -> tuple[int, float, float]:
    """Status, seconds to the first body chunk and seconds to the last, for `url` as the admin;
    with `first_only`, the download is closed after its first chunk (the last is the first)."""
    from flask_login import login_user

    with app.app_context():
        admin = _admin(app)
        with app.test_request_context(url):
            login_user(admin)
            start = time.perf_counter()
            response = app.full_dispatch_request()
            chunks = iter(response.response)
            next(chunks, None)
            first = time.perf_counter() - start
            for _chunk in () if first_only else chunks:
                pass
            total = time.perf_counter() - start
            response.close()
    return response.status_code, first, total


def one_download(database_url: str, url: str, first_only: bool = False) -> None:
    """Run one download in this process and print its figures as JSON (the child's side)."""
    app = _app(database_url)
    _request(app, "/admin/exports")  # warm: imports, connection, templates
    before = _rss_kib()
    status, first, total = _request(app, url, first_only)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": status, "first": first, "total": total, "peak_mib": (peak - before) / 1024}))


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _download(database_url: str, url: str, first_only: bool = False) -> dict:
    command = [sys.executable, "-m", "bench.exports", "--database-url", database_url, "--child", url]
    command += ["--first-byte"] if first_only else []
    env = {**os.environ, "PYTHONPATH": f"{os.getcwd()}:{Path(__file__).resolve().parent.parent}"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _samples(database_url: str) -> dict[str, str]:
    """Filter values that exist in this database: a busy and a rare action, an object, an actor."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action, count(*) FROM audit_log GROUP BY 1 ORDER BY 2 DESC")).all()
        object_type, object_id = conn.execute(sa.text("SELECT object_type, object_id FROM audit_log LIMIT 1")).one()
        actor = conn.execute(sa.text("SELECT actor_label FROM audit_log WHERE actor_id > 100 LIMIT 1")).scalar_one()
    return {
        "common_action": actions[0][0],
        "rare_action": actions[-1][0],
        "family": actions[0][0].split(".")[0] + ".",
        "object_type": object_type,
        "object_id": object_id,
        "one_actor": actor,
        "domain": "@" + actor.split("@")[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated parts of the names to run")
    parser.add_argument(
        "--first-byte", action="store_true", help="close each download after its first chunk (minutes saved at 10x)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_download(args.database_url, args.child, args.first_byte)
        return
    wanted = [part for part in args.only.split(",") if part]

    def chosen(name: str) -> bool:
        return not wanted or any(part in name for part in wanted)

    import training

    print(f"code: {Path(training.__file__).parent}, {args.runs} runs, medians")
    for name, url in DOWNLOADS.items():
        if chosen(name):
            runs = [_download(args.database_url, url, args.first_byte) for _ in range(args.runs)]
            first, total, peak = (statistics.median(run[key] for run in runs) for key in ("first", "total", "peak_mib"))
            print(f"{name:28} first byte {first:7.3f} s  total {total:7.2f} s  peak +{peak:7.0f} MiB")
    pages = [name for name in PAGES if chosen(name)]
    samples = _samples(args.database_url) if pages else {}  # the samples need audit rows
    app = _app(args.database_url)
    for name in pages:
        url = "/admin/audit?" + PAGES[name].format(**samples)
        _request(app, url)
        times = [_request(app, url)[2] * 1000 for _ in range(max(args.runs, 5))]
        print(f"{name:28} {statistics.median(times):7.0f} ms   ({url})")


if __name__ == "__main__":
    main()
