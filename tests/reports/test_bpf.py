"""The BPF figures on a small case counted by hand: Paris years, cancelled sessions, held half-days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.factories import CourseFactory, UserFactory, paris
from tests.helpers import QueryCounter
from tests.reports.conftest import enrol, make_session, mark, page_tables, read_csv, utc
from training.accounts.models import LearnerCategory
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseFormat, Track
from training.extensions import db
from training.reports import bpf as bpf_module
from training.reports.bpf import bpf_figures
from training.timezones import PARIS

P, L, A, E = MarkStatus.PRESENT, MarkStatus.LATE, MarkStatus.ABSENT, MarkStatus.EXCUSED


@pytest.fixture
def year_2025(ctx):
    """2025, by hand:
    - AAV course (research, in person), 3 half-days of 3.5 h in March, two trainers:
      Léa (employee) present x3 = 10.5 h, Omar (student) present, absent, late = 7 h;
    - a cancelled session (remote) where Léa was marked present: counts nowhere;
    - a GMP course (biomanufacturing, hybrid) on New Year's Eve: a 1.5 h half-day on 31 December
      22:00 Paris (2025) and a 2 h one at 23:30 UTC = 00:30 Paris on 1 January (2026); Omar present
      at both, and Léa, enrolled too, excused at the first.
    """
    lea = UserFactory(name="Léa Martin", category=LearnerCategory.EMPLOYEE)
    omar = UserFactory(name="Omar Benali", category=LearnerCategory.STUDENT)
    trainers = [UserFactory(name=name, roles=["trainer"]) for name in ("Thomas Petit", "Anne Roy", "Marc Blanc")]
    aav = CourseFactory(title="AAV vectors", track=Track.RESEARCH, format=CourseFormat.IN_PERSON)
    gmp = CourseFactory(title="GMP production", track=Track.BIOMANUFACTURING, format=CourseFormat.HYBRID)
    remote = CourseFactory(title="Remote course", track=Track.ENTREPRENEURSHIP, format=CourseFormat.REMOTE)
    monday, tuesday = date(2025, 3, 10), date(2025, 3, 11)
    s1 = make_session(
        aav,
        [
            (paris(monday, 9), paris(monday, 12, 30), "3.5"),
            (paris(monday, 13, 30), paris(monday, 17), "3.5"),
            (paris(tuesday, 9), paris(tuesday, 12, 30), "3.5"),
        ],
        trainers=trainers[:2],
    )
    for enrolment, pattern in ((enrol(s1, lea), (P, P, P)), (enrol(s1, omar), (P, A, L))):
        for slot, status in zip(s1.slots, pattern, strict=True):
            mark(enrolment, slot, status, trainers[0])
    cancelled = make_session(
        remote,
        [(paris(date(2025, 6, 2), 9), paris(date(2025, 6, 2), 12, 30), "3.5")],
        trainers=trainers[2:],
        cancelled=True,
    )
    mark(enrol(cancelled, lea), cancelled.slots[0], P, trainers[2])
    eve = make_session(
        gmp,
        [
            (utc(2025, 12, 31, 21), utc(2025, 12, 31, 22, 30), "1.5"),
            (utc(2025, 12, 31, 23, 30), utc(2026, 1, 1, 1, 30), "2"),
        ],
        trainers=trainers[2:],
    )
    omar_eve, lea_eve = enrol(eve, omar), enrol(eve, lea)
    for slot in eve.slots:
        mark(omar_eve, slot, P, trainers[2])
    mark(lea_eve, eve.slots[0], E, trainers[2])
    return {"lea": lea, "omar": omar, "trainers": trainers, "s1": s1}


def lines(figures_lines) -> dict[str, tuple[int, Decimal]]:
    return {line.key: (line.trainees, line.hours) for line in figures_lines}


def test_a_year_counted_by_hand(year_2025):
    figures = bpf_figures(2025)
    assert (figures.trainees, figures.persons, figures.hours) == (3, 2, Decimal("19"))
    assert lines(figures.by_category) == {
        "employee": (1, Decimal("10.5")),
        "job_seeker": (0, 0),
        "self_funded": (0, 0),
        "student": (2, Decimal("8.5")),
        "other": (0, 0),
    }
    assert lines(figures.by_track) == {
        "research": (2, Decimal("17.5")),
        "biomanufacturing": (1, Decimal("1.5")),
        "entrepreneurship": (0, 0),
    }
    assert lines(figures.by_format) == {"remote": (1, Decimal("1.5")), "in_person": (2, Decimal("17.5"))}
    assert figures.checked and [c.figure for c in figures.checks] == ["trainees", "hours"]


def test_trainers_count_each_held_half_day_for_each_trainer(year_2025):
    figures = bpf_figures(2025)
    taught = {line.name: (line.half_days, line.hours) for line in figures.trainers}
    # Marc taught only the cancelled session and the New Year's Eve half-days: one in 2025.
    assert taught == {
        "Anne Roy": (3, Decimal("10.5")),
        "Marc Blanc": (1, Decimal("1.5")),
        "Thomas Petit": (3, Decimal("10.5")),
    }
    assert figures.trainer_hours == Decimal("22.5")


def test_only_half_days_already_held_count_as_taught(year_2025):
    during_the_first_afternoon = paris(date(2025, 3, 10), 15)
    figures = bpf_figures(2025, now=during_the_first_afternoon)
    assert {line.name: line.hours for line in figures.trainers} == {
        "Anne Roy": Decimal("3.5"),
        "Thomas Petit": Decimal("3.5"),
    }


def test_a_half_day_starting_on_new_years_day_in_paris_counts_in_the_next_year(year_2025):
    figures = bpf_figures(2026)
    assert (figures.trainees, figures.persons, figures.hours) == (1, 1, Decimal("2"))
    assert lines(figures.by_category)["student"] == (1, Decimal("2"))
    assert lines(figures.by_format)["remote"] == (1, Decimal("2"))
    assert {line.name: line.hours for line in figures.trainers} == {"Marc Blanc": Decimal("2")}
    assert bpf_figures(2024).trainees == 0 and bpf_figures(2024).checked


def test_the_page_shows_the_figures_and_that_they_were_checked(client, signed_in_admin, year_2025):
    response = client.get("/admin/bpf?year=2025")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "BPF figures for 2025" in html
    assert "Checked." in html and "the trainees add up to 3 and the hours-trainees to 19" in html
    tables = page_tables(html)
    assert tables["by-category"]["Employee"] == ("1", "10.5")
    assert tables["by-category"]["Job seeker"] == ("0", "0")
    assert tables["by-category"]["Total"] == ("3", "19")
    assert tables["by-track"]["Research"] == ("2", "17.5")
    assert tables["by-format"]["Wholly or partly remote"] == ("1", "1.5")
    assert tables["by-format"]["In person"] == ("2", "17.5")
    assert tables["trainers"]["Anne Roy"] == ("3", "10.5")
    assert tables["trainers"]["Total, 3 trainers"] == ("7", "22.5")
    assert '<option value="2025" selected>' in html


def test_a_disagreement_is_shown_in_red_and_named(client, signed_in_admin, year_2025, monkeypatch):
    grouped = bpf_module._grouped

    def losing_hybrid_courses(start, end, column):
        rows = grouped(start, end, column)
        return [row for row in rows if row[0] is not CourseFormat.HYBRID]

    monkeypatch.setattr(bpf_module, "_grouped", losing_hybrid_courses)
    html = client.get("/admin/bpf?year=2025").get_data(as_text=True)
    assert "Checked." not in html
    assert "alert-danger" in html and "The totals disagree" in html
    assert "Trainees: The sum by format is 2, the total is 3." in html
    assert "Hours-trainees: The sum by format is 17.5, the total is 19." in html


def test_the_csv_has_the_same_figures(client, signed_in_admin, year_2025):
    response = client.get("/admin/bpf.csv?year=2025")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="bpf-2025.csv"'
    rows = read_csv(response)
    assert rows[0] == ["section", "label", "trainees", "hours_trainees", "hours_taught"]
    assert rows[1] == ["total", "Trainees (one per learner and session)", "3", "19", ""]
    assert rows[2] == ["persons", "Distinct persons (for information)", "2", "", ""]
    assert ["category", "Student", "2", "8.5", ""] in rows
    assert ["category", "Other", "0", "0", ""] in rows
    assert ["track", "Biomanufacturing", "1", "1.5", ""] in rows
    assert ["format", "In person", "2", "17.5", ""] in rows
    assert ["trainers", "Distinct trainers: 3", "", "", "22.5"] in rows
    assert rows[-3:] == [
        ["trainer", "Anne Roy", "", "", "10.5"],
        ["trainer", "Marc Blanc", "", "", "1.5"],
        ["trainer", "Thomas Petit", "", "", "10.5"],
    ]


def test_the_current_year_is_the_default(client, signed_in_admin):
    html = client.get("/admin/bpf").get_data(as_text=True)
    assert f"BPF figures for {datetime.now(PARIS).year}" in html
    assert "No half-day was held this year yet." in html


@pytest.mark.parametrize(
    "url", ["/admin/bpf?year=abc", "/admin/bpf?year=1999", "/admin/bpf?year=-1", "/admin/bpf.csv?year=20260"]
)
def test_a_bad_year_is_refused_with_a_sentence(client, signed_in_admin, url):
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a year the report can be made for: give a year between 2000 and 2100" in html
    assert "Trainees" not in html
    assert f'<option value="{datetime.now(PARIS).year}" selected>' in html


def _grow(year_2025, sessions: int, learners: int):
    """More courses, sessions, learners, marks and trainers in 2025."""
    trainer = UserFactory(roles=["trainer"])
    for n in range(sessions):
        course = CourseFactory(track=list(Track)[n % 3], format=list(CourseFormat)[n % 3])
        day = date(2025, 4, 1) + timedelta(days=n)
        session = make_session(
            course,
            [(paris(day, 9), paris(day, 12, 30), "3.5"), (paris(day, 13, 30), paris(day, 17), "3.5")],
            trainers=[trainer],
        )
        for m in range(learners):
            enrolment = enrol(session, UserFactory(category=list(LearnerCategory)[m % 5]))
            for slot in session.slots:
                mark(enrolment, slot, (P, L, A)[m % 3], trainer)


def test_the_query_count_does_not_grow_with_the_data(client, signed_in_admin, year_2025):
    def queries() -> int:
        with QueryCounter(db.engine) as counter:
            assert client.get("/admin/bpf?year=2025").status_code == 200
        return counter.count

    small = queries()
    _grow(year_2025, sessions=6, learners=7)
    large = queries()
    assert bpf_figures(2025).trainees == 3 + 6 * 5  # absentees (one learner in three) are not trainees
    assert large == small
    assert small <= 10
