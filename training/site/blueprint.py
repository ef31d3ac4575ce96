"""The site shell's blueprint: the home page, the health checks, the error pages of every URL, and
the navigation every template draws. Each lives in its own module and adds its routes to `bp`."""

from __future__ import annotations

from flask import Blueprint

from training.site.navigation import template_helpers

bp = Blueprint("site", __name__)
bp.app_context_processor(template_helpers)


def with_routes() -> Blueprint:
    """`bp` with the shell's pages and handlers on it; the factory calls this when it registers the blueprints."""
    from training.site import error_pages, guards, health, home  # noqa: F401  (importing a module adds its routes to bp)

    return bp
