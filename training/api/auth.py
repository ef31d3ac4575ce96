"""API authentication: HTTP Basic to obtain a token, then `Authorization: Bearer <token>`."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from training.accounts import services as account_services
from training.accounts.models import Role


def bearer_user():
    """The user of the request's bearer token, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return account_services.user_for_api_token(credentials.strip())


def token_required(*roles: Role):
    """Require a valid bearer token (401 otherwise) and, when given, one of `roles` (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = bearer_user()
            if user is None:
                raise Unauthorized("A valid bearer token is required: create one with POST /api/v1/tokens.")
            if roles and not user.has_role(*roles):
                raise Forbidden("Your account does not have the role this endpoint needs.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator
