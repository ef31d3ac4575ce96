"""The training office's results pages: per session, and per course over its sessions."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory, enrol
from tests.surveys.conftest import make_session, mark
from tests.surveys.conftest import respond as store_response
from training.attendance.models import MarkStatus
from training.extensions import db
from training.surveys.figures import satisfaction
from training.surveys.models import SurveyInvitation


def page(response) -> str:
    """The page's text with tags and runs of blanks collapsed, as a reader sees it."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", text)


def respond(session, marker, overall: int, comment: str = "", name: str | None = None, **others):
    """A learner who attended `session` (marked present by `marker`) and answered."""
    enrolment = enrol(session, UserFactory(name=name) if name else UserFactory())
    mark(enrolment, marker, MarkStatus.PRESENT, MarkStatus.PRESENT)
    return store_response(enrolment, overall, comment, **others)


@pytest.fixture
def answered(ended_session, trainer):
    """Four learners asked, three answered: overall 5, 4 and 2."""
    respond(ended_session, trainer, 5, "Excellent practicals", name="Zoé Secret", trainer=4)
    respond(ended_session, trainer, 4, "", content=3)
    respond(ended_session, trainer, 2, "Room too small", name="Yann Hidden", organisation=1)
    silent = enrol(ended_session, UserFactory())
    mark(silent, trainer, MarkStatus.PRESENT)
    db.session.add(SurveyInvitation(enrolment=silent))
    db.session.commit()
    return ended_session


def test_session_results_show_the_figures_without_names(answered, admin, auth, client):
    auth.sign_in(admin)
    text = page(client.get(f"/admin/sessions/{answered.id}/satisfaction"))
    assert "Learners asked 4 " in text and "Answers 3 " in text
    assert "Response rate 75 % " in text and "Satisfaction rate 67 % " in text
    # Means: overall (5+4+2)/3, content (5+3+2)/3, trainer (4+4+2)/3, organisation (5+4+1)/3.
    assert "Overall 3.7 Content 3.3 Trainers 3.3 Organisation 3.3 " in text
    assert "5 · Very satisfied 1 33 % 4 · Satisfied 1 33 % 3 · Neither satisfied nor dissatisfied 0 0 % " in text
    assert "2 · Dissatisfied 1 33 % 1 · Very dissatisfied 0 0 %" in text
    assert "Excellent practicals" in text and "Room too small" in text
    assert "Zoé Secret" not in text and "Yann Hidden" not in text
    assert "comments are shown without the learner’s name" in text


def test_course_results_add_up_the_sessions(answered, trainer, admin, auth, client):
    course = answered.course
    other = make_session(9, course=course, trainers=[trainer])
    respond(other, trainer, 5, "Very clear")
    make_session(-10, course=course)  # to come: no line yet
    auth.sign_in(admin)
    text = page(client.get(f"/admin/courses/{course.id}/satisfaction"))
    assert "Learners asked 5 " in text and "Answers 4 " in text and "Response rate 80 % " in text
    assert f"Satisfaction rate {satisfaction(course.id)['satisfaction_rate']} % " in text
    assert "Satisfaction rate 75 % " in text  # 5, 4, 2 and 5: the rule of the public course page
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\".*?</tr>",
        client.get(f"/admin/courses/{course.id}/satisfaction").get_data(as_text=True),
        re.S,
    )
    lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows if "satisfaction" in row]
    assert len(lines) == 2  # the two ended sessions, latest first
    assert lines[0].endswith("4 3 75 % 3.7 3.3 3.3 3.3 67 %")
    assert lines[1].endswith("1 1 100 % 5.0 5.0 5.0 5.0 100 %")
    assert "Very clear" in text and "Excellent practicals" in text


def test_results_with_no_answer_yet(ended_session, admin, auth, client):
    auth.sign_in(admin)
    text = page(client.get(f"/admin/sessions/{ended_session.id}/satisfaction"))
    assert "Answers 0 " in text and "Response rate — " in text and "No comment yet." in text


@pytest.mark.parametrize("who", ["learner", "trainer"])
def test_results_are_for_admins_only(answered, auth, client, request, who):
    auth.sign_in(request.getfixturevalue(who))
    assert client.get(f"/admin/sessions/{answered.id}/satisfaction").status_code == 403
    assert client.get(f"/admin/courses/{answered.course_id}/satisfaction").status_code == 403
