"""Answering the survey: once, only one's own, only after the session, with plain messages for bad input."""

from __future__ import annotations

import re

import pytest

from tests.factories import enrol
from tests.helpers import audit, post_form
from tests.surveys.conftest import make_session, mark, respond, responses
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession
from training.extensions import db
from training.surveys import services
from training.surveys.services import SurveyState

GOOD = {"overall": "5", "content": "4", "trainer": "5", "organisation": "3", "comment": "Great hands-on work."}


def url(enrolment) -> str:
    return f"/my/enrolments/{enrolment.id}/survey"


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_form_is_accessible(attended, learner, auth, client):
    auth.sign_in(learner)
    html = page(client.get(url(attended)))
    assert html.count("<fieldset") == 4 and html.count("<legend") == 4
    assert "Overall, how satisfied are you with this training?" in html
    radios = [
        re.search(r'id="([^"]+)"', tag).group(1) for tag in re.findall(r"<input[^>]*>", html) if 'type="radio"' in tag
    ]
    assert len(radios) == 20
    assert all(f'<label class="form-check-label" for="{radio}">' in html for radio in radios)
    assert '<label class="form-label fw-semibold" for="comment">' in html and 'maxlength="2000"' in html


def test_the_form_speaks_the_learners_language(attended, learner, auth, client):
    learner.locale = "fr"
    db.session.commit()
    auth.sign_in(learner)
    html = page(client.get(url(attended)))
    assert "1 · Très insatisfait" in html and "5 · Très satisfait" in html
    assert "Very dissatisfied" not in html


def test_answering_stores_once_and_shows_the_answers(attended, learner, auth, client):
    auth.sign_in(learner)
    response = post_form(client, url(attended), GOOD)
    assert response.status_code == 302
    html = page(client.get(response.location))
    assert "Thank you for your answers" in html
    assert "5 · Very satisfied" in html and "3 · Neither satisfied nor dissatisfied" in html
    assert "Great hands-on work." in html and "<form" not in html.split("<main", 1)[1].split("</main>")[0]
    [stored] = responses()
    assert (stored.enrolment_id, stored.overall, stored.content, stored.trainer, stored.organisation) == (
        attended.id,
        5,
        4,
        5,
        3,
    )
    [entry] = audit("survey.answered")
    assert entry.actor_id == learner.id and entry.object_id == str(attended.id)
    assert entry.after is None  # who answered, never what: the results stay anonymous

    again = post_form(
        client, url(attended), {**GOOD, "overall": "1", "comment": "Changed my mind"}, page="/my/trainings"
    )
    assert again.status_code == 409
    assert "You have already answered this survey: your answers are unchanged." in page(again)
    [stored] = responses()
    assert (stored.overall, stored.comment) == (5, "Great hands-on work.")


def test_a_simultaneous_second_submit_is_refused_by_the_database(attended, learner, auth, client, monkeypatch):
    auth.sign_in(learner)
    token_page = url(attended)
    respond(attended, 4, "First")
    # The second request checked before the first one committed: it still sees the survey open.
    monkeypatch.setattr(services, "state", lambda enrolment, now=None: SurveyState.OPEN)
    response = post_form(client, url(attended), GOOD, page=token_page)
    assert response.status_code == 409
    assert "already answered" in page(response) and "First" in page(response)
    assert [(r.overall, r.comment) for r in responses()] == [(4, "First")]


def test_another_learner_gets_404(attended, other_learner, auth, client):
    auth.sign_in(other_learner)
    assert client.get(url(attended)).status_code == 404
    assert post_form(client, url(attended), GOOD, page="/my/trainings").status_code == 404
    assert responses() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("overall", "0"), ("overall", "6"), ("content", "abc"), ("trainer", None), ("organisation", "")],
)
def test_a_bad_rating_shows_the_form_again(attended, learner, auth, client, field, value):
    auth.sign_in(learner)
    data = {k: v for k, v in {**GOOD, field: value}.items() if v is not None}
    response = post_form(client, url(attended), data)
    assert response.status_code == 422
    html = page(response)
    assert re.search(rf'id="{field}-error"[^>]*>Choose one answer, from 1 \(very dissatisfied\) to 5', html)
    assert html.count("Choose one answer") == 1
    assert f'aria-describedby="{field}-error"' in html and f'href="#{field}-0"' in html  # the summary links to it
    assert "checked" in html  # the other answers are kept
    assert responses() == []


def test_a_comment_too_long_is_refused(attended, learner, auth, client):
    auth.sign_in(learner)
    response = post_form(client, url(attended), {**GOOD, "comment": "x" * 2001})
    assert response.status_code == 422
    assert "The comment is limited to 2000 characters." in page(response)
    assert responses() == []


def test_before_the_end_the_page_says_when_it_opens(ctx, learner, trainer, auth, client):
    enrolment = enrol(make_session(-5, trainers=[trainer]), learner)
    auth.sign_in(learner)
    response = client.get(url(enrolment))
    assert response.status_code == 200
    assert "The survey opens when the session ends, on" in page(response) and "<fieldset" not in page(response)
    refused = post_form(client, url(enrolment), GOOD, page="/my/trainings")
    assert refused.status_code == 409 and "The survey opens when the session ends." in page(refused)
    assert responses() == []


def test_a_learner_who_attended_nothing_is_not_asked(ended_session, learner, trainer, auth, client):
    enrolment = enrol(ended_session, learner)
    mark(enrolment, trainer, MarkStatus.ABSENT, MarkStatus.EXCUSED)
    auth.sign_in(learner)
    response = client.get(url(enrolment))
    assert response.status_code == 403 and "for the learners who attended the session" in page(response)
    assert post_form(client, url(enrolment), GOOD, page="/my/trainings").status_code == 403
    assert responses() == []


def satisfaction_card(html: str) -> tuple[str, str]:
    """The course page's satisfaction rate and its line under it."""
    match = re.search(
        r'display-6 mb-0">(\d+ %)</p>\s*<p class="mb-0">of learners satisfied.*?\n\s*<p[^>]*>([^<]+)</p>', html, re.S
    )
    assert match, "no satisfaction rate on the course page"
    return match.group(1), match.group(2)


def test_the_course_page_shows_the_new_rate_at_once(app, ended_session, attended, auth, client, other_learner, trainer):
    earlier = enrol(ended_session, other_learner)
    mark(earlier, trainer, MarkStatus.PRESENT)
    respond(earlier, 2)
    visitor = app.test_client()
    assert satisfaction_card(page(visitor.get("/courses/aav-vector-design"))) == ("0 %", "mean 2.0/5 over 1 answer")
    updated_before = ended_session.updated_at

    auth.sign_in(attended.user)
    assert post_form(client, url(attended), GOOD).status_code == 302

    assert satisfaction_card(page(visitor.get("/courses/aav-vector-design"))) == ("50 %", "mean 3.5/5 over 2 answers")
    assert db.session.get(CourseSession, ended_session.id).updated_at > updated_before


def test_my_trainings_links_to_the_survey_then_says_it_is_answered(attended, learner, auth, client):
    auth.sign_in(learner)
    html = page(client.get("/my/trainings"))
    assert f'<a href="{url(attended)}">Give my opinion on this training</a>' in html
    post_form(client, url(attended), GOOD)
    html = page(client.get("/my/trainings"))
    assert "Survey answered" in html and "Give my opinion" not in html
