"""The training office's side of enrolment: the approval queue, cancelling anyone with a reason,
enrolling someone on their behalf, and promotions when the capacity is raised."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import PARIS, CourseFactory, SessionFactory, UserFactory, enrol
from tests.helpers import audit, count_rows, plain_body, post_form
from training.accounts.models import LearnerCategory
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

QUEUE = "/admin/enrolments/pending"


def make_session(**kwargs) -> CourseSession:
    """A session whose slots are saved too (the factory adds them after its own commit)."""
    session = SessionFactory(**kwargs)
    db.session.commit()
    return session


def waitlist(session: CourseSession, count: int) -> list[Enrolment]:
    """`count` waitlisted learners, first in line first; created last-in-line first, so ids disagree."""
    start = datetime.now(UTC) - timedelta(days=1)
    people = [UserFactory(name=f"Waiting {n}") for n in range(count)]
    return list(
        reversed(
            [
                enrol(session, people[n], EnrolmentStatus.WAITLISTED, start + timedelta(minutes=n))
                for n in reversed(range(count))
            ]
        )
    )


def page(response) -> str:
    return response.get_data(as_text=True)


def statuses(*enrolments: Enrolment) -> list[EnrolmentStatus]:
    for enrolment in enrolments:
        db.session.refresh(enrolment)
    return [enrolment.status for enrolment in enrolments]


@pytest.fixture
def session(ctx):
    """A session needing approval, in three weeks, with 12 seats."""
    return make_session(course=CourseFactory(title="AAV vector design"), approval_required=True)


# ---------------------------------------------------------------- the approval queue


def test_the_queue_lists_every_pending_request_oldest_first(client, signed_in_admin, session, learner, other_learner):
    other_session = make_session(course=CourseFactory(title="GMP basics"), approval_required=True, capacity=1)
    student = UserFactory(name="Zoé Student", organisation="Université d'Evry", category=LearnerCategory.STUDENT)
    now = datetime.now(UTC)
    enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL, now - timedelta(hours=1))
    enrol(other_session, student, EnrolmentStatus.PENDING_APPROVAL, now - timedelta(days=2))
    enrol(other_session, other_learner)  # confirmed: not in the queue, and the session is full
    html = page(client.get(QUEUE))
    assert "2 requests" in html
    assert html.index("Zoé Student") < html.index("Léa Martin")  # oldest first
    assert "Omar Benali" not in html
    for text in (
        "lea.learner@example.org",
        "Genethon",
        "Employee",
        "Université d&#39;Evry",
        "Student",
        "AAV vector design",
        "GMP basics",
        "12 of 12",
        "Full: approving puts them on the waitlist",
    ):
        assert text in html
    assert "<caption>Requests awaiting approval, oldest first, in every session.</caption>" in html
    assert html.count('name="reason"') == 2 and 'for="reject-reason-' in html
    assert f'href="{QUEUE}"' in html  # in the navigation bar


def test_approve_with_a_free_seat(client, signed_in_admin, session, learner, mailbox):
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = post_form(client, f"/admin/enrolments/{pending.id}/approve", {}, page=QUEUE)
    assert response.status_code == 302 and response.location == QUEUE
    assert "Approved: Léa Martin has a seat." in page(client.get(QUEUE))
    db.session.refresh(session)
    assert statuses(pending) == [EnrolmentStatus.CONFIRMED] and session.seats_taken == 1
    assert pending.decided_by_id == signed_in_admin.id
    [entry] = audit("enrolment.approved")
    assert entry.actor_id == signed_in_admin.id and entry.actor_label == signed_in_admin.email
    assert (entry.before, entry.after) == ({"status": "pending_approval"}, {"status": "confirmed"})
    [message] = mailbox
    assert message["To"] == learner.email and message["Subject"] == "Enrolment approved: AAV vector design"


def test_approve_when_full_puts_on_the_waitlist(client, signed_in_admin, ctx, learner, other_learner, mailbox):
    session = make_session(course=CourseFactory(title="AAV vector design"), approval_required=True, capacity=1)
    enrol(session, other_learner)
    waitlist(session, 1)
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = post_form(client, f"/admin/enrolments/{pending.id}/approve", {}, page=QUEUE)
    assert response.status_code == 302
    assert "Approved: the session is full, Léa Martin is on the waitlist in position 2." in page(client.get(QUEUE))
    db.session.refresh(session)
    assert statuses(pending) == [EnrolmentStatus.WAITLISTED] and session.seats_taken == 1
    [message] = mailbox
    assert message["Subject"] == "On the waitlist: AAV vector design"


def test_approving_twice_is_refused_plainly(client, signed_in_admin, session, learner, mailbox):
    confirmed = enrol(session, learner)
    response = post_form(client, f"/admin/enrolments/{confirmed.id}/approve", {}, page=QUEUE)
    assert response.status_code == 302
    assert "This enrolment is no longer awaiting approval." in page(client.get(QUEUE))
    assert audit("enrolment.approved") == [] and mailbox == []


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/admin/sessions/{id}#learners", "/admin/sessions/{id}#learners"),
        ("https://evil.example/admin", QUEUE),
        ("//evil.example/admin", QUEUE),
    ],
)
def test_a_decision_goes_back_to_a_local_next_only(client, signed_in_admin, session, learner, next_url, expected):
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = post_form(
        client, f"/admin/enrolments/{pending.id}/approve", {"next": next_url.format(id=session.id)}, page=QUEUE
    )
    assert response.location == expected.format(id=session.id)


def test_decline_needs_a_reason(client, signed_in_admin, session, learner, mailbox):
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = post_form(client, f"/admin/enrolments/{pending.id}/reject", {"reason": "   "}, page=QUEUE)
    assert response.status_code == 422
    html = page(response)
    assert "Give the reason: the learner receives it." in html
    assert f'id="reject-reason-{pending.id}-error"' in html and 'aria-invalid="true"' in html
    assert statuses(pending) == [EnrolmentStatus.PENDING_APPROVAL]
    assert audit("enrolment.rejected") == [] and mailbox == []


def test_decline_with_a_reason_tells_the_learner(client, signed_in_admin, session, learner, mailbox):
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    reason = "This session is reserved for Yposkesi operators."
    response = post_form(client, f"/admin/enrolments/{pending.id}/reject", {"reason": reason}, page=QUEUE)
    assert response.status_code == 302 and response.location == QUEUE
    html = page(client.get(QUEUE))
    assert "Declined: Léa Martin receives your reason by email." in html and "No enrolment awaits approval." in html
    assert statuses(pending) == [EnrolmentStatus.REJECTED]
    assert (pending.decision_reason, pending.decided_by_id) == (reason, signed_in_admin.id)
    [entry] = audit("enrolment.rejected")
    assert entry.actor_id == signed_in_admin.id and entry.reason == reason
    [message] = mailbox
    assert message["To"] == learner.email and message["Subject"] == "Enrolment request declined: AAV vector design"
    assert reason in plain_body(message)


# ---------------------------------------------------------------- the session page and cancelling


def test_the_session_page_groups_learners_by_status(client, signed_in_admin, session, learner, other_learner):
    now = datetime.now(UTC)
    enrol(session, learner)
    first, second = waitlist(session, 2)
    enrol(session, other_learner, EnrolmentStatus.PENDING_APPROVAL)
    gone = enrol(session, UserFactory(name="Gaston Parti"), EnrolmentStatus.CANCELLED, now)
    gone.decision_reason = "Moved to another team."
    db.session.commit()
    html = page(client.get(f"/admin/sessions/{session.id}"))
    sections = [
        "learners-confirmed",
        "Léa Martin",
        "learners-waitlisted",
        "Waiting 0",
        "Waiting 1",
        "learners-pending",
        "Omar Benali",
        "learners-closed",
        "Gaston Parti",
        "Moved to another team.",
    ]
    assert [html.index(text) for text in sections] == sorted(html.index(text) for text in sections)
    assert "Confirmed (1)" in html and "On the waitlist, in the order seats are offered (2)" in html
    assert html.count("Cancel with a reason") == 4  # every active enrolment, not the cancelled one
    assert f'for="cancel-reason-{first.id}"' in html and f'for="cancel-reason-{gone.id}"' not in html
    assert 'id="enrol-email"' in html and 'id="enrol-reason"' in html and 'id="reason"' in html


def test_an_admin_cancels_with_a_reason_and_the_first_waitlisted_gets_the_seat(
    client, signed_in_admin, ctx, learner, other_learner, mailbox
):
    session = make_session(course=CourseFactory(title="AAV vector design"), capacity=2)
    leaving, staying = enrol(session, learner), enrol(session, other_learner)
    first, second, third = waitlist(session, 3)
    reason = "Léa's manager withdrew the funding."
    response = post_form(
        client, f"/admin/enrolments/{leaving.id}/cancel", {"reason": reason}, page=f"/admin/sessions/{session.id}"
    )
    assert response.status_code == 302 and response.location == f"/admin/sessions/{session.id}#learners"
    assert statuses(leaving, staying, first, second, third) == [
        EnrolmentStatus.CANCELLED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.WAITLISTED,
    ]
    db.session.refresh(session)
    assert session.seats_taken == 2
    assert (leaving.decided_by_id, leaving.decision_reason) == (signed_in_admin.id, reason)
    [cancelled] = audit("enrolment.cancelled")
    assert cancelled.actor_id == signed_in_admin.id and cancelled.reason == reason
    [promoted] = audit("enrolment.promoted")
    assert promoted.object_id == str(first.id) and promoted.actor_id == signed_in_admin.id
    told = {message["To"]: message for message in mailbox}
    assert set(told) == {learner.email, first.user.email}
    assert reason in plain_body(told[learner.email])
    assert told[first.user.email]["Subject"] == "A seat is yours: AAV vector design"
    html = page(client.get(response.location))
    assert "Cancelled: Léa Martin receives your reason by email." in html
    assert html.index("Waiting 1") < html.index("Waiting 2")


def test_an_admin_cancel_needs_a_reason(client, signed_in_admin, session, learner, mailbox):
    confirmed = enrol(session, learner)
    response = post_form(
        client, f"/admin/enrolments/{confirmed.id}/cancel", {"reason": ""}, page=f"/admin/sessions/{session.id}"
    )
    assert response.status_code == 422
    html = page(response)
    assert "Give the reason: the learner receives it." in html
    assert f'id="cancel-reason-{confirmed.id}-error"' in html
    db.session.refresh(session)
    assert statuses(confirmed) == [EnrolmentStatus.CONFIRMED] and session.seats_taken == 1
    assert audit("enrolment.cancelled") == [] and mailbox == []


# ---------------------------------------------------------------- enrolling someone on their behalf


def on_behalf(client, session, email, reason=""):
    return post_form(
        client,
        f"/admin/sessions/{session.id}/enrolments",
        {"email": email, "reason": reason},
        page=f"/admin/sessions/{session.id}",
    )


def test_enrol_on_behalf_after_the_deadline(client, signed_in_admin, ctx, learner, mailbox):
    # Approval is required and the deadline has passed: neither stops the training office.
    session = make_session(
        course=CourseFactory(title="AAV vector design"),
        approval_required=True,
        enrolment_deadline=datetime.now(UTC) - timedelta(days=1),
    )
    response = on_behalf(client, session, "  Lea.Learner@Example.org ", "Phone request")
    assert response.status_code == 302
    assert "Enrolled: Léa Martin has a seat and receives the convocation." in page(client.get(response.location))
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert (enrolment.user_id, enrolment.status) == (learner.id, EnrolmentStatus.CONFIRMED)
    assert enrolment.enrolled_by_id == signed_in_admin.id
    [entry] = audit("enrolment.created")
    assert (entry.actor_id, entry.reason, entry.after["user"]) == (signed_in_admin.id, "Phone request", learner.email)
    [message] = mailbox
    assert message["To"] == learner.email and message["Subject"] == "Convocation: AAV vector design"
    assert "enrolled by Ada Admin" in page(client.get(f"/admin/sessions/{session.id}"))


def test_enrol_on_behalf_into_a_session_held_before(client, signed_in_admin, ctx, learner):
    session = make_session(day=date.today() - timedelta(days=30))
    assert on_behalf(client, session, learner.email).status_code == 302
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.status is EnrolmentStatus.CONFIRMED and enrolment.enrolled_by_id == signed_in_admin.id
    [entry] = audit("enrolment.created")
    assert entry.actor_id == signed_in_admin.id and entry.reason is None


def test_enrol_on_behalf_into_a_full_session_waitlists(client, signed_in_admin, ctx, learner, other_learner):
    session = make_session(capacity=1)
    enrol(session, other_learner)
    response = on_behalf(client, session, learner.email, "Walk-in")
    assert "Enrolled: the session is full, Léa Martin is on the waitlist in position 1." in page(
        client.get(response.location)
    )
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.status is EnrolmentStatus.WAITLISTED
    db.session.refresh(session)
    assert session.seats_taken == 1


def test_enrol_on_behalf_needs_an_existing_account(client, signed_in_admin, session, mailbox):
    response = on_behalf(client, session, "nobody@example.org")
    assert response.status_code == 422
    html = page(response)
    assert 'No account uses this address: create it first in <a href="/admin/users">People</a>.' in html
    assert 'value="nobody@example.org"' in html
    assert count_rows(Enrolment) == 0 and mailbox == []


def test_enrol_on_behalf_someone_already_enrolled(client, signed_in_admin, session, learner, mailbox):
    enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = on_behalf(client, session, learner.email)
    assert response.status_code == 302
    assert "Léa Martin is already enrolled in this session: awaiting approval." in page(client.get(response.location))
    assert audit("enrolment.created") == [] and mailbox == []


# ---------------------------------------------------------------- raising the capacity


def session_form(session: CourseSession, **overrides) -> dict:
    def local(moment):
        return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")

    return {
        "place": session.place,
        "capacity": str(session.capacity),
        "enrolment_deadline": local(session.enrolment_deadline),
        "cancellation_deadline": local(session.cancellation_deadline),
        **overrides,
    }


def test_raising_the_capacity_promotes_the_first_waitlisted(client, signed_in_admin, ctx, mailbox):
    session = make_session(course=CourseFactory(title="AAV vector design"), capacity=2)
    enrol(session, UserFactory())
    enrol(session, UserFactory())
    first, second, third = waitlist(session, 3)
    mailbox.clear()
    detail = f"/admin/sessions/{session.id}"
    response = post_form(client, detail, session_form(session, capacity="4"))
    assert response.status_code == 302
    assert "2 learners move from the waitlist to a seat and are told by email." in page(client.get(response.location))
    assert statuses(first, second, third) == [
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
    ]
    db.session.refresh(session)
    assert (session.capacity, session.seats_taken) == (4, 4)
    assert [e.object_id for e in audit("enrolment.promoted")] == [str(first.id), str(second.id)]
    assert {e.actor_id for e in audit("enrolment.promoted")} == {signed_in_admin.id}
    assert sorted(m["To"] for m in mailbox) == sorted([first.user.email, second.user.email])
    assert {m["Subject"] for m in mailbox} == {"A seat is yours: AAV vector design"}


def test_saving_the_session_without_a_free_seat_promotes_no_one(client, signed_in_admin, ctx, mailbox):
    session = make_session(capacity=1)
    enrol(session, UserFactory())
    [waiting] = waitlist(session, 1)
    response = post_form(client, f"/admin/sessions/{session.id}", session_form(session, place="Genethon, room 12"))
    assert response.status_code == 302
    assert "from the waitlist" not in page(client.get(response.location))
    assert statuses(waiting) == [EnrolmentStatus.WAITLISTED] and mailbox == []


# ---------------------------------------------------------------- access


def test_only_admins_use_the_queue(client, auth, session, learner, trainer, mailbox):
    pending = enrol(session, learner, EnrolmentStatus.PENDING_APPROVAL)
    response = client.get(QUEUE)
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    for user in (learner, trainer):
        auth.sign_in(user)
        assert client.get(QUEUE).status_code == 403
        for action, data in (("approve", {}), ("reject", {"reason": "No"}), ("cancel", {"reason": "No"})):
            assert post_form(client, f"/admin/enrolments/{pending.id}/{action}", data, page="/").status_code == 403
        assert (
            post_form(
                client, f"/admin/sessions/{session.id}/enrolments", {"email": learner.email}, page="/"
            ).status_code
            == 403
        )
        auth.sign_out()
    assert statuses(pending) == [EnrolmentStatus.PENDING_APPROVAL] and mailbox == []
