"""The attendance sheet PDF (feuille d'émargement, R6332-26) and the PDF renderer's URL fetcher."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jinja2
import pytest

from tests.factories import SessionFactory, UserFactory, paris
from tests.helpers import QueryCounter, is_plain, one_line, pdf_text, poppler, write_pdf
from training.attendance.models import AttendanceMark, MarkMethod, MarkStatus, SlotSignoff
from training.attendance.sheet import render_sheet, sheet_data
from training.catalogue.models import SessionStatus
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.pdf import render_pdf, safe_url_fetcher

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 12)
EVIL_NAME = '<img src="file:///etc/passwd">'


def enrol(session, user) -> Enrolment:
    enrolment = Enrolment(
        session_id=session.id, user_id=user.id, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC)
    )
    db.session.add(enrolment)
    session.seats_taken += 1
    db.session.flush()
    return enrolment


def mark(session, enrolment, slot, status, by, *, method=MarkMethod.TRAINER, minutes=5, note=""):
    arrived = slot.starts_at + timedelta(minutes=minutes)
    self_checkin = method is MarkMethod.SELF_CHECKIN
    db.session.add(
        AttendanceMark(
            session_id=session.id,
            enrolment_id=enrolment.id,
            slot_id=slot.id,
            status=status,
            method=method,
            marked_by_id=by.id,
            marked_at=arrived if self_checkin else slot.starts_at + timedelta(minutes=20),
            checked_in_at=arrived if self_checkin or status is MarkStatus.LATE else None,
            note=note,
        )
    )


@pytest.fixture
def sheet_session(ctx, trainer):
    """A one-day session (two half-days) with three learners, the morning signed off, not the afternoon."""
    session = SessionFactory(
        day=DAY,
        course__language="en",
        course__title="AAV vector design and production",
        place="Genopole Campus 1, salle 204, Evry",
    )
    session.trainers = [trainer]
    alice = UserFactory(name="Alice Archer", organisation="Genethon")
    bruno = UserFactory(name="Bruno Blanc", organisation="Yposkesi")
    evil = UserFactory(name=EVIL_NAME, organisation="{{7*7}}")
    morning, afternoon = session.slots
    a, b, e = (enrol(session, user) for user in (alice, bruno, evil))
    mark(session, a, morning, MarkStatus.PRESENT, alice, method=MarkMethod.SELF_CHECKIN, minutes=-4)
    mark(session, a, afternoon, MarkStatus.PRESENT, trainer)
    mark(session, b, morning, MarkStatus.LATE, bruno, method=MarkMethod.SELF_CHECKIN, minutes=32)
    mark(session, b, afternoon, MarkStatus.EXCUSED, trainer, note="<b>Medical appointment</b>")
    mark(session, e, morning, MarkStatus.ABSENT, trainer)
    mark(session, e, afternoon, MarkStatus.PRESENT, trainer)
    db.session.add(SlotSignoff(slot_id=morning.id, signed_by_id=trainer.id, signed_at=paris(DAY, 12, 41)))
    db.session.commit()
    return session


# ---------------------------------------------------------------- the data


def test_sheet_data_is_a_plain_dict_of_what_the_sheet_shows(sheet_session):
    data = sheet_data(sheet_session)

    assert is_plain(data), "the template must get plain values, never ORM objects"
    assert data["course"]["title"] == "AAV vector design and production"
    assert data["session"]["dates"] == "12 March 2026"
    assert data["trainers"] == ["Thomas Petit"]
    assert [learner["name"] for learner in data["learners"]] == [EVIL_NAME, "Alice Archer", "Bruno Blanc"]
    totals = {learner["name"]: learner for learner in data["learners"]}
    assert (totals["Alice Archer"]["attended_hours"], totals["Alice Archer"]["rate"]) == ("7", 100)
    assert (totals["Bruno Blanc"]["attended_hours"], totals["Bruno Blanc"]["excused_hours"]) == ("3.5", "3.5")
    assert totals[EVIL_NAME]["attended_hours"] == "3.5"

    morning, afternoon = data["slots"]
    assert (morning["start"], morning["end"], morning["hours"]) == ("09:00", "12:30", "3.5")
    assert morning["signoff"]["text"] == "Signed off by Thomas Petit on 12 March 2026 at 12:41 (Paris time)"
    assert afternoon["signoff"] is None
    bruno_morning, bruno_afternoon = morning["marks"][2], afternoon["marks"][2]
    assert (bruno_morning["status_label"], bruno_morning["time"], bruno_morning["method_label"]) == (
        "Late",
        "09:32",
        "Self check-in",
    )
    assert (bruno_afternoon["status_label"], bruno_afternoon["marked_by"]) == ("Excused", "Thomas Petit")


def test_sheet_leaves_out_learners_who_are_not_confirmed(sheet_session):
    waitlisted = UserFactory(name="Wanda Waitlist")
    db.session.add(
        Enrolment(
            session_id=sheet_session.id,
            user_id=waitlisted.id,
            status=EnrolmentStatus.WAITLISTED,
            waitlisted_at=datetime.now(UTC),
        )
    )
    db.session.commit()

    names = [learner["name"] for learner in sheet_data(sheet_session)["learners"]]

    assert "Wanda Waitlist" not in names and len(names) == 3


def test_sheet_keeps_a_learner_who_signed_a_half_day_then_cancelled(sheet_session, trainer):
    carla = UserFactory(name="Carla Cancelled")
    enrolment = enrol(sheet_session, carla)
    mark(sheet_session, enrolment, sheet_session.slots[0], MarkStatus.PRESENT, trainer)
    enrolment.status, enrolment.cancelled_at = EnrolmentStatus.CANCELLED, datetime.now(UTC)
    sheet_session.seats_taken -= 1
    db.session.commit()

    learners = {learner["name"]: learner for learner in sheet_data(sheet_session)["learners"]}

    assert learners["Carla Cancelled"]["attended_hours"] == "3.5"


def test_sheet_of_a_french_course_uses_french_dates_and_numbers(sheet_session):
    sheet_session.course.language = "fr"
    db.session.commit()

    data = sheet_data(sheet_session)

    assert data["session"]["dates"] == "12 mars 2026"
    assert data["learners"][2]["attended_hours"] == "3,5"


def count_queries(session) -> int:
    """How many SQL statements building the sheet's data takes, nothing being loaded beforehand."""
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        sheet_data(session)
    return counter.count


