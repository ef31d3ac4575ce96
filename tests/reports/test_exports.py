"""CSV exports: columns, scopes, formula escaping end to end, refusals as a 400 form, constant query count."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories
from tests.factories import CourseFactory, UserFactory, paris
from tests.helpers import QueryCounter
from tests.reports.conftest import as_dicts, enrol, make_session, mark, read_csv, utc
from training.accounts.models import LearnerCategory
from training.attendance.models import MarkStatus, SlotSignoff
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment.models import EnrolmentStatus
from training.extensions import db

SERIALS = itertools.count(100)
EVIL = '=HYPERLINK("http://evil","x")'
DAY = date(2025, 3, 10)


@pytest.fixture
def course(ctx):
    return CourseFactory(title="AAV vectors", version=3)


@pytest.fixture
def session(course, trainer):
    """Two half-days on 10 March 2025 taught by Thomas Petit; the morning signed off."""
    session = make_session(
        course,
        [(paris(DAY, 9), paris(DAY, 12, 30), "3.5"), (paris(DAY, 13, 30), paris(DAY, 17), "3.5")],
        trainers=[trainer],
    )
    db.session.add(SlotSignoff(slot=session.slots[0], signed_by=trainer, signed_at=paris(DAY, 12, 45)))
    db.session.commit()
    return session


@pytest.fixture
def people(session, trainer, admin):
    """An attacker's name, a name with markup, a cancelled learner and a rejected one."""
    evil = UserFactory(name=EVIL, email="evil@example.org", organisation="@corp", category=LearnerCategory.STUDENT)
    bold = UserFactory(name="<b>bold</b>", email="bold@example.org")
    gone = UserFactory(name="Gaston Parti", email="gone@example.org")
    refused = UserFactory(name="Rita Refus", email="refused@example.org")
    evil_enrolment, bold_enrolment = enrol(session, evil), enrol(session, bold)
    enrol(session, gone, EnrolmentStatus.CANCELLED, cancelled_at=paris(DAY - timedelta(days=3), 10))
    enrol(
        session,
        refused,
        EnrolmentStatus.REJECTED,
        decided_by=admin,
        decided_at=paris(DAY - timedelta(days=5), 9),
        decision_reason="-prerequisites missing",
    )
    mark(evil_enrolment, session.slots[0], MarkStatus.LATE, trainer, note="+1")
    mark(bold_enrolment, session.slots[0], MarkStatus.PRESENT, trainer)
    return {"evil": evil_enrolment, "bold": bold_enrolment}


