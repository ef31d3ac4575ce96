"""Certificates are earned by attendance, issued idempotently, verifiable by anyone, revocable."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import SessionFactory
from tests.helpers import bearer, count_rows, csrf_token, pdf_text, post_form, scan_qr
from training.attendance import services as attendance
from training.attendance.models import MarkStatus
from training.audit.models import AuditEntry
from training.certificates import services
from training.certificates.models import BatchStatus, Certificate, CertificateBatch, CertificateStatus
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db


def by_name(session, name: str) -> Enrolment:
    return next(
        e for e in db.session.scalars(sa.select(Enrolment).filter_by(session_id=session.id)) if e.user.name == name
    )


def test_eligibility_says_why_not(ended):
    items = {i.enrolment.user.name: i for i in services.eligibility(ended)}
    assert [items[n].eligible for n in ("Alice Bernard", "Bruno Caron", "Chloé Dumas")] == [True, False, True]
    assert items["Bruno Caron"].reason == "3.5 h attended of the 7 h required."
    assert items["Chloé Dumas"].hours_attended == Decimal("10.5")


def test_no_certificate_before_the_session_ends(ctx, trainer, learner):
    session = SessionFactory(seats_taken=1)
    enrolment = Enrolment(
        session=session, user=learner, status=EnrolmentStatus.CONFIRMED, confirmed_at=datetime.now(UTC)
    )
    db.session.add(enrolment)
    db.session.commit()
    with pytest.raises(services.NotEligible, match="has not ended"):
        services.issue(trainer, enrolment)


def test_an_ineligible_learner_gets_no_certificate(client, auth, admin, ended):
    auth.sign_in(admin)
    bruno = by_name(ended, "Bruno Caron")
    response = post_form(
        client, f"/admin/enrolments/{bruno.id}/certificate", {}, page=f"/admin/sessions/{ended.id}/certificates"
    )
    assert "3.5 h attended of the 7 h required" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count_rows(Certificate) == 0


def test_issue_one_then_verify(client, auth, admin, ended, mailbox, tmp_path):
    auth.sign_in(admin)
    alice = by_name(ended, "Alice Bernard")
    post_form(client, f"/admin/enrolments/{alice.id}/certificate", {}, page=f"/admin/sessions/{ended.id}/certificates")
    certificate = db.session.scalar(sa.select(Certificate))
    pdf = db.session.scalar(sa.select(Certificate.pdf))
    assert certificate.sha256 == hashlib.sha256(pdf).hexdigest()
    text = pdf_text(pdf, tmp_path, "-layout")
    assert "Alice Bernard" in text and "Production GMP de vecteurs AAV" in text and "14" in text
    assert len(certificate.code) >= 22  # 144 random bits, URL-safe
    [message] = [m for m in mailbox if m["To"] == "alice@example.org"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content() == pdf
    page = client.application.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Valid certificate" in page and "Alice Bernard" in page and certificate.sha256 in page
    assert "14 h of 14 h scheduled" in page
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "certificate.issued"))
    assert entry.actor_id == admin.id and entry.after["sha256"] == certificate.sha256
    # Alice has her certificate: her row no longer offers to issue one.
    admin_page = client.get(f"/admin/sessions/{ended.id}/certificates").get_data(as_text=True)
    assert f"/admin/enrolments/{alice.id}/certificate" not in admin_page


def test_a_corrected_attendance_offers_to_issue_again(client, auth, ctx, admin, trainer, ended):
    alice = by_name(ended, "Alice Bernard")
    services.issue(admin, alice)
    attendance.set_mark(trainer, ended.slots[3], alice, MarkStatus.ABSENT, reason="Correction: left at noon")
    db.session.commit()
    auth.sign_in(admin)
    page = client.get(f"/admin/sessions/{ended.id}/certificates").get_data(as_text=True)
    assert f"/admin/enrolments/{alice.id}/certificate" in page and "Issue again with the corrected hours" in page


def test_issuing_twice_returns_the_same_certificate(ctx, admin, ended):
    alice = by_name(ended, "Alice Bernard")
    first, created = services.issue(admin, alice)
    again, created_again = services.issue(admin, alice)
    db.session.commit()
    assert created and not created_again and again.id == first.id


def test_reissue_after_a_correction_supersedes(client, ctx, admin, trainer, ended):
    alice = by_name(ended, "Alice Bernard")
    first, _ = services.issue(admin, alice)
    db.session.commit()
    attendance.set_mark(trainer, ended.slots[3], alice, MarkStatus.ABSENT, reason="Correction: left at noon")
    second, created = services.issue(admin, alice)
    db.session.commit()
    assert created and second.version == 2 and second.hours_attended == Decimal("10.5")
    db.session.refresh(first)
    assert first.status is CertificateStatus.SUPERSEDED
    page = client.get(f"/verify/{first.code}").get_data(as_text=True)
    assert "Superseded on" in page


def test_revoked_certificate_shows_as_revoked(client, auth, admin, ended):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    db.session.commit()
    auth.sign_in(admin)
    response = post_form(
        client,
        f"/admin/certificates/{certificate.id}/revoke",
        {"reason": ""},
        page=f"/admin/sessions/{ended.id}/certificates",
    )
    assert response.status_code == 422
    post_form(
        client,
        f"/admin/certificates/{certificate.id}/revoke",
        {"reason": "Fraude à l'émargement"},
        page=f"/admin/sessions/{ended.id}/certificates",
    )
    page = client.application.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked on" in page and "Fraude à l&#39;émargement" in page
    api = client.get(f"/api/v1/certificates/{certificate.code}").json
    assert api["status"] == "revoked" and api["revoked_at"]


def test_a_revocation_stands_when_the_others_are_issued_in_bulk(client, auth, ctx, admin, ended):
    alice = by_name(ended, "Alice Bernard")
    certificate, _ = services.issue(admin, alice)
    services.revoke(admin, certificate, "Fraude à l'émargement")
    db.session.commit()
    eligible = [item.enrolment.id for item in services.eligibility(ended) if item.eligible]

    issued = services.issue_pending(admin, ended)
    db.session.commit()

    assert alice.id not in {c.enrolment_id for c in issued}
    assert {c.enrolment_id for c in issued} == set(eligible) - {alice.id}
    auth.sign_in(admin)
    page = client.get(f"/admin/sessions/{ended.id}/certificates").get_data(as_text=True)
    assert "pending certificate" not in page  # nothing left for "issue all"
    assert f"/admin/enrolments/{alice.id}/certificate" in page  # Alice's can still be issued on purpose


def test_dropping_the_pdf_verifies_it_and_an_altered_one_does_not(client, ctx, admin, ended):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    db.session.commit()
    pdf = certificate.pdf
    token = csrf_token(client, "/verify")
    response = client.post("/verify", data={"csrf_token": token, "document": (io.BytesIO(pdf), "c.pdf")})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{certificate.code}"
    altered = pdf.replace(b"Alice", b"Alicx", 1) if b"Alice" in pdf else pdf[:-10] + b"%%EOF\n    "
    response = client.post("/verify", data={"csrf_token": token, "document": (io.BytesIO(altered), "c.pdf")})
    assert response.status_code == 404
    assert "changed after it was issued" in response.get_data(as_text=True)


def test_learner_downloads_only_their_own(client, auth, admin, ended):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    db.session.commit()
    auth.sign_in(by_name(ended, "Chloé Dumas").user)
    assert client.get(f"/certificates/{certificate.code}.pdf").status_code == 404
    auth.sign_out()
    auth.sign_in(by_name(ended, "Alice Bernard").user)
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response.data == certificate.pdf
    assert "Download my certificate" in client.get("/my/trainings").get_data(as_text=True)


def test_bulk_issue_with_progress_and_no_duplicates(client, auth, admin, ended, mailbox):
    auth.sign_in(admin)
    response = post_form(
        client, f"/admin/sessions/{ended.id}/certificates", {}, page=f"/admin/sessions/{ended.id}/certificates"
    )
    batch = db.session.scalar(sa.select(CertificateBatch))
    assert response.headers["Location"] == f"/admin/certificates/batches/{batch.id}"
    assert (batch.status, batch.total, batch.done, batch.issued) == (BatchStatus.DONE, 2, 2, 2)
    assert "Done: 2 certificates issued." in client.get(response.headers["Location"]).get_data(as_text=True)
    post_form(client, f"/admin/sessions/{ended.id}/certificates", {}, page=f"/admin/sessions/{ended.id}/certificates")
    assert count_rows(Certificate) == 2
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/admin/sessions/{ended.id}/certificates.zip").data))
    assert len(archive.namelist()) == 2


def test_an_interrupted_bulk_issue_resumes_without_duplicates(ctx, admin, ended):
    services.issue_pending(admin, ended, limit=1)  # the worker died after the first chunk
    db.session.commit()
    services.issue_pending(admin, ended)
    db.session.commit()
    rows = db.session.execute(sa.select(Certificate.enrolment_id, Certificate.status)).all()
    assert len(rows) == 2 and len({enrolment for enrolment, _status in rows}) == 2


def test_api_bulk_issue_says_who_is_not_eligible(client, admin, ended):
    response = client.post(f"/api/v1/sessions/{ended.id}/certificates", headers=bearer(admin))
    assert response.status_code == 200
    body = response.json
    assert sorted(c["holder"] for c in body["issued"]) == ["Alice Bernard", "Chloé Dumas"]
    assert body["not_eligible"] == [
        {
            "user": "bruno@example.org",
            "hours_attended": 3.5,
            "hours_required": 7.0,
            "reason": "3.5 h attended of the 7 h required.",
        }
    ]
    again = client.post(f"/api/v1/sessions/{ended.id}/certificates", headers=bearer(admin)).json
    assert again["issued"] == [] and len(again["already_issued"]) == 2


def test_api_my_certificates_and_download_with_the_holders_token(client, admin, ended):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    db.session.commit()
    alice = bearer(by_name(ended, "Alice Bernard").user)
    items = client.get("/api/v1/me/certificates", headers=alice).json["items"]
    assert [i["code"] for i in items] == [certificate.code]
    assert client.get(items[0]["download_url"], headers=alice).data == certificate.pdf
    chloe = bearer(by_name(ended, "Chloé Dumas").user)
    assert client.get(items[0]["download_url"], headers=chloe).status_code == 404


def test_lookups_are_rate_limited(client, app, ended, admin):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/v1/certificates/unknown-code").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    spoofed = client.get("/api/v1/certificates/unknown-code", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status_code == 429  # a made-up client address does not reset the limit


def test_the_qr_code_of_an_issued_certificate_leads_to_a_page_saying_valid(client, ctx, admin, ended, tmp_path):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    db.session.commit()
    [url] = scan_qr(certificate.pdf, tmp_path)
    assert url == f"http://training.test/verify/{certificate.code}"
    page = client.get(url.removeprefix("http://training.test")).get_data(as_text=True)
    assert "Valid certificate" in page and "Alice Bernard" in page


def test_the_certificate_keeps_the_course_version_it_was_issued_for(client, ctx, admin, ended):
    certificate, _ = services.issue(admin, by_name(ended, "Alice Bernard"))
    issued_version = ended.course.version
    ended.course.version = issued_version + 1  # the programme is revised afterwards
    db.session.commit()
    assert certificate.course_version == issued_version
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert f"version {issued_version})" in page
    assert client.get(f"/api/v1/certificates/{certificate.code}").json["course_version"] == issued_version
