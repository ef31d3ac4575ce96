"""The training office's dashboard: what needs an admin today, and the server-drawn charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from markupsafe import escape

from tests.factories import CourseFactory, SessionFactory, UserFactory, paris
from tests.helpers import QueryCounter, count_rows, post_form
from training import demo_data
from training.accounts.models import User
from training.admin import charts
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus, SlotSignoff
from training.catalogue.models import CourseSession, SessionStatus, Slot, Track
from training.certificates import services as certificates
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.surveys.models import SurveyResponse

DASHBOARD = "/admin/"


# ---------------------------------------------------------------- reading the page


def section(page: str, section_id: str) -> str:
    """The HTML of one section of the dashboard."""
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert found, f"no section {section_id}"
    return found.group(0)


def badge(html: str) -> int:
    """The count shown next to a section's heading."""
    return int(re.search(r'dashboard-count[^"]*">(\d+)<', html).group(1))


def svg(page: str, chart_id: str) -> str:
    """The SVG whose title is `chart_id`-title (the desktop drawing of a chart)."""
    found = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title.*?</svg>', page, re.S)
    assert found, f"no chart {chart_id}"
    return found.group(0)


def bars(svg_html: str) -> list[tuple[str, str]]:
    """Each bar of a chart: its tooltip and the value label drawn by it."""
    return re.findall(r'<g class="chart-bar">\s*<title>(.*?)</title>.*?<text[^>]*>(.*?)</text>', svg_html, re.S)


def text(value: str) -> str:
    """`value` as the page writes it (apostrophes and ampersands escaped)."""
    return str(escape(value))


def get_dashboard(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the demo data


@pytest.fixture(scope="module")
def demo_page(demo_app) -> str:
    """The dashboard as the demo's admin sees it, fetched once (the demo app is shared: nothing changes)."""
    assert demo_app.seed_result.exit_code == 0, demo_app.seed_result.output
    client = demo_app.test_client()
    post_form(client, "/sign-in", {"email": demo_data.ADMIN[1], "password": demo_data.PASSWORDS["admin"]})
    return get_dashboard(client)


@pytest.fixture
def demo(demo_app, demo_page) -> str:
    """The demo's dashboard, inside the demo app's context so the test can read its database."""
    with demo_app.app_context():
        yield demo_page


def test_demo_requests_awaiting_approval_are_listed(demo):
    waiting = db.session.scalars(
        sa.select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.status == EnrolmentStatus.PENDING_APPROVAL)
    ).all()
    html = section(demo, "approvals")
    assert badge(html) == len(waiting) == 4
    assert all(text(person.name) in html for person in waiting)
    assert 'href="/admin/enrolments/pending"' in html


def test_demo_half_day_left_unsigned_is_listed_with_its_trainers(demo):
    now = datetime.now(UTC)
    signed = sa.select(SlotSignoff.slot_id)
    unsigned = db.session.scalars(
        sa.select(Slot)
        .join(Slot.session)
        .where(Slot.ends_at <= now, CourseSession.status == SessionStatus.SCHEDULED, Slot.id.not_in(signed))
    ).all()
    assert len(unsigned) == 1  # the demo leaves the last half-day of the latest finished session unsigned
    session = unsigned[0].session
    html = section(demo, "unsigned")
    assert badge(html) == 1
    assert text(session.course.title) in html
    assert f'href="/admin/sessions/{session.id}#slots"' in html
    assert all(text(trainer.name) in html for trainer in session.trainers)


def test_demo_certificates_left_unissued_make_their_session_due(demo):
    ended = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.ends_at <= datetime.now(UTC))
        .order_by(CourseSession.ends_at)
    ).all()
    html = section(demo, "certificates-due")
    # The demo issues the certificates of every ended session but the last.
    assert badge(html) == 1
    assert f'href="/admin/sessions/{ended[-1].id}/certificates"' in html
    assert text(ended[-1].course.title) in html
    assert f'/admin/sessions/{ended[-2].id}/certificates"' not in html


