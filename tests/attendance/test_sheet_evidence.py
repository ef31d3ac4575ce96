"""The attendance sheet as evidence: PDF/A-3b, each half-day's signatures with their manifestation,
the trainer's sign-off, and a registered fingerprint that the verification page recognises."""

from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa

from tests.attendance.conftest import DRAWING
from tests.factories import PASSWORD
from tests.helpers import count_rows, pdf_text, post_form
from training.attendance import services
from training.attendance.models import AttendanceSheet, MarkStatus
from training.audit.models import AuditEntry
from training.extensions import db


def signed_roll(trainer, morning, enrolments) -> None:
    """Alice checks in and draws, Bruno signs on the trainer's phone by typing his name, Chloé is absent."""
    services.check_in(enrolments[0].user, services.checkin_token(morning), drawing=DRAWING)
    services.set_mark(trainer, morning, enrolments[1], MarkStatus.PRESENT)
    services.sign_on_trainer_device(trainer, morning, enrolments[1], PASSWORD, typed_name="Bruno Caron")
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.ABSENT)
    services.sign_off(trainer, morning, PASSWORD)
    db.session.commit()


def sheet_url(session) -> str:
    return f"/trainer/sessions/{session.id}/attendance-sheet.pdf"


def test_the_sheet_is_pdf_a_3b(client, auth, trainer, today_session):
    from pypdf import PdfReader

    auth.sign_in(trainer)
    pdf = client.get(sheet_url(today_session)).data
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert len(reader.trailer["/ID"]) == 2


def test_the_sheet_prints_each_signature_with_its_manifestation(
    client, auth, trainer, today_session, morning, enrolments, tmp_path
):
    signed_roll(trainer, morning, enrolments)
    auth.sign_in(trainer)
    text = " ".join(pdf_text(client.get(sheet_url(today_session)).data, tmp_path).split())
    # The sheet is in the course's language: French here.
    assert "Signé par Alice Bernard le" in text and "Signé par Bruno Caron le" in text
    assert "(heure de Paris)" in text
    assert "Arrivé(e) en retard le" in text and "Présent(e) le" in text  # the meaning of each signature
    assert "signature tracée, sur son propre appareil, connecté" in text
    assert "signature saisie, sur l'appareil du formateur, avec son mot de passe" in text
    assert "Validé par Thomas Petit" in text and "Je certifie l'appel du" in text
    assert "Code de vérification" in text


def test_a_changed_mark_voids_its_signature_on_the_sheet(
    client, auth, trainer, today_session, morning, enrolments, tmp_path
):
    signed_roll(trainer, morning, enrolments)
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.EXCUSED, reason="Certificat médical reçu")
    db.session.commit()
    auth.sign_in(trainer)
    text = " ".join(pdf_text(client.get(sheet_url(today_session)).data, tmp_path).split())
    assert "Signature caduque : le pointage a changé après la signature" in text
    assert "L'émargement a été corrigé après cette validation" in text


def test_the_same_attendance_gives_back_the_same_registered_document(
    client, auth, trainer, today_session, morning, enrolments
):
    auth.sign_in(trainer)
    first = client.get(sheet_url(today_session)).data
    again = client.get(sheet_url(today_session)).data
    assert first == again
    assert count_rows(AttendanceSheet) == 1
    services.set_mark(trainer, morning, enrolments[0], MarkStatus.ABSENT)
    db.session.commit()
    changed = client.get(sheet_url(today_session)).data
    assert changed != first
    sheets = db.session.scalars(sa.select(AttendanceSheet).order_by(AttendanceSheet.id)).all()
    assert [sheet.sha256 for sheet in sheets] == [hashlib.sha256(pdf).hexdigest() for pdf in (first, changed)]
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendance.sheet_issued")).all()
    assert [entry.after["sha256"] for entry in audit] == [sheet.sha256 for sheet in sheets]


def test_the_verification_page_recognises_a_sheet_by_its_code_and_its_bytes(
    client, auth, trainer, today_session, morning, enrolments
):
    signed_roll(trainer, morning, enrolments)
    auth.sign_in(trainer)
    pdf = client.get(sheet_url(today_session)).data
    sheet = db.session.scalar(sa.select(AttendanceSheet))
    auth.sign_out()
    page = client.get(f"/verify/{sheet.code}").get_data(as_text=True)
    assert "Authentic attendance sheet, up to date" in page and sheet.sha256 in page
    dropped = post_form(
        client, "/verify", {"document": (io.BytesIO(pdf), "emargement.pdf")}, content_type="multipart/form-data"
    )
    assert dropped.status_code == 302 and dropped.headers["Location"].endswith(f"/verify/{sheet.code}")
    edited = post_form(
        client,
        "/verify",
        {"document": (io.BytesIO(pdf + b"\n%edited"), "emargement.pdf")},
        content_type="multipart/form-data",
    )
    assert edited.status_code == 404
    services.set_mark(trainer, morning, enrolments[2], MarkStatus.EXCUSED, reason="Justificatif reçu")
    db.session.commit()
    assert "Authentic attendance sheet, since corrected" in client.get(f"/verify/{sheet.code}").get_data(as_text=True)
