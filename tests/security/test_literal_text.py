"""Hostile text (markup, template syntax, bidi overrides, right-to-left scripts, a formula, 10 kB) used as
a learner's name, a course title and an attendance note is shown as typed: escaped in pages and in
HTML email, as is in text email, defused only where a spreadsheet would run it, and in the PDFs."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from markupsafe import escape

from tests.factories import CourseFactory, SessionFactory, UserFactory, signed_in_id
from tests.helpers import csrf_token, pdf_text, poppler, write_pdf
from tests.reports.conftest import as_dicts, read_csv
from training.accounts.models import User
from training.attendance import services as attendance
from training.attendance.models import MarkStatus
from training.catalogue.models import Course, Slot
from training.certificates.models import Certificate
from training.certificates.pdf import NAME_MAX
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

LONG = ("Thérapie génique " * 600)[:9_700] + "Ω" * 300  # 10,000 characters, the last 300 unbreakable
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "jinja": "{{7*7}} {{ config }}",
    "jinja-block": "{% raw %}{{7*7}}{% endraw %} {% if 1 %}x{% endif %}",
    "other-templates": "${7*7} #{7*7} <%= 7*7 %>",
    "rtl-override": "Léa \u202eexe.tnirp\u202c Martin",
    "arabic": "مريم الحسيني",
    "hebrew": "יעל כהן",
    "formula": "=cmd|' /C calc'!A0",
    "unbroken-200": ("Wolfeschlegelsteinhausenbergerdorff" * 6)[:200],  # the longest name the forms take
    "10kB": LONG,
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def fit(value: str, column) -> str:
    """`value`, cut to the column's length where the database enforces it (PostgreSQL; SQLite does not).
    The forms cap names and titles at 200 characters, so only SQLite can hold a 10 kB name."""
    length = getattr(column.type, "length", None)
    return value[:length] if length and db.engine.dialect.name == "postgresql" else value


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def hostile(request) -> str:
    return HOSTILE[request.param]


@pytest.fixture
def world(ctx, hostile, trainer, admin):
    """A course titled with the hostile text; its learner named with it, in a session that ended
    last week (every half-day attended, noted with the hostile text) and a session to come."""
    course = CourseFactory(title=fit(hostile, Course.title), attendance_threshold=Decimal("0.5"))
    learner = UserFactory(name=fit(hostile, User.name), email="hostile.learner@example.org")
    # 08:00 UTC eight days ago: both half-days fall on one day in Paris whatever the hour the test
    # runs (from now - 8 days, an evening run put the second half-day on the next day, and the
    # sheet on a third page).
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=8)
    slots = [
        Slot(starts_at=start + timedelta(hours=h), ends_at=start + timedelta(hours=h + 3), hours=Decimal("3"))
        for h in (0, 5)
    ]
    past = SessionFactory(
        course=course,
        trainers=[trainer],
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        enrolment_deadline=start - timedelta(days=5),
        cancellation_deadline=start - timedelta(days=3),
        seats_taken=1,
        slots=slots,
    )
    future = SessionFactory(course=course, trainers=[trainer])
    enrolment = Enrolment(session=past, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=start)
    db.session.add(enrolment)
    db.session.flush()
    for slot in past.slots:
        mark = attendance.set_mark(trainer, slot, enrolment, MarkStatus.PRESENT, note=hostile)
        mark.marked_at = slot.starts_at + timedelta(minutes=10)  # the roll taken in class
    db.session.commit()
    return {
        "course": course,
        "learner": learner,
        "past": past,
        "future": future,
        "enrolment": enrolment,
        "trainer": trainer,
        "admin": admin,
        "title": course.title,
        "name": learner.name,
        "note": hostile,
    }


def become(client, user) -> None:
    """Sign the client in as `user`, as the access tests do."""
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = signed_in_id(user), True


def assert_escaped(html: str, text: str, where: str) -> None:
    """`text` is in the page as escaped text; where it holds markup, that markup is not in the page."""
    assert str(escape(text)) in html, f"{where}: the text is not shown as typed"
    if str(escape(text)) != text:
        assert text not in html, f"{where}: the text is in the page unescaped"


class Scripts(HTMLParser):
    """The attributes of every <script> element of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.found.append(dict(attrs))