def test_demo_absences_of_the_last_30_days_are_listed(demo):
    now = datetime.now(UTC)
    marks = db.session.scalars(
        sa.select(AttendanceMark)
        .join(AttendanceMark.slot)
        .where(AttendanceMark.status == MarkStatus.ABSENT, Slot.starts_at >= now - timedelta(days=30))
        .order_by(Slot.starts_at.desc())
    ).all()
    assert marks, "the demo has recent absences"
    html = section(demo, "absences")
    assert badge(html) == len(marks)
    latest = marks[0].enrolment
    assert text(latest.user.name) in html and text(latest.session.course.title) in html


def test_demo_upcoming_sessions_show_their_waitlist_and_leave_out_cancelled_ones(demo):
    now = datetime.now(UTC)
    coming = db.session.scalars(
        sa.select(CourseSession)
        .where(CourseSession.starts_at > now, CourseSession.starts_at <= now + timedelta(days=60))
        .order_by(CourseSession.starts_at)
    ).all()
    cancelled = [s for s in coming if s.status is SessionStatus.CANCELLED]
    held = [s for s in coming if s.status is SessionStatus.SCHEDULED]
    html = section(demo, "upcoming")
    assert badge(html) == len(held)
    assert text(held[0].course.title) in html
    assert cancelled and all(f'href="/admin/sessions/{s.id}"' not in html for s in cancelled)
    full = next(s for s in held if s.seats_taken == s.capacity)  # the demo's full session, three waiting
    row = re.search(rf'href="/admin/sessions/{full.id}".*?</tr>', html, re.S).group(0)
    assert "100" in row and re.search(r'data-label="[^"]*">3</td>', row)


def test_demo_ratings_chart_counts_every_response_of_the_year(demo):
    responses = count_rows(SurveyResponse)
    drawn = bars(svg(demo, "chart-ratings"))
    assert len(drawn) == 5
    assert sum(int(label) for _title, label in drawn) == responses > 0


# ---------------------------------------------------------------- building blocks for factory data


def held_session(day: date, trainer: User, learners: list[User] | None = None, marks: str = "", **kwargs):
    """A one-day session (two half-days) of 7 h on `day`, its learners confirmed, marked as
    `marks` says: one letter per learner and half-day, P present, A absent, E excused."""
    session = SessionFactory(day=day, trainers=[trainer], seats_taken=len(learners or []), **kwargs)
    db.session.commit()
    codes = {"P": MarkStatus.PRESENT, "A": MarkStatus.ABSENT, "E": MarkStatus.EXCUSED}
    letters = iter(marks)
    for learner in learners or []:
        enrolment = Enrolment(
            session=session,
            user=learner,
            status=EnrolmentStatus.CONFIRMED,
            confirmed_at=session.starts_at - timedelta(days=20),
        )
        db.session.add(enrolment)
        db.session.flush()
        for slot in session.slots:
            code = next(letters, None)
            if code:
                db.session.add(
                    AttendanceMark(
                        session_id=session.id,
                        enrolment_id=enrolment.id,
                        slot_id=slot.id,
                        status=codes[code],
                        method=MarkMethod.TRAINER,
                        marked_by=trainer,
                    )
                )
    db.session.commit()
    return session


def enrol(session: CourseSession, user: User, status: EnrolmentStatus) -> Enrolment:
    at = datetime.now(UTC) - timedelta(days=2)
    enrolment = Enrolment(
        session=session,
        user=user,
        status=status,
        created_at=at,
        waitlisted_at=at if status is EnrolmentStatus.WAITLISTED else None,
    )
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def days_ago(n: int) -> date:
    return date.today() - timedelta(days=n)


