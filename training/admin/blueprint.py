"""The back office's blueprint. Its pages live in one module per subject, each adding its routes to `bp`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50  # rows on one page of the back office's long lists


def with_routes() -> Blueprint:
    """`bp` with every back-office page on it; the factory calls this when it registers the blueprints."""
    from training.admin import (  # noqa: F401  (importing a page module adds its routes to bp)
        audit_log,
        bpf,
        certificates,
        courses,
        dashboard,
        emails,
        enrolments,
        exports,
        people,
        sessions,
    )

    return bp
