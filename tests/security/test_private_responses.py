"""Personal pages and documents are never cached; public pages and static files may be (issue 15)."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from training.accounts.services import create_api_token
from training.extensions import db


@pytest.mark.parametrize("url", ["/profile", "/my/trainings", "/"])
def test_every_page_for_a_signed_in_person_is_no_store(client, auth, learner, url):
    auth.sign_in(learner)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_an_api_answer_to_a_token_is_no_store(client, ctx):
    _token, plain = create_api_token(UserFactory(), "cache")
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_stay_cacheable(client, auth, learner):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.sign_in(learner)
    static = client.get("/static/css/app.css")
    static.close()
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