def test_a_half_day_signed_off_leaves_the_list(client, signed_in_admin, trainer, admin):
    session = held_session(days_ago(3), trainer, course__title="Purification aval AAV")
    held_session(days_ago(3), trainer, course__title="Annulée", status=SessionStatus.CANCELLED)
    SessionFactory(day=date.today() + timedelta(days=5), course__title="Pas encore")
    html = section(get_dashboard(client), "unsigned")
    assert badge(html) == 2 and html.count("Purification aval AAV") == 2
    assert "Thomas Petit" in html and "Annulée" not in html and "Pas encore" not in html

    morning, afternoon = session.slots
    db.session.add(SlotSignoff(slot_id=morning.id, signed_by=trainer))
    db.session.commit()
    html = section(get_dashboard(client), "unsigned")
    assert badge(html) == 1 and "1:30" in html and "9:00" not in html  # the afternoon is left

    db.session.add(SlotSignoff(slot_id=afternoon.id, signed_by=trainer))
    db.session.commit()
    html = section(get_dashboard(client), "unsigned")
    assert badge(html) == 0 and "Every ended half-day is signed off." in html


def test_an_issued_certificate_removes_its_session_from_due(client, signed_in_admin, trainer, admin, mailbox):
    present, absent = UserFactory(name="Alice Bernard"), UserFactory(name="Bruno Caron")
    session = held_session(days_ago(4), trainer, [present, absent], "PPAA", course__title="Édition du génome")
    held_session(days_ago(5), trainer, [UserFactory()], "AA", course__title="Personne d'éligible")
    held_session(days_ago(200), trainer, [UserFactory()], "PP", course__title="Il y a longtemps")
    html = section(get_dashboard(client), "certificates-due")
    assert badge(html) == 1
    assert f'href="/admin/sessions/{session.id}/certificates"' in html
    assert "1 learner earned a certificate not yet issued" in html
    assert "Personne" not in html and "Il y a longtemps" not in html

    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == present.id))
    certificates.issue(admin, enrolment)
    db.session.commit()
    html = section(get_dashboard(client), "certificates-due")
    assert badge(html) == 0 and "Édition du génome" not in html


def test_absences_of_the_last_30_days_only_and_not_excused(client, signed_in_admin, trainer):
    recent, excused = UserFactory(name="Chloé Dumas"), UserFactory(name="Denis Excusé")
    old = UserFactory(name="Eve Ancienne")
    held_session(days_ago(3), trainer, [recent, excused], "PAEE", course__title="Contrôle qualité")
    held_session(days_ago(40), trainer, [old], "AA")
    html = section(get_dashboard(client), "absences")
    assert badge(html) == 1
    assert "Chloé Dumas" in html and "Contrôle qualité" in html and "1:30" in html
    assert "Denis" not in html and "Eve Ancienne" not in html


def test_upcoming_sessions_show_fill_rate_waitlist_and_requests(client, signed_in_admin, trainer):
    soon = SessionFactory(
        day=date.today() + timedelta(days=10), capacity=4, seats_taken=3, course__title="Bientôt complet"
    )
    for status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.PENDING_APPROVAL):
        enrol(soon, UserFactory(), status)
    SessionFactory(day=date.today() + timedelta(days=12), course__title="Annulée", status=SessionStatus.CANCELLED)
    SessionFactory(day=date.today() + timedelta(days=70), course__title="Trop loin")
    page = get_dashboard(client)
    html = section(page, "upcoming")
    assert badge(html) == 1 and "Annulée" not in html and "Trop loin" not in html
    row = re.search(r"Bientôt complet.*?</tr>", html, re.S).group(0)
    assert "75%" in row and "3 / 4" in row
    assert re.findall(r'data-label="[^"]*">(?:<a[^>]*>)?(\d+)<', row) == ["2", "1"]
    assert badge(section(page, "approvals")) == 1


def test_an_empty_database_shows_empty_sections_and_charts(client, signed_in_admin):
    page = get_dashboard(client)
    assert "No enrolment awaits approval." in page and "No session starts in the next 60 days." in page
    assert bars(svg(page, "chart-fill")) == [] and bars(svg(page, "chart-ratings"))[0][1] == "0"


# ---------------------------------------------------------------- charts


