"""Cancelling an enrolment after its session started (issue 14): a reason is required, a
certificate already earned is revoked with it, nobody is promoted into a session that has
begun, attendance marks stay, and the learner's email only links pages they can open."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from icalendar import Calendar

from tests.factories import SessionFactory, enrol
from tests.helpers import audit, bearer, bodies, count_rows, post_form
from training.attendance.models import AttendanceMark, MarkStatus
from training.attendance.services import set_mark
from training.attendance.sheet import sheet_data
from training.audit.models import AuditEntry
from training.catalogue.models import CourseStatus, Slot
from training.certificates import services as certificates
from training.certificates import withdrawal
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment import services
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.enrolment.notifications import notify
from training.extensions import db

BASE = "http://training.test"
REASON = "Attestation d'employeur manquante : inscription annulée à la demande de l'OPCO."
URL_RE = re.compile(r"https?://[^\s\"<>]+")


def past_session(trainer, *, capacity: int = 2, course_status: CourseStatus = CourseStatus.PUBLISHED):
    """A session of two half-days (7 h) that ended three days ago, taught by `trainer`."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=4)
    slots = [
        Slot(starts_at=start, ends_at=start + timedelta(hours=3, minutes=30), hours=Decimal("3.5")),
        Slot(
            starts_at=start + timedelta(hours=4, minutes=30), ends_at=start + timedelta(hours=8), hours=Decimal("3.5")
        ),
    ]
    return SessionFactory(
        trainers=[trainer],
        capacity=capacity,
        starts_at=start,
        ends_at=slots[-1].ends_at,
        enrolment_deadline=start - timedelta(days=5),
        cancellation_deadline=start - timedelta(days=3),
        slots=slots,
        course__title="AAV vector design",
        course__slug="aav-vector-design",
        course__status=course_status,
    )


@pytest.fixture
def certified(ctx, app, trainer, admin, learner, mailbox):
    """Léa attended both half-days of a past session and holds a valid certificate for it."""
    session = past_session(trainer)
    enrolment = enrol(session, learner, at=session.starts_at - timedelta(days=10))
    for slot in session.slots:
        set_mark(trainer, slot, enrolment, MarkStatus.PRESENT)
    db.session.commit()
    with app.test_request_context():
        certificate, created = certificates.issue(admin, enrolment)
        db.session.commit()
    assert created and certificate.status is CertificateStatus.VALID
    mailbox.clear()  # the certificate's own email
    return enrolment, certificate


def state(enrolment: Enrolment, certificate: Certificate | None = None) -> tuple:
    """What a cancellation may change: the enrolment's status, the seats, the certificate, the audit log."""
    db.session.expire_all()
    return (
        enrolment.status,
        enrolment.session.seats_taken,
        certificate.status if certificate else None,
        count_rows(AuditEntry),
    )


def links(message) -> set[str]:
    """Every address in the message's text and HTML parts."""
    text, html = bodies(message)
    return set(URL_RE.findall(text)) | set(URL_RE.findall(html))


def assert_every_link_opens(app, urls: set[str], learner) -> None:
    """Each link answers 200 to anyone, or sends a stranger to sign in and answers 200 to the learner."""
    assert urls
    anonymous, signed_in = app.test_client(), app.test_client()
    post_form(signed_in, "/sign-in", {"email": learner.email, "password": "correct horse battery staple"})
    for url in urls:
        assert url.startswith(BASE + "/"), url
        path = url.removeprefix(BASE)
        response = anonymous.get(path)
        if response.status_code == 302:
            assert urlsplit(response.location).path == "/sign-in", (url, response.location)
            response = signed_in.get(path)
        assert response.status_code == 200, (url, response.status_code)


# ---------------------------------------------------------------- the rule and the refusal


def test_without_a_reason_after_the_start_nothing_changes(app, client, auth, admin, certified, mailbox):
    enrolment, certificate = certified
    headers = bearer(admin)
    auth.sign_in(admin)
    before = state(enrolment, certificate)
    assert before[:3] == (EnrolmentStatus.CONFIRMED, 1, CertificateStatus.VALID)
    with app.test_request_context(method="POST"), force_locale("en"):
        with pytest.raises(services.ReasonRequired, match="already started"):
            withdrawal.cancel_enrolment(admin, enrolment, "   ")
        db.session.rollback()
    assert state(enrolment, certificate) == before
    # The API answers 409 with the sentence; the admin form sends the page back with the error.
    response = client.delete(f"/api/v1/enrolments/{enrolment.id}", headers=headers)
    assert response.status_code == 409 and "already started" in response.json["detail"]
    response = post_form(
        client,
        f"/admin/enrolments/{enrolment.id}/cancel",
        {"reason": " "},
        page=f"/admin/sessions/{enrolment.session_id}",
    )
    assert response.status_code == 422 and f'id="cancel-reason-{enrolment.id}-error"' in response.get_data(True)
    assert state(enrolment, certificate) == before
    assert mailbox == []


