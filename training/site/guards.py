"""Checks every request passes before any view sees it."""

from __future__ import annotations

from flask import abort, request

from training.site.blueprint import bp


@bp.before_app_request
def refuse_nul_characters():
    """A NUL character in a query or form value is never typed by a person, and PostgreSQL
    cannot store it: refuse the request (400) before any view sees it."""
    values = list(request.args.values())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, "A value holds a NUL character.")
