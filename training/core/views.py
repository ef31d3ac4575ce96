"""The home page and the error pages."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from training.core.navigation import template_helpers
from training.extensions import db, redis_outage

bp = Blueprint("core", __name__)
bp.app_context_processor(template_helpers)


@bp.get("/")
def home():
    """Send each person to their work: public welcome, learner, trainer or admin shortcuts."""
    return render_template("core/home.html")


@bp.before_app_request
def refuse_nul_characters():
    """A NUL character in a query or form value is never typed by a person, and PostgreSQL
    cannot store it: refuse the request (400) before any view sees it."""
    values = list(request.args.values())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, "A value holds a NUL character.")


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


def wants_problem_json() -> bool:
    """API paths answer errors as RFC 9457 problem details."""
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None, **extra):
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    """A form sent without a valid CSRF token: explain, change nothing."""
    message = _("This form has expired or was sent from another site. Reload the page and try again.")
    if wants_problem_json():
        return problem(400, "Bad Request", message)
    return render_template("errors/error.html", code=400, message=message), 400


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Styled error pages (HTML) or problem details (API) for every HTTP error."""
    if isinstance(error, SecurityError):
        # A Host header outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return current_app.response_class("Unknown host.\n", 400, mimetype="text/plain")
    if wants_problem_json():
        response = problem(error.code or 500, error.name, error.description)
    else:
        response = render_template("errors/error.html", code=error.code, message=_error_message(error.code))
        response = current_app.make_response((response, error.code))
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 401 and wants_problem_json():
        challenges = getattr(error, "www_authenticate", None) or []
        response.headers["WWW-Authenticate"] = ", ".join(map(str, challenges)) or 'Bearer realm="api"'
    return response


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    """Log the failure and show a plain 500 page: never a stack trace."""
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_problem_json():
        return problem(500, "Internal Server Error", "The server failed; the error is logged.")
    return render_template("errors/error.html", code=500, message=_error_message(500)), 500


def _error_message(code: int | None) -> str:
    messages = {
        400: _("The request could not be understood. Check what you sent and try again."),
        401: _("Please sign in to continue."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This action cannot be done this way."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Wait a moment, then try again."),
        500: _("Something went wrong on our side. The error is logged and we will look into it."),
    }
    return messages.get(code or 500, _("The request could not be completed."))
