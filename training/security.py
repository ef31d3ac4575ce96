"""HTTP security headers and a request id on every response."""

from __future__ import annotations

import secrets

from flask import Flask, g, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _start_request() -> None:
    g.request_id = request.headers.get("X-Request-ID", "")[:64] or secrets.token_hex(8)


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
    headers["X-Request-ID"] = g.get("request_id", "")
    if _personal():
        # A signed-in person's page or PDF (or an API answer to a token) is never kept by a browser,
        # a proxy or a shared computer's cache.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def _personal() -> bool:
    """Whether the response was made for someone identified: a session user or an API token
    (static files are the same for everyone and stay cacheable)."""
    if request.endpoint == "static":
        return False
    if g.get("api_user") is not None or request.headers.get("Authorization"):
        return True
    # Read from the cookie session, not the user object (a view may have closed the database session).
    return session.get("_user_id") is not None


def init_app(app: Flask) -> None:
    """Add the security headers (HSTS only in production, where HTTPS is guaranteed)."""
    app.before_request(_start_request)
    app.after_request(_set_headers)
    if app.config["ENV_NAME"] == "production":

        @app.after_request
        def _hsts(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
