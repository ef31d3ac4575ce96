"""The public catalogue: filters that combine, accent-free search, sorting, pages, course page."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar

from tests.factories import CourseFactory, SessionFactory, UserFactory
from training.catalogue.models import CourseFormat, CourseStatus, Track
from training.catalogue.queries import month_choices
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.surveys.models import SurveyResponse


def titles(response) -> list[str]:
    """Course titles of the cards on a catalogue page, in order."""
    return re.findall(r'class="stretched-link[^"]*"[^>]*>([^<]+)</a>', response.get_data(as_text=True))


def next_month_day() -> date:
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=9)


@pytest.fixture
def catalogue(ctx):
    """Courses that differ by one criterion each from the one a learner looks for."""
    day = next_month_day()
    wanted = SessionFactory(
        course__title="Production GMP de vecteurs viraux",
        day=day,
        course__track=Track.BIOMANUFACTURING,
        course__language="fr",
    ).course
    SessionFactory(
        course__title="Contrôle qualité : complet",
        day=day,
        capacity=2,
        seats_taken=2,
        course__track=Track.BIOMANUFACTURING,
        course__language="fr",
    )
    SessionFactory(
        course__title="Upstream processing", day=day, course__track=Track.BIOMANUFACTURING, course__language="en"
    )
    SessionFactory(
        course__title="Thérapie génique : vecteurs AAV",
        day=day,
        course__track=Track.RESEARCH,
        course__language="fr",
        course__objectives="Choisir un sérotype de capside",
    )
    SessionFactory(
        course__title="Aseptie en salle blanche",
        day=day + timedelta(days=62),
        course__track=Track.BIOMANUFACTURING,
        course__language="fr",
    )
    CourseFactory(title="Brouillon en cours", track=Track.BIOMANUFACTURING, status=CourseStatus.DRAFT)
    CourseFactory(title="Créer sa start-up", track=Track.ENTREPRENEURSHIP, format=CourseFormat.REMOTE)
    return wanted


def test_filters_combine_and_the_url_can_be_shared(client, catalogue):
    month = next_month_day().strftime("%Y-%m")
    url = f"/courses?track=biomanufacturing&language=fr&month={month}&free=1"
    assert titles(client.get(url)) == ["Production GMP de vecteurs viraux"]
    # The same URL, opened elsewhere, gives the same answer.
    assert titles(client.application.test_client().get(url)) == ["Production GMP de vecteurs viraux"]


def test_quick_filters_find_it_in_a_few_clicks(client, catalogue):
    page = client.get("/courses").get_data(as_text=True)
    link = re.search(r'href="(/courses\?track=biomanufacturing)"', page)[1]
    page = client.get(link).get_data(as_text=True)
    link = re.search(r'href="(/courses\?[^"]*language=fr[^"]*)"', page)[1].replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    next_month = month_choices()[1]
    link = re.search(rf'href="(/courses\?[^"]*month={next_month}[^"]*)"', page)[1].replace("&amp;", "&")
    assert titles(client.get(link)) == ["Production GMP de vecteurs viraux"]


def test_search_ignores_accents_and_case(client, catalogue):
    for q in ("therapie", "THÉRAPIE", "thérapie génique", "serotype"):
        assert titles(client.get(f"/courses?q={q}")) == ["Thérapie génique : vecteurs AAV"], q
    assert titles(client.get("/courses?q=therapie+upstream")) == []
    assert titles(client.get("/courses?q=%25")) == []  # a literal %, not a wildcard


def test_drafts_are_neither_listed_nor_shown(client, catalogue):
    assert "Brouillon en cours" not in titles(client.get("/courses"))
    draft = db.session.scalar(db.select(type(catalogue)).where(type(catalogue).title == "Brouillon en cours"))
    assert client.get(f"/courses/{draft.slug}").status_code == 404


def test_sort_by_next_session_then_by_title(client, catalogue):
    by_date = titles(client.get("/courses"))
    assert by_date[-1] == "Créer sa start-up"  # no session: last
    assert by_date.index("Aseptie en salle blanche") > by_date.index("Upstream processing")
    assert titles(client.get("/courses?sort=title")) == sorted(by_date)


def test_cards_show_seats_left_and_full_sessions(client, catalogue):
    page = client.get("/courses?track=biomanufacturing&language=fr").get_data(as_text=True)
    assert "12 seats left" in page
    assert "Full: waitlist open" in page


def test_pagination_keeps_the_filters(client, ctx):
    for number in range(15):
        CourseFactory(title=f"Cours {number:02d}", language="fr")
    page = client.get("/courses?language=fr&sort=title").get_data(as_text=True)
    assert 'href="/courses?language=fr&amp;sort=title&amp;page=2"' in page
    second = client.get("/courses?language=fr&sort=title&page=2")
    assert titles(second) == ["Cours 12", "Cours 13", "Cours 14"]


def test_pagination_keeps_the_page_size(client, ctx):
    for number in range(7):
        CourseFactory(title=f"Cours {number:02d}", language="fr")
    page = client.get("/courses?sort=title&per_page=3").get_data(as_text=True)
    assert 'href="/courses?sort=title&amp;per_page=3&amp;page=2"' in page
    assert 'href="/courses?sort=title&amp;per_page=3&amp;page=3"' in page
    second = client.get("/courses?sort=title&page=2&per_page=3")
    assert titles(second) == ["Cours 03", "Cours 04", "Cours 05"]


def test_bad_filters_are_left_out_with_a_message(client, catalogue):
    response = client.get("/courses?track=astronomy&page=-3&month=2026-13")
    assert response.status_code == 200
    assert "were not understood" in response.get_data(as_text=True)
    assert len(titles(response)) == 6


def test_course_page_shows_the_whole_programme(client, catalogue, trainer):
    session = catalogue.sessions[0]
    session.trainers = [trainer]
    db.session.commit()
    page = client.get(f"/courses/{catalogue.slug}").get_data(as_text=True)
    for text in (
        "Décrire les étapes du procédé",
        "7 hours",
        "Bases de biologie moléculaire",
        "Chercheurs et ingénieurs",
        "Cours et travaux pratiques",
        "QCM en fin de session",
        "référent handicap",
        "formation@genother.example",
        "€900.00",
        "Genopole Campus 1, Evry",
        "Thomas Petit",
        "12 seats left",
        "2 half-days",
    ):
        assert text in page, text


def test_course_page_json_ld_describes_the_course(client, catalogue):
    page = client.get(f"/courses/{catalogue.slug}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1])
    assert data["@type"] == "Course" and data["name"] == catalogue.title
    assert data["hasCourseInstance"][0]["location"] == "Genopole Campus 1, Evry"
    assert data["offers"]["price"] == "900.00"


def test_json_ld_cannot_break_out_of_its_script(client, ctx):
    course = SessionFactory(course__summary="</script><script>alert(1)</script>").course
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_ics_feed_has_one_event_per_half_day(client, catalogue):
    response = client.get(f"/courses/{catalogue.slug}/sessions.ics")
    assert response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 2
    slot = catalogue.sessions[0].slots[0]
    assert events[0].decoded("dtstart") == slot.starts_at
    assert str(events[0]["location"]) == "Genopole Campus 1, Evry"


def test_results_appear_once_learners_answered(client, ctx):
    past = SessionFactory(day=date.today() - timedelta(days=30))
    course = past.course
    assert "Results are published once" in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    now = datetime.now(UTC)
    for overall in (5, 4, 2):
        enrolment = Enrolment(session=past, user=UserFactory(), status=EnrolmentStatus.CONFIRMED, confirmed_at=now)
        db.session.add(enrolment)
        db.session.add(SurveyResponse(enrolment=enrolment, overall=overall, content=4, trainer=4, organisation=4))
    past.seats_taken = 3
    db.session.commit()
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "67 %" in page  # 2 of 3 rated 4 or 5
    assert "mean 3.7/5 over 3 answers" in page
    assert "0 %" in page  # nobody attended: completion rate is 0


def test_full_session_shows_its_waitlist(client, ctx):
    session = SessionFactory(capacity=1, seats_taken=1)
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Enrolment(session=session, user=UserFactory(), status=EnrolmentStatus.CONFIRMED, confirmed_at=now),
            Enrolment(session=session, user=UserFactory(), status=EnrolmentStatus.WAITLISTED, waitlisted_at=now),
            Enrolment(session=session, user=UserFactory(), status=EnrolmentStatus.WAITLISTED, waitlisted_at=now),
        ]
    )
    db.session.commit()
    page = client.get(f"/courses/{session.course.slug}").get_data(as_text=True)
    assert "2 people on the waitlist" in page


def test_price_and_hours_are_decimals(ctx):
    course = CourseFactory(duration_hours=Decimal("10.5"), price_eur=Decimal("1200"))
    db.session.commit()
    db.session.expire_all()
    assert course.duration_hours == Decimal("10.5")
