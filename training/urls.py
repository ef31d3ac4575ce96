"""URL helpers shared by the views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.routing import IntegerConverter


def safe_next_url(target: str | None, fallback: str) -> str:
    """`target` when it is a path on this site, else `fallback` (no open redirects)."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return fallback
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails and PDFs, built from BASE_URL.

    Never from the request's Host header, which a client controls (password-reset
    poisoning), and usable outside a request (CLI, Celery tasks).
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every URL: 1 to 2**31 - 1, so an id too large for the database is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


MAX_PAGE = 10_000


def page_number() -> int:
    """The `page` query argument of a list, from 1 to MAX_PAGE; anything else reads as page 1.

    A page number larger than the database's integers would otherwise end in a 500.
    """
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1
