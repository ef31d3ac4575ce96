"""API authentication: HTTP Basic to obtain a token, then `Authorization: Bearer <token>`."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from training.accounts import services as account_services
from training.accounts.models import Role
from training.database import READ_ONLY_METHODS


def bearer_token():
    """The usable token of the request's `Authorization: Bearer`, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return account_services.api_token(credentials.strip())


def bearer_user():
    """The user of the request's bearer token, or None."""
    token = bearer_token()
    return token.user if token else None


def token_required(*roles: Role):
    """Require a valid bearer token (401 otherwise) and, when given, one of `roles` (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise Unauthorized(
                    "A valid bearer token is required (an expired or revoked one is not): "
                    "create one with POST /api/v1/tokens."
                )
            user = token.user
            if request.method not in READ_ONLY_METHODS and not token.can_write:
                raise Forbidden("This token is read-only: create a token with write access to change anything.")
            if roles and not user.has_role(*roles):
                raise Forbidden("Your account does not have the role this endpoint needs.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator
