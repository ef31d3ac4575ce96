"""A French-speaking learner, trainer and training office see French: pages, emails and PDFs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import SessionFactory
from tests.helpers import pdf_text, post_form
from tests.i18n.conftest import SESSION_DAY, collapse, english_in, page_text
from training.attendance.sheet import render_sheet
from training.certificates.pdf import certificate_data, render_certificate

PAGES = {
    "anonymous": ["/", "/courses", "/courses/{slug}", "/verify", "/verify/{code}"],
    "learner": ["/", "/courses/{slug}", "/my/trainings", "/profile", "/sessions/{session_id}/enrol"],
    "trainer": ["/", "/trainer", "/trainer/sessions/{session_id}", "/trainer/slots/{slot_id}"],
    "admin": [
        "/",
        "/admin/",
        "/admin/users",
        "/admin/users/{learner_id}",
        "/admin/courses",
        "/admin/courses/{course_id}",
        "/admin/courses/{course_id}/edit",
        "/admin/sessions/{session_id}",
        "/admin/sessions/{session_id}/certificates",
        "/admin/enrolments/pending",
        "/admin/bpf",
        "/admin/exports",
        "/admin/audit",
    ],
}


def urls(french_course) -> dict:
    values = {
        "slug": french_course["course"].slug,
        "code": french_course["certificate"].code,
        "session_id": french_course["session"].id,
        "slot_id": french_course["slot"].id,
        "course_id": french_course["course"].id,
        "learner_id": french_course["learner"].id,
    }
    return {role: [url.format(**values) for url in role_urls] for role, role_urls in PAGES.items()}


@pytest.mark.parametrize("role", PAGES)
def test_main_pages_are_in_french(client, auth, french_people, french_course, english_sentences, role):
    if role == "anonymous":
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    else:
        auth.sign_in(french_people[role])  # the client's browser asks for English: the account wins
    for url in urls(french_course)[role]:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in html, url
        assert not english_in(page_text(html), english_sentences), f"English on {url}"


def test_english_sentences_are_found_on_an_english_page(client, english_sentences):
    """The check above can fail: the same page in English holds many of the sentences."""
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert len(english_in(page_text(html), english_sentences)) >= 3
    assert len(english_sentences) > 300


def test_french_pages_show_french_dates_and_24_hour_times(client, french_course):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    catalogue = page_text(client.get("/courses").get_data(as_text=True))
    course = page_text(client.get(f"/courses/{french_course['course'].slug}").get_data(as_text=True))

    assert "Prochaine session : 2 déc. 2030" in catalogue
    assert "lundi 2 décembre 2030" in course
    assert "lundi 2 décembre, 09:00–12:30" in course and "13:30–17:00" in course
    assert "Inscriptions jusqu'au 29 nov. 2030, 09:00." in course
    assert not re.search(r"\b\d{1,2}:\d\d\s?[AP]M\b", course), "no 12-hour clock in French"
    assert "900,00 €" in course


def test_a_french_learner_gets_the_convocation_in_french(client, auth, french_people, english_sentences, mailbox):
    learner = french_people["learner"]
    session = SessionFactory(day=SESSION_DAY)
    auth.sign_in(learner)
    response = post_form(client, f"/sessions/{session.id}/enrol", {"acknowledge": "y"})
    assert response.status_code == 302

    [message] = [m for m in mailbox if m["To"] == learner.email]
    text = collapse(message.get_body(("plain",)).get_content())
    html = page_text(message.get_body(("html",)).get_content())
    assert message["Subject"].startswith("Convocation\u00a0: ")
    assert "Ce message tient lieu de convocation" in text and "Ce message tient lieu de convocation" in html
    assert "lundi 2 décembre 2030" in text
    assert not english_in(text, english_sentences) and not english_in(html, english_sentences)


def test_the_french_certificate_pdf_reads_french(app, english_sentences, tmp_path):
    with app.app_context():
        data = certificate_data(
            learner_name="Léa Martin",
            course_title="Thérapie génique : conception de vecteurs AAV",
            course_track="research",
            course_objectives=["Choisir un sérotype AAV"],
            course_version=2,
            session_start=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
            session_end=datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
            place="Genopole Campus 1, Evry",
            trainers=["Thomas Petit"],
            hours_attended=Decimal("10.5"),
            hours_scheduled=Decimal("14"),
            issued_at=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
            serial="GT-2026-000042-1",
            code="Lc9dQw3xT0pZ_rA7mV2kYg",
            locale="fr",
        )
        text = collapse(pdf_text(render_certificate(data), tmp_path))

    for french in (
        "Certificat de réalisation",
        "GenoTher Training certifie que",
        "a suivi l'action de formation",
        "Filière Recherche",
        "10,5 h suivies sur 14 h prévues",
        "2–3 décembre 2026",
        "FORMATEUR",
        "un document modifié échoue à la vérification",
    ):
        assert french in text, f"{french!r} is not on the certificate"
    assert not english_in(text, english_sentences)


def test_the_attendance_sheet_of_a_french_course_reads_french(app, french_course, english_sentences, tmp_path):
    pdf = render_sheet(french_course["session"])
    text = collapse(pdf_text(pdf, tmp_path))

    for french in (
        "Feuille d'émargement / Attendance sheet",
        "Code du travail, art. R6332-26",
        "Stagiaire",
        "Signature du formateur",
        "Pas encore signée",
        "2 décembre 2030 — 2 demi-journées, 7 h",
    ):
        assert french in text, f"{french!r} is not on the sheet"
    assert not english_in(text, english_sentences)
