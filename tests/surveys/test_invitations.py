"""The survey invitation: sent once, only to learners who attended a session that has ended."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import UserFactory
from tests.helpers import audit, plain_body
from tests.surveys.conftest import enrol, invitations, make_session, mark, respond
from training.attendance.models import MarkStatus
from training.catalogue.models import SessionStatus
from training.enrolment.models import EnrolmentStatus
from training.extensions import db
from training.surveys import services
from training.surveys.tasks import invite_surveys


def invite() -> list:
    """Run the invitations as the hourly task does, and commit: the emails leave on commit."""
    invited = services.invite_ended_sessions(datetime.now(UTC))
    db.session.commit()
    return invited


def test_invites_once_those_who_attended(ended_session, attended, learner, trainer, mailbox):
    late = enrol(ended_session, UserFactory(email="late@example.org"))
    mark(late, trainer, MarkStatus.ABSENT, MarkStatus.LATE)
    for status in (MarkStatus.ABSENT, MarkStatus.EXCUSED):
        absent = enrol(ended_session, UserFactory(email=f"{status.value}@example.org"))
        mark(absent, trainer, status, status)
    enrol(ended_session, UserFactory(email="unmarked@example.org"))

    assert sorted(e.user.email for e in invite()) == ["late@example.org", learner.email]

    assert sorted(m["To"] for m in mailbox) == ["late@example.org", learner.email]
    message = next(m for m in mailbox if m["To"] == learner.email)
    assert message["Subject"] == "Your opinion on “AAV vector design”"
    assert f"http://training.test/my/enrolments/{attended.id}/survey" in plain_body(message)
    assert [i.enrolment_id for i in invitations()] == sorted([attended.id, late.id])
    assert sorted(int(a.object_id) for a in audit("survey.invited")) == sorted([attended.id, late.id])

    mailbox.clear()
    assert invite() == []
    assert mailbox == [] and len(invitations()) == 2 and len(audit("survey.invited")) == 2


def test_the_email_is_in_the_learners_language(attended, learner, mailbox):
    learner.locale = "fr"
    db.session.commit()
    invite()
    [message] = mailbox
    assert '<html lang="fr">' in message.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    "case",
    ["cancelled session", "not ended", "ended long ago", "waitlisted", "cancelled enrolment", "already answered"],
)
def test_no_invitation(ctx, learner, trainer, mailbox, case):
    session = make_session({"not ended": -3, "ended long ago": 31}.get(case, 2), trainers=[trainer])
    status = {"waitlisted": EnrolmentStatus.WAITLISTED, "cancelled enrolment": EnrolmentStatus.CANCELLED}
    enrolment = enrol(session, learner, status.get(case, EnrolmentStatus.CONFIRMED))
    if case != "not ended":  # no mark can be taken for a half-day to come
        mark(enrolment, trainer, MarkStatus.PRESENT, MarkStatus.PRESENT)
    if case == "cancelled session":
        session.status, session.cancelled_at, session.cancellation_reason = (
            SessionStatus.CANCELLED,
            datetime.now(UTC),
            "Trainer ill",
        )
        db.session.commit()
    if case == "already answered":
        respond(enrolment, 5, invited=False)

    assert invite() == []
    assert mailbox == [] and invitations() == []


def test_a_run_that_lost_the_race_sends_nothing(attended, mailbox, monkeypatch):
    invite()
    mailbox.clear()
    # Another worker read the same list before this one stored its invitation.
    monkeypatch.setattr(services, "to_invite", lambda now: [attended])
    assert invite() == []
    assert mailbox == [] and len(invitations()) == 1


def test_cli_command_reports_whom_it_invited(attended, learner, runner, mailbox):
    result = runner.invoke(args=["surveys", "invite"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Invited {learner.email}: AAV vector design (session {attended.session_id})",
        "1 invitation(s) sent.",
    ]
    assert [m["To"] for m in mailbox] == [learner.email]

    again = runner.invoke(args=["surveys", "invite"])
    assert again.output == "0 invitation(s) sent.\n"
    assert len(mailbox) == 1


def test_celery_task_invites(attended, learner, mailbox):
    db.session.commit()  # the task works in a session of its own: the test's must not hold the write lock
    assert invite_surveys.delay().get() == 1
    assert [m["To"] for m in mailbox] == [learner.email]
    db.session.commit()
    assert invite_surveys.delay().get() == 0
    assert len(mailbox) == 1