def test_the_reason_is_required_of_anyone_after_the_start(app, ctx, learner):
    """A learner's own cancellation too, in a session whose cancellation deadline is past its start."""
    start = datetime.now(UTC) - timedelta(hours=1)
    session = SessionFactory(
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        enrolment_deadline=start - timedelta(days=3),
        cancellation_deadline=start + timedelta(hours=2),
    )
    enrolment = enrol(session, learner)
    before = state(enrolment)
    with app.test_request_context(method="POST"):
        with pytest.raises(services.ReasonRequired):
            services.cancel(learner, enrolment)
        db.session.rollback()
    assert state(enrolment) == before
    with app.test_request_context(method="POST"):
        assert services.cancel(learner, enrolment, reason="Malade depuis ce matin.") is True
        db.session.commit()
    assert state(enrolment)[:2] == (EnrolmentStatus.CANCELLED, 0)
    [entry] = audit("enrolment.cancelled")
    assert entry.actor_id == learner.id and entry.reason == "Malade depuis ce matin."


# ---------------------------------------------------------------- cancelling with a reason


def test_the_admin_page_says_what_cancelling_implies_then_revokes_the_certificate(
    app, client, auth, admin, learner, certified, mailbox
):
    enrolment, certificate = certified
    marks_before = count_rows(AttendanceMark)
    auth.sign_in(admin)
    page = client.get(f"/admin/sessions/{enrolment.session_id}").get_data(as_text=True)
    assert "The session has started: a reason is required." in page
    assert f"Cancelling revokes certificate {certificate.serial}, with this reason." in page
    assert "Cancel and revoke the certificate" in page

    response = post_form(
        client,
        f"/admin/enrolments/{enrolment.id}/cancel",
        {"reason": REASON},
        page=f"/admin/sessions/{enrolment.session_id}",
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert (
        f"Cancelled, and certificate {certificate.serial} is revoked: Léa Martin receives your reason by email."
    ) in page

    db.session.expire_all()
    assert enrolment.status is EnrolmentStatus.CANCELLED and enrolment.decision_reason == REASON
    assert enrolment.session.seats_taken == 0
    assert certificate.status is CertificateStatus.REVOKED
    assert (certificate.revocation_reason, certificate.revoked_by_id) == (REASON, admin.id)
    [cancelled], [revoked] = audit("enrolment.cancelled"), audit("certificate.revoked")
    assert (cancelled.actor_id, cancelled.reason, cancelled.object_id) == (admin.id, REASON, str(enrolment.id))
    assert (revoked.actor_id, revoked.reason, revoked.object_id) == (admin.id, REASON, str(certificate.id))

    verify = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked on" in verify and "Attestation d&#39;employeur manquante" in verify

    [message] = mailbox
    assert message["To"] == learner.email and message["Subject"] == "Enrolment cancelled: AAV vector design"
    text, html = bodies(message)
    assert f"Reason: {REASON}" in text
    assert f"your certificate {certificate.serial} for this session is revoked too" in text
    assert certificate.serial in html

    # The marks are evidence: they stay, and the attendance sheet still lists Léa's hours.
    assert count_rows(AttendanceMark) == marks_before == 2
    with app.test_request_context():
        sheet = sheet_data(enrolment.session)
    [line] = [line for line in sheet["learners"] if line["name"] == "Léa Martin"]
    assert (line["attended_hours"], line["rate"]) == ("7", 100)


def test_the_api_admin_cancel_revokes_the_certificate_too(app, client, admin, certified, mailbox):
    enrolment, certificate = certified
    response = client.delete(
        f"/api/v1/enrolments/{enrolment.id}", query_string={"reason": REASON}, headers=bearer(admin)
    )
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    db.session.expire_all()
    assert (certificate.status, certificate.revocation_reason) == (CertificateStatus.REVOKED, REASON)
    assert [e.reason for e in audit("enrolment.cancelled")] == [REASON]
    assert [e.reason for e in audit("certificate.revoked")] == [REASON]
    assert client.get(f"/api/v1/certificates/{certificate.code}").json["status"] == "revoked"
    [message] = mailbox
    assert certificate.serial in bodies(message)[0]


def test_cancelling_twice_revokes_nothing_more(app, admin, certified, mailbox):
    enrolment, certificate = certified
    with app.test_request_context(method="POST"):
        assert withdrawal.cancel_enrolment(admin, enrolment, REASON) == certificate
        db.session.commit()
        before = count_rows(AuditEntry)
        assert withdrawal.cancel_enrolment(admin, enrolment, "Encore") is None
        db.session.commit()
    assert count_rows(AuditEntry) == before and len(mailbox) == 1


# ---------------------------------------------------------------- the waitlist


@pytest.mark.parametrize(("starts_in", "promoted"), [(timedelta(hours=-1), False), (timedelta(days=7), True)])
def test_a_seat_freed_after_the_start_stays_empty(app, admin, learner, other_learner, mailbox, starts_in, promoted):
    start = datetime.now(UTC).replace(microsecond=0) + starts_in
    session = SessionFactory(
        capacity=1,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        enrolment_deadline=start - timedelta(days=3),
        cancellation_deadline=start - timedelta(days=2),
    )
    leaving = enrol(session, learner)
    waiting = enrol(session, other_learner, EnrolmentStatus.WAITLISTED)
    with app.test_request_context(method="POST"):
        withdrawal.cancel_enrolment(admin, leaving, "Changement de poste.")
        db.session.commit()
    db.session.expire_all()
    assert waiting.status is (EnrolmentStatus.CONFIRMED if promoted else EnrolmentStatus.WAITLISTED)
    assert session.seats_taken == (1 if promoted else 0)
    assert len(audit("enrolment.promoted")) == int(promoted)
    assert sorted(m["To"] for m in mailbox) == sorted([learner.email] + ([other_learner.email] if promoted else []))
    if not promoted:  # raising the capacity after the start promotes no one either
        with app.test_request_context(method="POST"):
            assert services.update_session(admin, session, capacity=3) == []
            db.session.commit()
        assert waiting.status is EnrolmentStatus.WAITLISTED


# ---------------------------------------------------------------- every link of the emails opens


@pytest.mark.parametrize("course_status", [CourseStatus.PUBLISHED, CourseStatus.ARCHIVED])
def test_every_link_of_the_cancellation_email_opens(app, ctx, trainer, admin, learner, mailbox, course_status):
    session = past_session(trainer, course_status=course_status)
    enrolment = enrol(session, learner)
    with app.test_request_context(method="POST"):
        withdrawal.cancel_enrolment(admin, enrolment, REASON)
        db.session.commit()
    [message] = mailbox
    urls = links(message)
    course_page = f"{BASE}/courses/aav-vector-design"
    assert (course_page in urls) is (course_status is CourseStatus.PUBLISHED)
    assert (f"{BASE}/my/trainings" in urls) is (course_status is not CourseStatus.PUBLISHED)
    assert_every_link_opens(app, urls, learner)


@pytest.mark.parametrize(
    "event", ["confirmed", "promoted", "approved", "waitlisted", "pending", "rejected", "cancelled"]
)
def test_no_enrolment_email_links_an_unpublished_course_page(app, ctx, learner, mailbox, event):
    """The training office may enrol someone in, or approve for, a course taken off the catalogue."""
    session = SessionFactory(course__status=CourseStatus.DRAFT, course__slug="aav-draft")
    enrolment = enrol(session, learner)
    with app.test_request_context():
        notify(enrolment, event, position=1 if event == "waitlisted" else None, reason="Motif")
        db.session.commit()
    [message] = mailbox
    urls = links(message)
    for attachment in message.iter_attachments():  # the convocation's calendar file
        calendar = Calendar.from_ical(attachment.get_payload(decode=True))
        urls |= {str(event["url"]) for event in calendar.walk("VEVENT")}
    assert not any("/courses/" in url for url in urls)
    assert_every_link_opens(app, urls, learner)


@pytest.mark.parametrize("course_status", [CourseStatus.PUBLISHED, CourseStatus.ARCHIVED])
def test_my_trainings_never_links_a_course_page_that_would_404(client, auth, trainer, learner, course_status):
    session = past_session(trainer, course_status=course_status)
    enrol(session, learner, at=session.starts_at - timedelta(days=10))
    db.session.commit()
    auth.sign_in(learner)
    page = client.get("/my/trainings").get_data(as_text=True)
    assert "AAV vector design" in page
    linked = "/courses/aav-vector-design" in page
    assert linked is (course_status is CourseStatus.PUBLISHED)
    if linked:
        assert client.get("/courses/aav-vector-design").status_code == 200