def download(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return as_dicts(read_csv(response))


def test_attendance_one_row_per_confirmed_learner_and_half_day(client, signed_in_admin, session, people):
    response = client.get(f"/admin/exports/attendance.csv?session={session.id}")
    assert response.headers["Content-Disposition"] == f'attachment; filename="attendance-session-{session.id}.csv"'
    header, *rows = read_csv(response)
    assert header == [
        "learner",
        "email",
        "course",
        "half_day_start",
        "half_day_end",
        "hours",
        "status",
        "method",
        "marked_by",
        "marked_at",
        "note",
        "signed_off_by",
    ]
    assert rows == [
        [
            "<b>bold</b>",
            "bold@example.org",
            "AAV vectors",
            "2025-03-10T09:00+01:00",
            "2025-03-10T12:30+01:00",
            "3.5",
            "present",
            "trainer",
            "Thomas Petit",
            "2025-03-10T09:10+01:00",
            "",
            "Thomas Petit",
        ],
        [
            "'" + EVIL,
            "evil@example.org",
            "AAV vectors",
            "2025-03-10T09:00+01:00",
            "2025-03-10T12:30+01:00",
            "3.5",
            "late",
            "trainer",
            "Thomas Petit",
            "2025-03-10T09:10+01:00",
            "'+1",
            "Thomas Petit",
        ],
        [
            "<b>bold</b>",
            "bold@example.org",
            "AAV vectors",
            "2025-03-10T13:30+01:00",
            "2025-03-10T17:00+01:00",
            "3.5",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "'" + EVIL,
            "evil@example.org",
            "AAV vectors",
            "2025-03-10T13:30+01:00",
            "2025-03-10T17:00+01:00",
            "3.5",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_enrolments_every_status_with_decisions(client, signed_in_admin, session, people):
    rows = download(client, f"/admin/exports/enrolments.csv?session={session.id}")
    assert [row["learner"] for row in rows] == ["<b>bold</b>", "'" + EVIL, "Gaston Parti", "Rita Refus"]
    evil = rows[1]
    assert evil == {
        "session_id": str(session.id),
        "course": "AAV vectors",
        "session_start": "2025-03-10T09:00+01:00",
        "learner": "'" + EVIL,
        "email": "evil@example.org",
        "organisation": "'@corp",
        "category": "student",
        "status": "confirmed",
        "enrolled_at": "2025-02-24T09:00+01:00",
        "confirmed_at": "2025-02-24T09:00+01:00",
        "cancelled_at": "",
        "decided_by": "",
        "decision_reason": "",
    }
    assert (rows[2]["status"], rows[2]["cancelled_at"]) == ("cancelled", "2025-03-07T10:00+01:00")
    assert (rows[3]["status"], rows[3]["decided_by"], rows[3]["decision_reason"]) == (
        "rejected",
        "Ada Admin",
        "'-prerequisites missing",
    )


def certify(enrolment, admin, n: int, **fields) -> Certificate:
    """Certificate number `n`: half the hours attended, issued for the course's current version."""
    return factories.certify(
        enrolment,
        admin,
        f"code-{n}",
        f"GT-2025-{n:06d}-1",
        hours_attended=Decimal("3.5"),
        hours_scheduled=Decimal("7.00"),
        sha256=f"{n:064x}",
        course_version=enrolment.session.course.version,
        **fields,
    )


def test_certificates_every_version_with_its_fingerprint(client, signed_in_admin, session, people, admin):
    certify(people["bold"], admin, 1, issued_at=paris(DAY, 18))
    certify(
        people["evil"],
        admin,
        2,
        issued_at=paris(DAY, 18, 5),
        status=CertificateStatus.REVOKED,
        revoked_at=paris(DAY + timedelta(days=2), 10),
        revoked_by=admin,
        revocation_reason="=1+1",
    )
    session.course.version = 4  # the programme changed after the certificates: they still name version 3
    db.session.commit()
    rows = download(client, f"/admin/exports/certificates.csv?course={session.course_id}")
    assert list(rows[0]) == [
        "serial",
        "code",
        "learner",
        "email",
        "course",
        "course_version",
        "session_start",
        "version",
        "status",
        "hours_attended",
        "hours_scheduled",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revocation_reason",
        "sha256",
    ]
    assert rows[0]["learner"] == "<b>bold</b>" and rows[0]["status"] == "valid" and rows[0]["revoked_at"] == ""
    assert rows[1] == {
        "serial": "GT-2025-000002-1",
        "code": "code-2",
        "learner": "'" + EVIL,
        "email": "evil@example.org",
        "course": "AAV vectors",
        "course_version": "3",
        "session_start": "2025-03-10T09:00+01:00",
        "version": "1",
        "status": "revoked",
        "hours_attended": "3.5",
        "hours_scheduled": "7",
        "issued_at": "2025-03-10T18:05+01:00",
        "issued_by": "Ada Admin",
        "revoked_at": "2025-03-12T10:00+01:00",
        "revocation_reason": "'=1+1",
        "sha256": f"{2:064x}",
    }


def test_a_period_takes_each_exports_own_date_in_paris_days(client, signed_in_admin, course, trainer, learner):
    eve = make_session(
        course,
        [
            (utc(2025, 12, 31, 21), utc(2025, 12, 31, 22, 30), "1.5"),
            (utc(2025, 12, 31, 23, 30), utc(2026, 1, 1, 1, 30), "2"),
        ],
        trainers=[trainer],
    )
    enrol(eve, learner)
    rows = download(client, "/admin/exports/attendance.csv?from=2026-01-01&to=2026-01-31")
    assert [row["half_day_start"] for row in rows] == ["2026-01-01T00:30+01:00"]
    rows = download(client, "/admin/exports/attendance.csv?from=2025-12-01&to=2025-12-31")
    assert [row["half_day_start"] for row in rows] == ["2025-12-31T22:00+01:00"]
    assert download(client, "/admin/exports/enrolments.csv?from=2026-01-01&to=2026-01-01") == []
    assert len(download(client, "/admin/exports/enrolments.csv?from=2025-12-31&to=2025-12-31")) == 1


def test_the_form_leads_to_the_download_url(client, signed_in_admin, session):
    page = client.get(f"/admin/exports?session={session.id}").get_data(as_text=True)
    assert f'<option selected value="{session.id}">' in page and "AAV vectors" in page
    response = client.get(f"/admin/exports?kind=attendance&session={session.id}&course=&from=&to=")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/exports/attendance.csv?session={session.id}"
    response = client.get("/admin/exports?kind=certificates&session=&course=&from=2025-01-01&to=2025-12-31")
    assert response.headers["Location"] == "/admin/exports/certificates.csv?from=2025-01-01&to=2025-12-31"


@pytest.mark.parametrize(
    "query,message",
    [
        ("", "Choose what to export from: a session, a course or a period."),
        ("session={session}&course={course}", "Choose one scope only; you gave a session, a course."),
        ("session={session}&from=2025-01-01&to=2025-02-01", "Choose one scope only; you gave a session, a period."),
        ("session=abc", "There is no session number abc."),
        ("session=99999999999999999999", "There is no session number 99999999999999999999."),
        ("course=0", "There is no course number 0."),
        ("from=2025-01-01", "Give both dates of the period."),
        ("to=2025-01-01", "Give both dates of the period."),
        ("from=2025-02-01&to=2025-01-01", "The period ends before it starts: check the dates."),
        ("from=2025-13-01&to=2025-12-31", "Not a valid date value."),
    ],
)
@pytest.mark.parametrize("url", ["/admin/exports/attendance.csv?{query}", "/admin/exports?kind=enrolments&{query}"])
def test_bad_parameters_give_the_form_again_with_the_reason(client, signed_in_admin, session, url, query, message):
    response = client.get(url.format(query=query.format(session=session.id, course=session.course_id)))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert '<form method="get" action="/admin/exports"' in html


def test_an_unknown_export_is_refused_with_the_form(client, signed_in_admin, session):
    response = client.get(f"/admin/exports/passwords.csv?session={session.id}")
    assert response.status_code == 400
    assert "Choose what to export: enrolments, attendance or certificates." in response.get_data(as_text=True)


def _sessions(course, trainer, count: int, learners: int, start: date) -> None:
    for n in range(count):
        day = start + timedelta(days=n)
        session = make_session(
            course,
            [(paris(day, 9), paris(day, 12, 30), "3.5"), (paris(day, 13, 30), paris(day, 17), "3.5")],
            trainers=[trainer],
        )
        db.session.add(SlotSignoff(slot=session.slots[0], signed_by=trainer))
        for m in range(learners):
            enrolment = enrol(session, UserFactory())
            mark(enrolment, session.slots[0], MarkStatus.PRESENT, trainer, note=f"note {m}")
            certify(enrolment, trainer, next(SERIALS), issued_at=paris(day, 18))


@pytest.mark.parametrize("kind", ["enrolments", "attendance", "certificates"])
def test_the_query_count_does_not_grow_with_the_rows(client, signed_in_admin, course, trainer, kind):
    url = f"/admin/exports/{kind}.csv?course={course.id}"

    def queries() -> tuple[int, int]:
        with QueryCounter(db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, len(read_csv(response))

    _sessions(course, trainer, 1, 2, date(2025, 3, 3))
    few, few_rows = queries()
    _sessions(course, trainer, 4, 6, date(2025, 4, 7))
    many, many_rows = queries()
    assert many == few
    assert many_rows > few_rows + 20


def test_learners_and_trainers_cannot_download(client, auth, learner, trainer, session):
    for person in (learner, trainer):
        auth.sign_in(person)
        assert client.get(f"/admin/exports/attendance.csv?session={session.id}").status_code == 403
        assert client.get("/admin/bpf.csv").status_code == 403
        auth.sign_out()


def test_the_page_explains_the_columns(client, signed_in_admin, session):
    html = client.get("/admin/exports").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="enrolments"|<input[^>]*value="enrolments"[^>]*checked', html)
    assert "Paris time (ISO 8601)" in html and "leading apostrophe" in html
