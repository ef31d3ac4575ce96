"""The trainer's home: today's half-days, the sessions to come, and the past ones a page at a time."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from tests.factories import SessionFactory, UserFactory, enrol
from training.attendance import services
from training.attendance.models import MarkStatus
from training.extensions import db

TODAY = date(2026, 6, 10)


def titles(page: str) -> list[str]:
    """The course titles of the session cards, in page order."""
    return re.findall(r'<h3 class="h6 mb-1"><a [^>]*>([^<]+)</a></h3>', page)


def past_section(page: str) -> str:
    return page[page.index('id="past"') :]


def test_past_sessions_come_a_page_at_a_time_the_latest_first(client, auth, trainer, ctx):
    with freeze_time("2026-06-10 08:30:00"):  # 10:30 in Paris
        past = [
            SessionFactory(day=TODAY - timedelta(days=2 * n + 1), trainers=[trainer], course__title=f"Past {n:02d}")
            for n in range(23)
        ]
        SessionFactory(day=TODAY + timedelta(days=7), trainers=[trainer], course__title="Coming")
        someone_else = UserFactory(roles=["trainer"])
        SessionFactory(day=TODAY - timedelta(days=4), trainers=[someone_else], course__title="Other's")
        auth.sign_in(trainer)
        pages = [client.get("/trainer" + (f"?page={n}" if n > 1 else "")).get_data(as_text=True) for n in (1, 2, 3, 4)]

    for page in pages:
        assert titles(page[: page.index('id="past"')]) == ["Coming"]  # the sessions to come, on every page
        assert "Other&#39;s" not in page
    assert [titles(past_section(page)) for page in pages[:3]] == [
        [s.course.title for s in past[:10]],
        [s.course.title for s in past[10:20]],
        [s.course.title for s in past[20:]],
    ]
    assert "23 sessions, the latest first" in pages[0]
    assert 'href="/trainer?page=2#past"' in pages[0] and 'href="/trainer?page=3#past"' in pages[0]
    assert 'aria-label="Pages of past sessions"' in pages[0]
    assert titles(past_section(pages[3])) == [] and "No past session on this page." in pages[3]
    assert '<a href="/trainer#past">Back to the latest</a>' in pages[3]


def test_todays_half_days_are_listed_even_once_the_session_has_ended(client, auth, trainer, ctx):
    with freeze_time("2026-06-10 17:00:00"):  # 19:00 in Paris: the day's session ended at 17:00
        SessionFactory(day=TODAY, trainers=[trainer], course__title="Ce matin")
        auth.sign_in(trainer)
        page = client.get("/trainer").get_data(as_text=True)
    today = page[page.index("today-heading") : page.index("upcoming-heading")]
    assert today.count("Take the roll") == 2 and "Ce matin" in today
    assert titles(past_section(page)) == ["Ce matin"]
    assert "1 session, the latest first" in page


def test_a_trainer_without_sessions_sees_none_and_no_pages(client, auth, trainer, ctx):
    auth.sign_in(trainer)
    page = client.get("/trainer").get_data(as_text=True)
    assert "No half-day to teach today." in page
    assert past_section(page).count("None.") == 1 and "pagination" not in page


def test_todays_half_days_show_their_marks_on_every_page(client, auth, trainer, ctx):
    """Today's card reads its session's marks even when the session is not on the page of past
    sessions shown (here page 2, where today's session, the latest, is not)."""
    with freeze_time("2026-06-10 17:00:00"):  # 19:00 in Paris: today's session has ended
        today = SessionFactory(day=TODAY, trainers=[trainer], course__title="Ce matin")
        for n in range(12):
            SessionFactory(day=TODAY - timedelta(days=n + 1), trainers=[trainer], course__title=f"Past {n:02d}")
        enrolment = enrol(today, UserFactory())
        services.set_mark(trainer, today.slots[0], enrolment, MarkStatus.PRESENT)
        db.session.commit()
        auth.sign_in(trainer)
        page = client.get("/trainer?page=2").get_data(as_text=True)
    today_section = page[page.index("today-heading") : page.index("upcoming-heading")]
    assert "1 of 1 marked" in today_section and "0 of 1 marked" in today_section
    assert "Ce matin" not in past_section(page)


@pytest.mark.parametrize(
    ("now", "day"),
    [
        ("2026-06-09 22:30:00", date(2026, 6, 10)),  # 00:30 on the 10th in Paris (summer time, UTC+2)
        ("2026-12-09 23:30:00", date(2026, 12, 10)),  # 00:30 on the 10th in Paris (winter time, UTC+1)
    ],
)
def test_today_is_the_day_in_paris(client, auth, trainer, ctx, now, day):
    with freeze_time(now):  # still the 9th in UTC
        SessionFactory(day=day, trainers=[trainer], course__title="Le 10")
        SessionFactory(day=day - timedelta(days=1), trainers=[trainer], course__title="Le 9")
        auth.sign_in(trainer)
        page = client.get("/trainer").get_data(as_text=True)
    today = page[page.index("today-heading") : page.index("upcoming-heading")]
    assert "Le 10" in today and "Le 9" not in today and today.count("Take the roll") == 2
