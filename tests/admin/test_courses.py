"""The courses pages of the back office: list, create, edit, publish, unpublish, archive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import CourseFactory, SessionFactory
from tests.helpers import audit, count_rows, post_form
from training.catalogue.models import Course, CourseStatus, SessionStatus, Track
from training.extensions import db
from training.site.filters import when

FORM = {
    "title": "Lentiviral vectors in practice",
    "slug": "lentiviral-vectors",
    "track": "research",
    "level": "advanced",
    "language": "en",
    "format": "hybrid",
    "summary": "Produce and titrate LV vectors.",
    "objectives": "Produce a lentiviral batch\nTitrate it",
    "prerequisites": "Cell culture",
    "audience": "Researchers",
    "duration_hours": "14",
    "price_eur": "1400",
    "teaching_methods": "Lab work",
    "assessment": "Practical test",
    "accessibility": "Step-free access",
    "contact": "formation@genother.example",
    "access_delay": "Enrolment closes 7 days before",
    "attendance_percent": "80",
}


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_list_shows_every_status_and_filters(client, signed_in_admin):
    CourseFactory(title="Published AAV course", status=CourseStatus.PUBLISHED)
    CourseFactory(title="Draft GMP course", status=CourseStatus.DRAFT, track=Track.BIOMANUFACTURING)
    CourseFactory(title="Archived start-up course", status=CourseStatus.ARCHIVED, track=Track.ENTREPRENEURSHIP)
    html = page(client.get("/admin/courses"))
    for text in ("Published AAV course", "Draft GMP course", "Archived start-up course", "3 courses"):
        assert text in html
    html = page(client.get("/admin/courses?status=draft"))
    assert "Draft GMP course" in html and "Published AAV course" not in html
    html = page(client.get("/admin/courses?track=entrepreneurship"))
    assert "Archived start-up course" in html and "Draft GMP course" not in html
    html = page(client.get("/admin/courses?q=gmp"))
    assert "Draft GMP course" in html and "Archived start-up course" not in html


def test_the_list_shows_the_next_session_and_counts(client, signed_in_admin):
    course = CourseFactory(title="AAV vector design")
    SessionFactory(course=course, day=date.today() - timedelta(days=30))
    SessionFactory(course=course, day=date.today() + timedelta(days=40))
    SessionFactory(course=course, day=date.today() + timedelta(days=10), status=SessionStatus.CANCELLED)
    nearest = SessionFactory(course=course, day=date.today() + timedelta(days=20))
    html = page(client.get("/admin/courses"))
    assert "<td>2 / 4</td>" in html  # two upcoming scheduled sessions out of four
    assert f"<td>{when(nearest.starts_at)}</td>" in html


def test_create_a_course_as_a_draft(client, signed_in_admin):
    response = post_form(client, "/admin/courses/new", FORM)
    course = db.session.scalar(sa.select(Course).where(Course.slug == "lentiviral-vectors"))
    assert response.status_code == 302 and response.location == f"/admin/courses/{course.id}"
    assert course.status is CourseStatus.DRAFT and course.duration_hours == 14
    assert str(course.attendance_threshold) == "0.80"
    [entry] = audit("course.created")
    assert entry.actor_id == signed_in_admin.id and entry.after["title"] == "Lentiviral vectors in practice"
    html = page(client.get(response.location))
    assert "is created as a draft" in html and "Lentiviral vectors in practice" in html


def test_a_taken_slug_is_shown_next_to_its_field(client, signed_in_admin):
    CourseFactory(slug="lentiviral-vectors")
    response = post_form(client, "/admin/courses/new", FORM)
    assert response.status_code == 422
    assert "Another course already uses the short name “lentiviral-vectors”." in page(response)
    assert 'id="slug-error"' in page(response)
    assert count_rows(Course) == 1


def test_missing_fields_are_explained(client, signed_in_admin):
    response = post_form(client, "/admin/courses/new", {**FORM, "title": "", "duration_hours": "0"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="title-error"' in html and 'id="duration_hours-error"' in html


def test_edit_a_course_makes_a_new_version(client, signed_in_admin):
    course = CourseFactory(title="AAV vector design", slug="aav-vector-design")
    form_page = page(client.get(f"/admin/courses/{course.id}/edit"))
    assert 'value="AAV vector design"' in form_page and 'value="aav-vector-design"' in form_page
    response = post_form(
        client,
        f"/admin/courses/{course.id}/edit",
        {**FORM, "slug": "aav-vector-design", "title": "AAV vector design and production"},
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.title == "AAV vector design and production" and course.version == 2
    [entry] = audit("course.updated")
    assert entry.before["title"] == "AAV vector design" and entry.before["version"] == 1
    assert entry.after["title"] == "AAV vector design and production" and entry.after["version"] == 2


@pytest.mark.parametrize(
    "start,status,action,message",
    [
        (CourseStatus.DRAFT, "published", "course.published", "The course is published"),
        (CourseStatus.PUBLISHED, "draft", "course.unpublished", "The course is back to draft"),
        (CourseStatus.PUBLISHED, "archived", "course.archived", "The course is archived"),
    ],
)
def test_publish_unpublish_archive(client, signed_in_admin, start, status, action, message):
    course = CourseFactory(status=start)
    response = post_form(
        client, f"/admin/courses/{course.id}/status", {"status": status}, page=f"/admin/courses/{course.id}"
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.status.value == status
    [entry] = audit(action)
    assert entry.before == {"status": start.value} and entry.after == {"status": status}
    html = page(client.get(f"/admin/courses/{course.id}"))
    assert message in html and action in html  # flashed, and in the page's history


def test_the_detail_lists_past_and_upcoming_sessions(client, signed_in_admin, trainer):
    course = CourseFactory()
    SessionFactory(course=course, day=date.today() - timedelta(days=60), place="Old lab")
    SessionFactory(
        course=course, day=date.today() + timedelta(days=9), place="New lab", seats_taken=3, trainers=[trainer]
    )
    html = page(client.get(f"/admin/courses/{course.id}"))
    upcoming, past = html.split("Past sessions")
    assert "New lab" in upcoming and "3 / 12" in upcoming and "Thomas Petit" in upcoming
    assert "Old lab" in past and "New lab" not in past


@pytest.mark.parametrize("url", ["/admin/courses", "/admin/courses/new"])
def test_only_admins_see_the_courses_pages(client, auth, learner, trainer, url):
    response = client.get(url)
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    for user in (learner, trainer):
        auth.sign_in(user)
        assert client.get(url).status_code == 403
        auth.sign_out()


def test_a_learner_cannot_create_a_course(client, auth, learner):
    auth.sign_in(learner)
    response = post_form(client, "/admin/courses/new", FORM, page="/")
    assert response.status_code == 403
    assert count_rows(Course) == 0
