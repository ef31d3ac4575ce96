"""API endpoints of the accounts layer: tokens and the current user."""

from __future__ import annotations

from flask import g, jsonify, request, url_for
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from training.accounts import services as account_services
from training.api.auth import token_required
from training.api.blueprint import bp
from training.api.errors import UnprocessableFields
from training.extensions import db, rate_limit


@bp.post("/tokens")
@rate_limit("TOKEN_RATE_LIMIT")
def create_token():
    """Exchange HTTP Basic credentials (email, password) for a bearer token."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        raise _basic_challenge("Send your email and password with HTTP Basic authentication.")
    user = account_services.authenticate(auth.username, auth.password)
    if user is None:
        raise _basic_challenge("Wrong email or password, or the account is deactivated.")
    payload = request.get_json(silent=True) if request.content_length else None
    payload = payload if isinstance(payload, dict) else {}
    name = payload.get("name")
    name = name if isinstance(name, str) else ""
    days = payload.get("days", 90)
    scopes = payload.get("scopes", "read write")
    if not isinstance(days, int) or isinstance(days, bool) or not isinstance(scopes, str):
        raise UnprocessableFields([("days", "30, 90 or 365"), ("scopes", '"read" or "read write"')])
    token, plain = account_services.create_api_token(user, name[:100] or "API", days=days, scopes=scopes)
    db.session.commit()
    body = {
        "id": token.id,
        "name": token.name,
        "token": plain,
        "token_type": "Bearer",
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at and token.expires_at.isoformat(),
        "scopes": token.scopes,
    }
    return jsonify(body), 201, {"Location": url_for("api.me")}


def _basic_challenge(detail: str) -> Unauthorized:
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("basic", {"realm": "api"}))


@bp.get("/me")
@token_required()
def me():
    """The account that owns the bearer token."""
    user = g.api_user
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        organisation=user.organisation,
        category=user.category.value,
        locale=user.locale,
        roles=sorted(r.value for r in user.role_set),
    )