def assert_no_inline_script(html: str, where: str) -> None:
    """Every script is a file of the site or a JSON-LD data block: none was made from the text."""
    parser = Scripts()
    parser.feed(html)
    inline = [s for s in parser.found if "src" not in s and s.get("type") != "application/ld+json"]
    assert inline == [], f"{where}: inline script {inline}"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    html = response.get_data(as_text=True)
    assert_no_inline_script(html, url)
    return html


# ---------------------------------------------------------------- pages


def test_pages_show_the_text_as_typed(client, world):
    course, past = world["course"], world["past"]
    html = page(client, f"/courses/{course.slug}")
    assert_escaped(html, world["title"], "public course page")
    become(client, world["admin"])
    html = page(client, f"/admin/sessions/{past.id}")
    assert_escaped(html, world["title"], "admin session page")
    assert_escaped(html, world["name"], "admin session page")
    become(client, world["trainer"])
    html = page(client, f"/trainer/slots/{past.slots[0].id}")
    assert_escaped(html, world["name"], "roll call")
    assert_escaped(html, world["note"], "roll call (note)")
    become(client, world["learner"])
    html = page(client, "/my/trainings")
    assert_escaped(html, world["title"], "my trainings")


def test_the_convocation_shows_the_text_as_typed(client, world, mailbox):
    become(client, world["learner"])
    url = f"/sessions/{world['future'].id}/enrol"
    response = client.post(url, data={"acknowledge": "y", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    [message] = mailbox
    subject = f"Convocation: {world['title']}"
    if len(world["title"]) <= 200:
        assert message["Subject"] == subject
    else:  # only SQLite stores a 10 kB title (the form and PostgreSQL take 200 characters): a header
        assert message["Subject"].startswith(subject[:213])  # that long must fold, check its start
    text, html = (message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    assert f"Hello {world['name']}," in text
    assert f"“{world['title']}”" in text
    assert_escaped(html, world["name"], "convocation (HTML)")
    assert_escaped(html, world["title"], "convocation (HTML)")


LONG_TITLE = (
    "Bonnes pratiques de fabrication (BPF/GMP) appliquées aux médicaments de thérapie innovante : "
    "procédés amont, aval et contrôle qualité"
)


@pytest.mark.parametrize("hostile", [LONG_TITLE], ids=["133-characters"])
def test_a_long_accented_title_keeps_its_spaces_in_the_subject(client, world, mailbox):
    """A subject folded over several lines must decode to the title as typed (RFC 2047 drops the
    whitespace between two encoded words, so a space left between them is lost)."""
    become(client, world["learner"])
    url = f"/sessions/{world['future'].id}/enrol"
    client.post(url, data={"acknowledge": "y", "csrf_token": csrf_token(client, url)})
    [message] = mailbox
    assert message["Subject"] == f"Convocation: {LONG_TITLE}"


def test_csv_exports_hold_the_text_and_defuse_formulas(client, world):
    def cell(text: str) -> str:
        return "'" + text if text.startswith(FORMULA_STARTS) else text

    become(client, world["admin"])
    for kind in ("enrolments", "attendance"):
        response = client.get(f"/admin/exports/{kind}.csv?session={world['past'].id}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = as_dicts(read_csv(response))
        assert {(row["learner"], row["course"]) for row in rows} == {(cell(world["name"]), cell(world["title"]))}
    assert [row["note"] for row in rows] == [cell(world["note"])] * 2


# ---------------------------------------------------------------- PDFs


def pdf_words(pdf: bytes, tmp_path, name: str) -> list[tuple[float, float, list[tuple]]]:
    """Per page: its width, its height and its words as (x0, y0, x1, y1, text), from `pdftotext -bbox`."""
    layout = poppler("pdftotext", "-bbox", write_pdf(pdf, tmp_path, name), "-")
    pages = []
    for width, height, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', layout, re.S):
        words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', body)
        pages.append((float(width), float(height), [(*map(float, w[:4]), unescape(w[4])) for w in words]))
    return pages


def unspaced_text(pdf: bytes, tmp_path, name: str) -> str:
    """The PDF's text in reading order (pdftotext puts right-to-left words back in order), without any
    whitespace: a line may wrap anywhere in an unbreakable text."""
    return re.sub(r"\s+", "", pdf_text(pdf, tmp_path, name=name))


def assert_laid_out(pages: list, what: str) -> None:
    """Every word is drawn inside its page and over no other word (no text overflowing its box)."""
    for number, (width, height, words) in enumerate(pages, 1):
        outside = [w[4][:20] for w in words if w[0] < -0.5 or w[1] < -0.5 or w[2] > width + 0.5 or w[3] > height + 0.5]
        assert outside == [], f"{what}, page {number}: words drawn off the page: {outside[:3]}"
        crossed = [
            (a[4][:20], b[4][:20])
            for a, b in itertools.combinations(words, 2)
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
        ]
        assert crossed == [], f"{what}, page {number}: words drawn over each other: {crossed[:3]}"


def readable(value: str) -> list[str]:
    """How the PDF's text may read `value`, whitespace aside: as stored, or with each bidi override
    applied (a right-to-left override is drawn reversed, and pdftotext reads what is drawn); only the
    first 200 characters of a 10 kB text, which a page break may interrupt."""
    value = re.sub(r"\s+", "", value if len(value) <= 1000 else value[:200])
    drawn = re.sub("\u202e(.*?)\u202c", lambda m: m.group(1)[::-1], value)
    return [re.sub("[\u202a-\u202e\u2066-\u2069]", "", v) for v in (value, drawn)]


def assert_in_pdf(text: str, value: str, what: str) -> None:
    assert any(form in text for form in readable(value)), f"{what}: not in the PDF's text as typed"


def test_the_attendance_sheet_shows_the_text(client, world, tmp_path):
    become(client, world["trainer"])
    response = client.get(f"/trainer/sessions/{world['past'].id}/attendance-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages, text = pdf_words(response.data, tmp_path, "sheet.pdf"), unspaced_text(response.data, tmp_path, "sheet.pdf")
    for field in ("title", "name", "note"):
        assert_in_pdf(text, world[field], f"the sheet's {field}")
    # Two pages (the half-days, then the hours); a 10 kB title, name and note wrap over a few dozen.
    assert len(pages) <= (2 if len(world["note"]) < 1000 else 40)
    assert_laid_out(pages, "the attendance sheet")


def test_the_certificate_shows_the_text(client, world, tmp_path):
    become(client, world["admin"])
    url = f"/admin/enrolments/{world['enrolment'].id}/certificate"
    response = client.post(url, data={"csrf_token": csrf_token(client, f"/admin/sessions/{world['past'].id}")})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate).filter_by(enrolment_id=world["enrolment"].id))
    assert certificate is not None, "the certificate was not issued"
    become(client, world["learner"])
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pdf_words(response.data, tmp_path, "certificate.pdf")
    text = unspaced_text(response.data, tmp_path, "certificate.pdf")
    for field in ("name", "title"):
        # Beyond the 200 characters the forms and PostgreSQL accept, the certificate shortens the
        # value (with "…") so that the hours and the code stay on the page.
        shown = world[field] if len(world[field]) <= NAME_MAX else world[field][: NAME_MAX - 1]
        assert_in_pdf(text, shown, f"the certificate's {field}")
    # One page that still says what a certificate must: hours, trainer, and how to verify it.
    assert len(pages) == 1
    for must in ("6 h attended out of 6 h scheduled", "Thomas Petit", f"Code {certificate.code}"):
        assert re.sub(r"\s+", "", must) in text, f"the certificate lacks “{must}”"
    assert_laid_out(pages, "the certificate")


@pytest.mark.parametrize("hostile", ["Léa Martin"], ids=["plain"])
def test_a_mark_corrected_on_a_later_day_fits_its_column(client, world, tmp_path):
    """A mark made after its half-day shows its date too ("27/11 09:05"): the column must hold it."""
    db.session.execute(
        sa.text("UPDATE attendance_marks SET marked_at = :later"),
        {"later": world["past"].starts_at + timedelta(days=2)},
    )
    db.session.commit()
    become(client, world["trainer"])
    response = client.get(f"/trainer/sessions/{world['past'].id}/attendance-sheet.pdf")
    assert_laid_out(pdf_words(response.data, tmp_path, "sheet.pdf"), "the attendance sheet")


# ---------------------------------------------------------------- the policy behind it


def test_the_content_security_policy_refuses_inline_scripts(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, policy
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, policy
    assert "'unsafe-inline'" not in directives.get("default-src", []), policy
