"""Done-when: on the demo data, the BPF page's figures match a hand count from the raw attendance table."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tests.factories import signed_in_id
from tests.reports.conftest import number, page_rows
from training import demo_data
from training.accounts.models import LearnerCategory, User
from training.attendance.models import AttendanceMark
from training.catalogue.models import CourseFormat, CourseSession, SessionStatus, Slot, Track
from training.enrolment.models import Enrolment
from training.extensions import db
from training.timezones import PARIS

THIS_YEAR = datetime.now(PARIS).year
# The demo's sessions run from about 26 weeks ago to 10 weeks ahead: this year and, early in
# the year, the previous one too.
YEARS = (THIS_YEAR - 1, THIS_YEAR)
# The lines of each breakdown, in the order the page lists them.
LINE_KEYS = {
    "category": [c.value for c in LearnerCategory],
    "track": [t.value for t in Track],
    "format": ["remote", "in_person"],
}


def hand_count(year: int) -> dict:
    """Every figure of `year`, counted in Python over every attendance mark, keyed like the page's lines."""
    marks = db.session.scalars(
        sa.select(AttendanceMark).options(
            joinedload(AttendanceMark.slot).joinedload(Slot.session).joinedload(CourseSession.course),
            joinedload(AttendanceMark.enrolment).joinedload(Enrolment.user),
        )
    ).all()
    trainees, persons, hours = set(), set(), Decimal(0)
    enrolments = {dimension: defaultdict(set) for dimension in LINE_KEYS}
    hours_by = {dimension: Counter() for dimension in LINE_KEYS}
    for m in marks:
        session, course, user = m.slot.session, m.slot.session.course, m.enrolment.user
        if (
            session.status is SessionStatus.CANCELLED
            or not m.status.counts_as_attended
            or m.slot.starts_at.astimezone(PARIS).year != year
        ):
            continue
        trainees.add(m.enrolment_id)
        persons.add(user.id)
        hours += m.slot.hours
        remote = course.format in (CourseFormat.REMOTE, CourseFormat.HYBRID)
        keys = {
            "category": user.category.value,
            "track": course.track.value,
            "format": "remote" if remote else "in_person",
        }
        for dimension, key in keys.items():
            enrolments[dimension][key].add(m.enrolment_id)
            hours_by[dimension][key] += m.slot.hours
    lines = {
        dimension: [(len(enrolments[dimension][key]), Decimal(hours_by[dimension][key])) for key in keys]
        for dimension, keys in LINE_KEYS.items()
    }
    return {"trainees": len(trainees), "persons": len(persons), "hours": hours, "trainers": taught(year), **lines}


def taught(year: int) -> dict[str, tuple[int, Decimal]]:
    """Half-days held and hours taught per trainer name, counted slot by slot."""
    now = datetime.now(UTC)
    sessions = db.session.scalars(
        sa.select(CourseSession).options(selectinload(CourseSession.slots), selectinload(CourseSession.trainers))
    ).all()
    half_days, hours = Counter(), Counter()
    for session in sessions:
        for slot in session.slots:
            if (
                session.status is not SessionStatus.CANCELLED
                and slot.ends_at < now
                and slot.starts_at.astimezone(PARIS).year == year
            ):
                for trainer in session.trainers:
                    half_days[trainer.name] += 1
                    hours[trainer.name] += slot.hours
    return {name: (half_days[name], hours[name]) for name in half_days}


@pytest.fixture(scope="module")
def demo_client(demo_app):
    """A client signed in as the demo's admin (the demo database is never changed)."""
    assert demo_app.seed_result.exit_code == 0, demo_app.seed_result.output
    client = demo_app.test_client()
    with demo_app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == demo_data.ADMIN[1]))
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = signed_in_id(admin), True
    return client


@pytest.mark.parametrize("year", YEARS)
def test_the_page_matches_a_hand_count_of_the_attendance_table(demo_app, demo_client, year):
    response = demo_client.get(f"/admin/bpf?year={year}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The demo admin reads French: numbers are read in the page's own language.
    locale = re.search(r'<html lang="(\w+)"', html).group(1)
    tables = page_rows(html)
    with demo_app.app_context():
        expected = hand_count(year)
    for dimension in LINE_KEYS:
        _header, *body, total = tables[f"by-{dimension}"]
        assert [(int(row[1]), number(row[2], locale)) for row in body] == expected[dimension], dimension
        assert (int(total[1]), number(total[2], locale)) == (expected["trainees"], expected["hours"])
    _header, *body = tables["trainers"]
    if expected["trainers"]:
        *body, total = body
        half_days, hours = (sum(values) for values in zip(*expected["trainers"].values(), strict=True))
        assert (int(total[1]), number(total[2], locale)) == (half_days, hours)
    assert {row[0]: (int(row[1]), number(row[2], locale)) for row in body if len(row) == 3} == expected["trainers"]
    assert "alert-success" in html and "alert-danger" not in html
    assert f'<p class="h3 mb-1">{expected["persons"]}</p>' in html


def test_the_demo_has_attendance_to_count(demo_app):
    with demo_app.app_context():
        counts = [hand_count(year) for year in YEARS]
    assert sum(c["trainees"] for c in counts) > 50
    assert all(c["hours"] > 0 for c in counts if c["trainees"])
    assert any(len(c["trainers"]) >= 3 for c in counts)
