"""The catalogue page and the API list issue as many SQL queries for 200 courses as for 10."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.catalogue_data import seed
from tests.helpers import QueryCounter
from training.extensions import db


def queries_for(client, url: str) -> int:
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


URLS = [
    "/courses",
    "/courses?track=research&free=1&sort=title",
    "/courses?q=therapie+module",
    "/api/v1/courses",
    "/api/v1/courses?language=fr&per_page=50",
]


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow_with_the_catalogue(client, ctx, url):
    seed(10, 10)
    small = queries_for(client, url)
    seed(190, 10)
    large = queries_for(client, url)
    assert large == small, f"{url}: {small} queries for 10 courses, {large} for 200"
    assert small <= 6


def test_course_page_query_count_does_not_grow_with_its_sessions(client, ctx):
    seed(1, 3)
    slug = db.session.scalar(sa.text("SELECT slug FROM courses"))
    few = queries_for(client, f"/courses/{slug}")
    db.session.execute(sa.text("DELETE FROM slots"))
    db.session.execute(sa.text("DELETE FROM sessions"))
    db.session.execute(sa.text("DELETE FROM courses"))
    db.session.commit()
    seed(1, 40)
    slug = db.session.scalar(sa.text("SELECT slug FROM courses"))
    many = queries_for(client, f"/courses/{slug}")
    assert many == few
