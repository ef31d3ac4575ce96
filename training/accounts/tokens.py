"""Signed, expiring tokens for email links: confirm an address, reset or set a password.

A token carries the user's id and a fingerprint of their current password hash, so it
works once: after the password changes, every earlier link is dead.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

PURPOSES = ("confirm", "reset", "invite")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def _fingerprint(user) -> str:
    material = f"{user.password_hash or ''}|{user.email}|{user.email_confirmed_at or ''}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def make_token(user, purpose: str, **extra) -> str:
    """A signed token for `purpose` bound to the user's current state."""
    assert purpose in PURPOSES
    return _serializer(purpose).dumps({"uid": user.id, "fp": _fingerprint(user), **extra})


def read_token(token: str, purpose: str, max_age: int) -> dict | None:
    """The token's payload, or None when it is forged, expired or for another purpose."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # also covers SignatureExpired
        return None


def token_matches(user, payload: dict) -> bool:
    """Whether the payload was made for this user in their current state (not yet used)."""
    return payload.get("uid") == user.id and payload.get("fp") == _fingerprint(user)