def test_sheet_queries_do_not_grow_with_the_learners(sheet_session, trainer):
    few = count_queries(sheet_session)
    for n in range(6):
        enrolment = enrol(sheet_session, UserFactory(name=f"Extra Learner {n}"))
        for slot in sheet_session.slots:
            mark(sheet_session, enrolment, slot, MarkStatus.PRESENT, trainer)
    db.session.commit()

    assert count_queries(sheet_session) == few


def test_sheet_queries_do_not_grow_with_the_signed_off_half_days(sheet_session, trainer):
    """Each sign-off's roll hash is checked with the signatures already loaded, not a query per half-day."""
    morning, afternoon = sheet_session.slots
    db.session.get(SlotSignoff, morning.id).record_hash = "0" * 64  # a hash to check, whatever its value
    db.session.commit()
    one = count_queries(sheet_session)
    db.session.add(
        SlotSignoff(slot_id=afternoon.id, signed_by_id=trainer.id, signed_at=paris(DAY, 17, 5), record_hash="1" * 64)
    )
    db.session.commit()

    assert count_queries(sheet_session) == one


# ---------------------------------------------------------------- the PDF


def test_sheet_pdf_shows_course_learners_marks_hours_and_signoffs(sheet_session, tmp_path):
    pdf = render_sheet(sheet_session)

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path, "-layout")
    for expected in (
        "AAV vector design and production",
        "Genopole Campus 1, salle 204, Evry",
        "Alice Archer",
        "Bruno Blanc",
        "Thomas Petit",
        "12 March 2026",
        "09:00–12:30",
        "Excused",
        "Late",
        "Self check-in",
        "100%",
        "50%",
        "R6332-26",
        "Signed off by Thomas Petit on 12 March 2026 at 12:41 (Paris time)",
        "Not signed off yet",
        "Page 1 of",
    ):
        assert expected in text, f"{expected!r} is not on the sheet"
    assert "<b>Medical appointment</b>" in one_line(text)
    # pdftotext reads the narrow spaces of "3.5 / 7 h" as it pleases: compare without them.
    assert {"3.5/7h", "7/7h"} <= set(re.findall(r"[\d.]+/[\d.]+h", text.replace(" ", "")))
    pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", write_pdf(pdf, tmp_path)), re.M).group(1))
    assert pages >= 1


