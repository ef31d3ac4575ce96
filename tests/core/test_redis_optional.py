"""Redis is optional at run time (issue 15): pages answer without it, rate limits count per
process, the log says so once a minute, readiness reports it, and cache keys stay bounded.

"Redis down" is a real closed port on loopback; "Redis stops mid-run" is a throwaway
redis-server killed during the test, so both run for real wherever the suite runs.
"""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
import time

import pytest
import redis
from freezegun import freeze_time

from tests import factories
from tests.conftest import IsolatedClient
from tests.helpers import csrf_token, free_port, skip_or_fail
from training import create_app
from training.catalogue import cache
from training.extensions import db, limiter

WARNING = "Redis unavailable, seen by the"


@pytest.fixture
def build_app(app, database_url, monkeypatch):
    """Build apps on this test's database whose REDIS_URL is the given URL, read by config.py.

    The `app` fixture is asked for only to clean the database up after the test.
    """
    built = []

    def build(redis_url: str, **overrides):
        monkeypatch.setenv("REDIS_URL", redis_url)
        new = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_BACKEND": "log", **overrides})
        new.test_client_class = IsolatedClient
        built.append(new)
        return new

    yield build
    # Flask-Limiter keeps its fallback state on the one shared `limiter`; the next test's app
    # must start on its own storage, not on this test's in-memory fallback.
    limiter._storage_dead = False
    for each in built:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def down_app(build_app):
    """An app whose REDIS_URL points at a port of loopback where nothing listens."""
    return build_app(f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def person(down_app):
    """A learner with the factories' password, in `down_app`'s database."""
    with down_app.app_context():
        factories.bind(db.session)
        return factories.UserFactory(email="rita.redis@example.org").email


@pytest.fixture
def redis_server():
    """A throwaway redis-server on a free port, with no persistence; killed at the end if still up."""
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not on PATH: install it (apt install redis-server) to run this test")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 5
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the throwaway redis-server did not answer within 5 seconds")
            time.sleep(0.02)
    yield process, client
    client.close()
    process.kill()
    process.wait()


def basic(email: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def sign_in(client, email: str, password: str, token: str):
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def redis_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and WARNING in r.getMessage()]


# ---------------------------------------------------------------- Redis down from the start


def test_pages_answer_with_redis_down(down_app, person):
    client = down_app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/courses").status_code == 200
    assert client.get("/courses?q=gene+therapy").status_code == 200
    assert client.get("/api/v1/courses").status_code == 200
    assert client.get("/verify/NO-SUCH-CODE").status_code == 404  # the verification page's answer
    assert client.post("/api/v1/tokens", headers=basic(person, factories.PASSWORD)).status_code == 201
    assert client.post("/api/v1/tokens", headers=basic(person, "not it")).status_code == 401
    token = csrf_token(client, "/sign-in")
    wrong = sign_in(client, person, "not it", token)
    assert wrong.status_code == 200 and "Wrong email or password" in wrong.get_data(as_text=True)
    assert sign_in(client, person, factories.PASSWORD, token).status_code == 302


def test_sign_in_limit_still_applies_per_process(down_app, person):
    client = down_app.test_client()
    token = csrf_token(client, "/sign-in")
    statuses = [sign_in(client, person, "guess", token).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert "Too many attempts" in sign_in(client, person, "guess", token).get_data(as_text=True)


def test_token_limit_still_applies_per_process(down_app, person):
    client = down_app.test_client()
    statuses = [client.post("/api/v1/tokens", headers=basic(person, "guess")).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]


def test_the_log_says_so_once_a_minute(down_app, caplog):
    client = down_app.test_client()
    with freeze_time("2026-03-02 09:00:00") as clock:
        for _ in range(5):
            assert client.get("/courses").status_code == 200  # the cache fails
            assert client.get("/verify/NO-SUCH-CODE").status_code == 404  # the rate limiter fails
            assert client.get("/readyz").json["redis"] == "down"
            clock.tick(10)
        assert len(redis_warnings(caplog)) == 1
        clock.tick(20)  # a minute and more since the warning
        assert client.get("/courses").status_code == 200
    warnings = redis_warnings(caplog)
    assert len(warnings) == 2
    assert "seen by the catalogue cache" in warnings[0]
    assert down_app.config["REDIS_URL"].split("/")[2] in warnings[0]  # the error names the address


def test_the_rate_limiter_reports_through_the_same_warning(down_app, caplog):
    assert down_app.test_client().get("/verify/NO-SUCH-CODE").status_code == 404
    [warning] = redis_warnings(caplog)
    assert warning.startswith("Redis unavailable, seen by the rate limiter;")
    assert down_app.config["REDIS_URL"].split("/")[2] in warning  # Flask-Limiter's own message names no error
    assert not [r for r in caplog.records if r.name == "flask-limiter"]  # said once, by the app's log


def test_readiness_says_redis_is_down_and_liveness_stays_up(down_app):
    client = down_app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "degraded", "database": "ok", "redis": "down"}
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok", "database": "ok"}


def test_readiness_with_redis_up(build_app, redis_url):
    response = build_app(redis_url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readiness_without_redis_configured(client):
    assert client.get("/readyz").json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_database_down_answers_503(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "down", "database": "down", "redis": "not configured"}
    live = client.get("/healthz")
    assert live.status_code == 503 and live.json == {"status": "down", "database": "down"}


# ---------------------------------------------------------------- Redis stops mid-run


def test_redis_stopping_mid_run(build_app, redis_server, caplog):
    process, server = redis_server
    port = server.connection_pool.connection_kwargs["port"]
    app = build_app(f"redis://127.0.0.1:{port}/0", SIGN_IN_RATE_LIMIT="3 per minute")
    with app.app_context():
        factories.bind(db.session)
        email = factories.UserFactory(email="mid.run@example.org").email
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    assert client.get("/courses").status_code == 200
    assert [sign_in(client, email, "guess", token).status_code for _ in range(2)] == [200] * 2
    assert any(key.startswith(b"genother:catalogue:") for key in server.keys())  # cached in Redis
    assert any(b"LIMITS" in key for key in server.keys())  # counted in Redis

    process.kill()
    process.wait()
    assert client.get("/courses").status_code == 200
    assert client.post("/api/v1/tokens", headers=basic(email, factories.PASSWORD)).status_code == 201
    assert client.get("/readyz").json == {"status": "degraded", "database": "ok", "redis": "down"}
    # Counted afresh in this process's memory: three more attempts, then the limit.
    statuses = [sign_in(client, email, "guess", token).status_code for _ in range(4)]
    assert statuses == [200] * 3 + [429]
    assert len(redis_warnings(caplog)) == 1


# ---------------------------------------------------------------- bounded cache keys


def catalogue_keys(url: str) -> int:
    with redis.Redis.from_url(url) as client:
        return sum(1 for _ in client.scan_iter("genother:catalogue:*"))


def test_long_searches_make_no_keys(build_app, redis_url):
    app = build_app(redis_url)
    client = app.test_client()
    assert client.get("/courses").status_code == 200
    assert catalogue_keys(redis_url) == 1  # the plain catalogue is cached
    long_search = "gene therapy vectors for the manufacturing of lentiviral batches, number {:04d}"
    for number in range(20):  # through the pages and the API...
        assert client.get("/courses", query_string={"q": long_search.format(number)}).status_code == 200
        assert client.get("/api/v1/courses", query_string={"q": long_search.format(number)}).status_code == 200
    with app.test_request_context("/courses"):  # ...and, faster, straight through the cache
        for number in range(1000):
            assert cache.cached("catalogue-results", {"q": long_search.format(number)}, lambda: "page") == "page"
    assert catalogue_keys(redis_url) == 1


def test_searches_differing_in_case_and_spaces_share_a_key(build_app, redis_url):
    client = build_app(redis_url).test_client()
    for search in ("gene therapy", "  Gene   THERAPY ", "GENE THERAPY"):
        assert client.get("/api/v1/courses", query_string={"q": search}).status_code == 200
    assert catalogue_keys(redis_url) == 1


def test_far_pages_and_months_are_not_cached(build_app, redis_url):
    client = build_app(redis_url).test_client()
    for args in ({"page": "6"}, {"month": "2099-01"}):
        assert client.get("/api/v1/courses", query_string=args).status_code == 200
    assert catalogue_keys(redis_url) == 0


def test_the_page_size_is_part_of_the_cache_key(build_app, redis_url):
    """/api/v1/courses?per_page=1 and /api/v1/courses are different answers, never each other's."""
    app = build_app(redis_url)
    with app.app_context():
        factories.bind(db.session)
        for _ in range(2):
            factories.SessionFactory()
        db.session.commit()
    client = app.test_client()
    small = client.get("/api/v1/courses?per_page=1").json
    full = client.get("/api/v1/courses").json
    assert (small["per_page"], len(small["items"])) == (1, 1)
    assert full["per_page"] != 1 and len(full["items"]) == 2
