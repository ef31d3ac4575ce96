"""Caching the catalogue's rendered results.

Rendering a page of courses costs far more than answering a request (PERFORMANCE.md: a
page of ORM rows through Jinja runs at under a tenth of a bare view), so the results are
cached. The key holds a fingerprint of the catalogue read in one small query (counts and
last changes of courses and sessions, seats taken included), so any change by any process
(pages, API, CLI, another worker) makes a new key at once; the minute is in the key too,
so a session that starts drops out of "upcoming" within a minute.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import get_locale
from flask_login import current_user

from training.catalogue.models import Course, CourseSession
from training.extensions import cache, db

TTL_SECONDS = 300


_fingerprint_memo: dict[str, tuple[float, str]] = {}


def memoised_fingerprint() -> str:
    """The fingerprint, read again at most every CATALOGUE_FINGERPRINT_TTL seconds per process.

    A second of staleness in "seats left" costs nothing (enrolling checks the real seats
    under a lock) and saves a query on most requests.
    """
    ttl = current_app.config["CATALOGUE_FINGERPRINT_TTL"]
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    now = time.monotonic()
    read_at, value = _fingerprint_memo.get(url, (0.0, ""))
    if now - read_at >= ttl or not value:
        value = catalogue_fingerprint()
        _fingerprint_memo[url] = (now, value)
    return value


def catalogue_fingerprint() -> str:
    """A value that changes whenever a course or a session (its seats included) changes.

    Courses and sessions are never deleted (they are archived or cancelled), and every
    change bumps `updated_at` (slots bump their session's), so the two maxima, read from
    their indexes, are enough.
    """
    row = db.session.execute(sa.select(
        sa.select(sa.func.max(Course.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(CourseSession.updated_at)).scalar_subquery(),
    )).one()
    return "|".join(str(value) for value in row)


def page_is_shared() -> bool:
    """Whether the whole page is the same for every visitor in this language.

    True for anonymous visitors with no flashed message waiting: their pages hold no
    name, no CSRF token (see `accounts.views.set_language`) and nothing personal.
    """
    return not current_user.is_authenticated and not session.get("_flashes")


def cached_response(kind: str, args: dict, render: Callable[[], str]):
    """A whole HTML page from the cache, marked as varying with the cookie and the language."""
    response = current_app.response_class(cached(kind, args, render), mimetype="text/html")
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def cached(kind: str, args: dict, render: Callable[[], str]) -> str:
    """The cached text for (kind, args, locale, catalogue state, minute), rendered on a miss."""
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
    material = f"{kind}|{get_locale()}|{sorted(args.items())}|{memoised_fingerprint()}|{minute}"
    key = "catalogue:" + hashlib.sha256(material.encode()).hexdigest()
    text = cache.get(key)
    if text is None:
        text = render()
        cache.set(key, text, timeout=TTL_SECONDS)
    return text