def test_markup_in_names_prints_as_text_and_fetches_nothing(sheet_session, tmp_path):
    pdf = render_sheet(sheet_session)

    text = one_line(pdf_text(pdf, tmp_path))
    assert EVIL_NAME in text
    assert "{{7*7}}" in text
    assert "root:x:0:0" not in text
    images = poppler("pdfimages", "-list", write_pdf(pdf, tmp_path)).splitlines()
    assert len(images) == 2, "no image in the sheet: only pdfimages' two header lines"


def test_weasyprint_stays_out_of_the_app_import_path():
    code = (
        "import sys; from training import create_app; create_app('test'); "
        "import training.pdf, training.attendance.sheet; print('weasyprint' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- the URL fetcher


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x.png",
        "file://evil.example/etc/passwd",
        "/static/../../../etc/passwd",
        "file:///static/../etc/passwd",
        "/etc/passwd",
        "/static/css/missing.css",
    ],
)
def test_fetcher_refuses_anything_but_static_files(app, url):
    with app.app_context(), pytest.raises(ValueError):
        safe_url_fetcher(url)


@pytest.mark.parametrize("tail", ["/../config.py", "/%2e%2e/config.py", "/css/../../config.py"])
def test_fetcher_refuses_paths_that_climb_out_of_static(app, tail):
    with app.app_context(), pytest.raises(ValueError):
        safe_url_fetcher(Path(app.static_folder).resolve().as_uri() + tail)


def test_fetcher_refuses_a_symlink_out_of_static(app, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("p { color: red }")
    (static / "leak.txt").symlink_to("/etc/passwd")
    app.static_folder = str(static)
    with app.app_context():
        assert safe_url_fetcher((static / "ok.css").as_uri()).read() == b"p { color: red }"
        with pytest.raises(ValueError):
            safe_url_fetcher((static / "leak.txt").as_uri())


def test_fetcher_serves_static_files_and_data_urls(app):
    app_css = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    with app.app_context():
        for url in (
            (Path(app.static_folder) / "css" / "app.css").as_uri(),
            "/static/css/app.css",
            "file:///static/css/app.css",
        ):
            response = safe_url_fetcher(url)
            assert (response.read(), response.content_type) == (app_css, "text/css")
        data = safe_url_fetcher("data:text/plain;base64,aGVsbG8=")
        assert (data.read(), data.content_type) == (b"hello", "text/plain")


PNG_DOT = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEA"
    "wS2OUAAAAABJRU5ErkJggg=="
)


def test_render_pdf_skips_refused_resources_and_keeps_allowed_ones(app, tmp_path):
    template = (
        '<link rel="stylesheet" href="file:///etc/passwd"><link rel="stylesheet" href="css/app.css">'
        '<p>{{ who }}</p><img src="file:///etc/passwd"><img src="http://example.org/x.png">'
        f'<img src="{PNG_DOT}">'
    )
    app.jinja_loader = jinja2.ChoiceLoader([jinja2.DictLoader({"test_pdf.html": template}), app.jinja_loader])
    with app.app_context():
        pdf = render_pdf("test_pdf.html", {"who": "Léa <Martin>"})

    text = pdf_text(pdf, tmp_path)
    assert "Léa <Martin>" in text and "root:x:0:0" not in text
    listing = poppler("pdfimages", "-list", write_pdf(pdf, tmp_path)).splitlines()[2:]
    assert [row.split()[2] for row in listing] == ["image", "smask"], "only the data: image (and its alpha)"


def test_sheet_of_a_cancelled_session_without_learners_still_renders(ctx, tmp_path):
    session = SessionFactory(day=DAY, course__language="en", status=SessionStatus.CANCELLED)

    text = pdf_text(render_sheet(session), tmp_path)

    assert "This session was cancelled." in text
    assert "No confirmed learner." in text
    assert "Not signed off yet" in text
