"""The JSON API's blueprint (/api/v1). Its endpoints live in one module per layer, each adding its routes to `bp`."""

from __future__ import annotations

from flask import Blueprint

from training.api.errors import init_api_errors
from training.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # the API authenticates every write with a bearer token or Basic credentials, not cookies
init_api_errors(bp)


def with_routes() -> Blueprint:
    """`bp` with every API endpoint on it; the factory calls this when it registers the blueprints."""
    from training.api import (  # noqa: F401  (importing an endpoint module adds its routes to bp)
        accounts,
        attendance,
        catalogue,
        certificates,
        enrolment,
        openapi,
    )

    return bp
