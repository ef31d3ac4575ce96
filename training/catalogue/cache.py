"""Caching the catalogue's rendered results.

Rendering a page of courses costs far more than answering a request (docs/performance.md: a
page of ORM rows through Jinja runs at under a tenth of a bare view), so the results are
cached. The key holds a fingerprint of the catalogue read in one small query (counts and
last changes of courses and sessions, seats taken included), so any change by any process
(pages, API, CLI, another worker) makes a new key at once; the minute is in the key too,
so a session that starts drops out of "upcoming" within a minute.

Keys are bounded, because the cache shares its Redis with the task queue, which runs with
`maxmemory-policy noeviction`: a visitor who sends endless different searches must not fill
it. Only what the page's controls commonly ask is cached (`worth_caching`); the rest is
rendered each time, as on a miss, and a key lives one minute. The search text is normalised in
the key, as the search ignores case and spacing: "AAV  Vectors" and "aav vectors" share a page,
whose search box shows the spelling of whoever asked first that minute.

Redis is optional at run time: when it does not answer, pages are rendered without the cache
and the failure is logged once a minute (`training.extensions.RedisOutage`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis
import sqlalchemy as sa
from flask import current_app, session
from flask_babel import get_locale
from flask_login import current_user

from training.catalogue.models import Course, CourseSession
from training.catalogue.queries import month_choices
from training.extensions import cache, db, redis_outage

# The key holds the minute, so a key is never read after its minute: a minute is all it needs.
TTL_SECONDS = 60
# Searches longer than this (after normalising) are not cached: a real search is a few words,
# and long ones are the long tail that is rarely asked twice. Past it the key would grow with
# the text, and truncating it instead would give two different searches the same page.
MAX_CACHED_SEARCH = 40
# Result pages past this one are rarely visited; a crawler walking page numbers is not cached.
MAX_CACHED_PAGE = 5


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
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.max(Course.updated_at)).scalar_subquery(),
            sa.select(sa.func.max(CourseSession.updated_at)).scalar_subquery(),
        )
    ).one()
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
    """The cached text for (kind, args, locale, catalogue state, minute), rendered on a miss.

    Rendered without the cache when the request is not worth caching, or Redis is down.
    """
    if not worth_caching(args) or not redis_outage().worth_trying():
        return render()
    key = cache_key(kind, args)
    text = _cache_call(cache.get, key)
    if text is None:
        text = render()
        _cache_call(cache.set, key, text, timeout=TTL_SECONDS)
    return text


def normalised_search(text: str) -> str:
    """The search text as the search reads it: trimmed, spaces collapsed, case folded."""
    return " ".join(text.split()).casefold()


def worth_caching(args: dict) -> bool:
    """Whether to cache this page: not when a URL argument has gone past what people ask.

    Enumerated filters have a handful of values; free text, months and page numbers are
    open-ended, so only a short search, the months the filter offers and the first pages are
    cached. Short searches still make a key each, for one minute (TTL_SECONDS).
    """
    month = args.get("month")
    return (
        len(normalised_search(args.get("q", ""))) <= MAX_CACHED_SEARCH
        and (month is None or month in month_choices())
        and int(args.get("page", 1)) <= MAX_CACHED_PAGE
    )


def cache_key(kind: str, args: dict) -> str:
    """The key of (kind, args, locale, catalogue state, minute), its search text normalised."""
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
    args = {**args, "q": normalised_search(args.get("q", ""))}
    material = f"{kind}|{get_locale()}|{sorted(args.items())}|{memoised_fingerprint()}|{minute}"
    return "catalogue:" + hashlib.sha256(material.encode()).hexdigest()


def _cache_call(method, *args, **kwargs):
    """Call the cache; on a Redis failure, note it and answer None (a miss) instead."""
    try:
        return method(*args, **kwargs)
    except redis.RedisError as error:
        redis_outage().report("catalogue cache", error)
        return None
