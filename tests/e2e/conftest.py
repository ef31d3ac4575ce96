"""End-to-end fixtures: the app served on a free port, Debian's Chromium, and a clock that moves.

The server runs in a thread of the test process (werkzeug's `make_server`), on a fresh SQLite
file migrated by Alembic. Running in-process lets freezegun move the clock of the test and of
the server together: check-in needs a half-day open now, certificates need the session ended.

The clock only ever moves forward, across the whole run: each journey starts where the last
one stopped (or at the real time, if later). A session cookie that itsdangerous signed "in the
future" of the server's clock is refused, so going back would sign the browser out.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time
from werkzeug.serving import make_server

from tests import factories
from tests.e2e.support import Journey
from tests.helpers import free_port, skip_or_fail
from training import create_app
from training.extensions import db

# Code that must keep the real clock while freezegun runs: Playwright's event loop and its
# pipe to the browser driver (a clock that jumps days would fire or stall their timeouts),
# the server's socket loop, and pytest's own timings (--durations, JUnit reports).
REAL_CLOCK_MODULES = ["_pytest", "playwright", "asyncio", "pyee", "greenlet", "selectors", "socketserver", "subprocess"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@dataclass
class LiveServer:
    """The app answering at `url`; emails land as .eml files in `mail_folder`."""

    app: Flask
    url: str
    mail_folder: Path

    def emails_to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages sent to `address` so far, oldest first."""
        messages = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.mail_folder.glob("*.eml"))
        ]
        return [m for m in messages if m["To"] == address]

    def link_in_email(self, address: str, path: str) -> str:
        """The first link to `path…` on this server in the latest email to `address`."""
        messages = self.emails_to(address)
        assert messages, f"no email was sent to {address}"
        text = messages[-1].get_body(("plain",)).get_content()
        match = re.search(re.escape(self.url + path) + r"\S+", text)
        assert match, f"no {path} link in the email to {address}:\n{text}"
        return match.group(0)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The application on a fresh, migrated SQLite file, served in a thread for the whole run."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite'}",
            "MAIL_BACKEND": "folder",
            "MAIL_FOLDER": str(folder / "mail"),
            "BASE_URL": url,
            "LOG_LEVEL": "WARNING",
            # Six journeys sign in from the same address within a minute or two.
            "SIGN_IN_RATE_LIMIT": "1000 per minute",
            "TOKEN_RATE_LIMIT": "1000 per minute",
            "VERIFY_RATE_LIMIT": "1000 per minute",
        },
    )
    with app.app_context():
        upgrade()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield LiveServer(app=app, url=url, mail_folder=folder / "mail")
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("Chromium is not installed (apt-get install chromium): the end-to-end journeys need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Timeline:
    """The latest instant any journey's frozen clock reached."""

    last: datetime | None = None


@pytest.fixture(scope="session")
def timeline() -> Timeline:
    return Timeline()


@pytest.fixture
def clock(timeline, live_server):
    """A ticking frozen clock for the test and the server; move it forward with `clock.move_to`."""
    start = datetime.now(UTC).replace(microsecond=0)
    if timeline.last is not None and timeline.last >= start:
        start = timeline.last + timedelta(seconds=1)
    with freeze_time(start, tick=True, ignore=REAL_CLOCK_MODULES) as frozen:
        yield frozen
        timeline.last = datetime.now(UTC)


@pytest.fixture
def seed(live_server):
    """A context manager for setting up data with the factories, committed and closed on exit.

    The session is removed afterwards: on SQLite a transaction left open in the test would
    hold a lock the server's requests wait for.
    """

    @contextlib.contextmanager
    def seeding():
        with live_server.app.app_context():
            factories.bind(db.session)
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()

    return seeding


@pytest.fixture
def journey(browser, live_server):
    """Start a journey: `journey("learner", "fr")`; its browser contexts close at the end."""
    started: list[Journey] = []

    def start(name: str, locale: str) -> Journey:
        started.append(Journey(browser, live_server.url, name, locale))
        return started[-1]

    yield start
    for one in started:
        one.close()