def test_fill_chart_has_one_bar_per_track_and_month_with_sessions(client, auth, admin, trainer):
    with freeze_time("2026-06-15 10:00:00"):
        research = CourseFactory(track=Track.RESEARCH)
        SessionFactory(course=research, day=date(2026, 5, 4), capacity=10, seats_taken=7)
        SessionFactory(course=research, day=date(2026, 5, 20), capacity=10, seats_taken=3)
        SessionFactory(course__track=Track.BIOMANUFACTURING, day=date(2026, 7, 6), capacity=8, seats_taken=8)
        SessionFactory(course__track=Track.BIOMANUFACTURING, day=date(2026, 6, 2), status=SessionStatus.CANCELLED)
        # 00:30 on 1 July in Paris is still 30 June in UTC: the session counts in July.
        start = paris(date(2026, 7, 1), 0, 30)
        SessionFactory(
            course__track=Track.ENTREPRENEURSHIP,
            day=date(2026, 7, 1),
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=12,
            seats_taken=3,
        )
        SessionFactory(course=research, day=date(2025, 11, 20), capacity=10, seats_taken=10)  # before the window
        auth.sign_in(admin)
        page = get_dashboard(client)
    drawn = bars(svg(page, "chart-fill"))
    assert sorted(drawn) == sorted(
        [
            ("Biomanufacturing, Jul 2026: 100% (8 of 8 seats)", "100"),
            ("Entrepreneurship, Jul 2026: 25% (3 of 12 seats)", "25"),
            ("Research, May 2026: 50% (10 of 20 seats)", "50"),
        ]
    )
    months = re.findall(r'font-size="12" fill="#212529">(\w+)</text>', svg(page, "chart-fill"))
    assert months[0] == "Dec" and months[-1] == "Nov" and len(months) == 12
    table = re.search(r"<caption>Fill rate.*?</table>", page, re.S).group(0)
    assert re.search(r"May 2026</th>\s*<td>50% \(10 of 20 seats\)</td><td>No session</td><td>No session</td>", table)


def test_attendance_and_satisfaction_charts(client, auth, admin, trainer):
    with freeze_time("2026-06-15 10:00:00"):
        a, b, c = UserFactory(), UserFactory(), UserFactory()
        held_session(date(2026, 5, 12), trainer, [a, b], "PPPA", course__track=Track.RESEARCH)
        held_session(date(2026, 6, 1), trainer, [c], "PP", course__track=Track.ENTREPRENEURSHIP)
        held_session(date(2026, 6, 22), trainer, [UserFactory()])  # not held yet: no hours scheduled
        enrolments = {e.user_id: e for e in db.session.scalars(sa.select(Enrolment))}
        for user, overall in ((a, 5), (b, 2), (c, 4)):
            db.session.add(
                SurveyResponse(
                    enrolment=enrolments[user.id],
                    overall=overall,
                    content=4,
                    trainer=4,
                    organisation=4,
                    submitted_at=datetime(2026, 6, 2, tzinfo=UTC),
                )
            )
        db.session.commit()
        auth.sign_in(admin)
        page = get_dashboard(client)
    assert bars(svg(page, "chart-attendance")) == [
        ("Attendance rate, May 2026: 75% (10.5 h attended of 14 h)", "75%"),
        ("Attendance rate, Jun 2026: 100% (7 h attended of 7 h)", "100%"),
    ]
    assert [label for _title, label in bars(svg(page, "chart-ratings"))] == ["0", "1", "0", "1", "1"]
    assert bars(svg(page, "chart-satisfaction")) == [
        ("Satisfied learners, Research: 50% (1 of 2 responses)", "50%"),
        ("Satisfied learners, Entrepreneurship: 100% (1 of 1 response)", "100%"),
    ]
    assert "67% (2 of 3 responses)" in page and "83% (17.5 h attended of 21 h)" in page


def _session_of(half_days: list[tuple[date, int]], trainer: User, learners: list[User], marks: str) -> CourseSession:
    """`held_session` with 3.5-hour half-days of its own (day, Paris hour of start)."""
    slots = [
        Slot(starts_at=paris(day, hour), ends_at=paris(day, hour) + timedelta(hours=3.5), hours=3.5)
        for day, hour in half_days
    ]
    return held_session(
        half_days[0][0], trainer, learners, marks, slots=slots, starts_at=slots[0].starts_at, ends_at=slots[-1].ends_at
    )


