"""Error pages for every URL: styled HTML for people, RFC 9457 problem details (`problem`) for the API."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from training.extensions import db
from training.site.blueprint import bp


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
        response = current_app.make_response((response, error.code or 500))
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
