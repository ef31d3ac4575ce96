"""A person's browser against live servers: one cookie jar, real forms with their CSRF token,
and a loopback address of its own, since rate limits count per client address."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from tests.factories import PASSWORD
from tests.helpers import CSRF_RE


class _FromAddress(HTTPAdapter):
    """Connect from a given loopback address (Linux routes all of 127.0.0.0/8 to lo)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


class Browser:
    """One browser: its cookies go to every instance (cookies are not bound to a port)."""

    def __init__(self, address: str = "127.0.0.1"):
        self.session = requests.Session()
        self.session.mount("http://", _FromAddress(address))
        self.session.headers["Accept-Language"] = "en"

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=60, **kwargs)

    def csrf_token(self, page: str) -> str:
        """The CSRF token of this browser's session, read from a page's form."""
        match = CSRF_RE.search(self.get(page).text)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post_form(self, url: str, data: dict, page: str | None = None) -> requests.Response:
        """Submit a form as the browser would: with the token of the page showing it."""
        token = self.csrf_token(page or url)
        return self.session.post(url, data={**data, "csrf_token": token}, allow_redirects=False, timeout=60)

    def sign_in(self, base_url: str, email: str, password: str = PASSWORD) -> requests.Response:
        return self.post_form(f"{base_url}/sign-in", {"email": email, "password": password})


@dataclass
class Timing:
    """One request: when it started (perf_counter), how long it took, its status, where it went."""

    started: float
    seconds: float
    status: int
    url: str


def timed_get(session: requests.Session, url: str) -> Timing:
    started = time.perf_counter()
    status = session.get(url, timeout=60).status_code
    return Timing(started, time.perf_counter() - started, status, url)


def latency_figures(timings: list[Timing]) -> str:
    """Count, median, 95th percentile and maximum latency, in milliseconds."""
    seconds = sorted(t.seconds for t in timings)
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return (
        f"n={len(seconds)} p50={statistics.median(seconds) * 1000:.0f} ms "
        f"p95={p95 * 1000:.0f} ms max={seconds[-1] * 1000:.0f} ms"
    )
