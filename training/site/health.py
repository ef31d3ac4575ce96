"""Health checks for the load balancer and monitoring: liveness (/healthz) and readiness (/readyz)."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import current_app, jsonify

from training.extensions import db, redis_outage
from training.site.blueprint import bp


@bp.get("/healthz")
def healthz():
    """Liveness: 200 while this instance can serve pages, that is while its database answers.

    Redis is not checked: without it pages are still served (see `readyz`).
    """
    database = _database_state()
    if database != "ok":
        return jsonify(status="down", database=database), 503
    return jsonify(status="ok", database=database)


@bp.get("/readyz")
def readyz():
    """Readiness: each dependency `ok` or `down`; 503 when the database is down.

    Redis down answers 200 with status "degraded": every instance shares the one Redis, so
    taking them out of service for it would stop a site that still works (the catalogue is
    just not cached and rate limits count per process). Monitoring alerts on "degraded".
    """
    checks = {"database": _database_state(), "redis": _redis_state()}
    if checks["database"] != "ok":
        status = "down"
    else:
        status = "degraded" if checks["redis"] == "down" else "ok"
    return jsonify(status=status, **checks), 503 if status == "down" else 200


def _database_state() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return "down"
    return "ok"


def _redis_state() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    try:
        with redis.Redis.from_url(url, **current_app.config["REDIS_TIMEOUTS"]) as client:
            client.ping()
    except redis.RedisError as error:
        redis_outage().report("readiness check", error)
        return "down"
    return "ok"