def test_attendance_by_month_counts_each_half_day_in_its_month_and_only_once_ended(ctx, trainer):
    """Ended sessions within a month count through the totals the database keeps; a session across
    the turn of a month, or under way, counts half-day by half-day: each in its own month, and only
    the half-days that have ended."""
    from training.admin.dashboard_queries import attendance_by_month, months_around

    a, b = UserFactory(), UserFactory()
    _session_of([(date(2026, 6, 3), 9), (date(2026, 6, 3), 14)], trainer, [a, b], "PPPA")  # within June
    _session_of([(date(2026, 5, 31), 9), (date(2026, 6, 1), 9)], trainer, [a, b], "PPPA")  # across May and June
    _session_of([(date(2026, 6, 15), 9), (date(2026, 6, 15), 14)], trainer, [a], "PA")  # under way
    now = paris(date(2026, 6, 15), 13)
    figures = attendance_by_month(months_around(now, 11, 0), now)
    assert {month: (cell["attended"], cell["scheduled"]) for month, cell in figures.items()} == {
        date(2026, 5, 1): (Decimal("7"), Decimal("7")),
        date(2026, 6, 1): (
            Decimal("10.5") + Decimal("3.5") + Decimal("3.5"),
            Decimal("14") + Decimal("7") + Decimal("3.5"),
        ),
    }


def test_bar_chart_geometry():
    groups = [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
    series = [{"key": "x", "label": "X"}, {"key": "y", "label": "Y"}]
    values = {
        ("a", "x"): {"value": 50, "label": "50", "text": "half"},
        ("b", "y"): {"value": 100, "label": "100", "text": "all"},
    }
    chart = charts.bar_chart(groups, series, values, ticks=[0, 50, 100], length=200, bar=20, gap=0, group_gap=10)
    half, full = chart["bars"]
    assert (half["height"], full["height"]) == (100, 200)
    assert half["y"] + half["height"] == full["y"] + full["height"] == chart["axis"]["y1"]
    assert full["x"] - half["x"] == 50 + 20  # the next group, second series
    assert half["label_y"] < half["y"] and half["title"] == "X, A: half"
    assert chart["table"]["rows"] == [{"label": "A", "cells": ["half", None]}, {"label": "B", "cells": [None, "all"]}]
    across = charts.bar_chart(groups, series, values, ticks=[0, 50, 100], horizontal=True, length=200, bar=20)
    assert [bar["width"] for bar in across["bars"]] == [100, 200]
    assert charts.nice_ticks(69) == [0, 20, 40, 60, 80] and charts.nice_ticks(0) == [0, 1]


# ---------------------------------------------------------------- queries


def populate(count: int, trainer: User) -> None:
    """`count` of everything the dashboard lists or counts: requests, unsigned half-days with
    certificates due and absences, upcoming sessions with a waitlist, survey answers."""
    for n in range(count):
        learners = [UserFactory(), UserFactory()]
        held_session(days_ago(10 + n), trainer, learners, "PPAP", course__track=list(Track)[n % 3])
        upcoming = SessionFactory(
            day=date.today() + timedelta(days=10 + n), capacity=1, seats_taken=1, trainers=[trainer]
        )
        enrol(upcoming, UserFactory(), EnrolmentStatus.PENDING_APPROVAL)
        enrol(upcoming, UserFactory(), EnrolmentStatus.WAITLISTED)
        enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == learners[0].id))
        db.session.add(SurveyResponse(enrolment=enrolment, overall=4 + n % 2, content=4, trainer=4, organisation=4))
    db.session.commit()


def test_query_count_does_not_grow_with_the_data(client, signed_in_admin, trainer):
    populate(3, trainer)
    with QueryCounter(db.engine) as small:
        page = get_dashboard(client)
    assert badge(section(page, "certificates-due")) == 3
    populate(12, trainer)
    with QueryCounter(db.engine) as large:
        page = get_dashboard(client)
    assert badge(section(page, "unsigned")) == 30 and badge(section(page, "upcoming")) == 15
    assert badge(section(page, "certificates-due")) == 15
    assert large.count == small.count, f"{small.count} queries for 3 of each, {large.count} for 15"
    assert small.count <= 30
