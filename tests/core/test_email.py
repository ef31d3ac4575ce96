"""Email through the transactional outbox: a message is a row committed with the change it
announces, sent after the commit (never for a rolled-back change), rendered outside the
request, retried when the relay refuses it, sent once even when two workers reach for it or one
dies mid-send, and shown to admins when it finally fails. Every message has a Date and a
Message-ID of our own domain, and a name typed with a line break cannot inject a header."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from tests.factories import UserFactory
from tests.helpers import audit, count_rows, free_port, post_form
from training import email as outbox
from training.email import MAX_ATTEMPTS, claim, send_due, send_email, send_one
from training.extensions import db, utcnow
from training.outbox import OutboxMessage, OutboxStatus


def _queue(to: str = "someone@example.org", **context) -> OutboxMessage:
    """Queue a message (the factories commit: make the users it names first)."""
    if "user" not in context:
        context["user"] = UserFactory(name="Léa")
    return send_email(to, "Hello", "accounts/confirm", locale="en", link="http://training.test/confirm/x", **context)


def _row(message_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def test_every_message_has_a_date_and_a_message_id_of_our_domain(ctx, mailbox):
    queued = _queue()
    db.session.commit()  # queued with the transaction, sent after it
    [message] = mailbox
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@training.test>")  # the host of BASE_URL
    assert message["Message-ID"] == _row(queued.id).message_id


def test_nothing_is_queued_or_sent_for_a_rolled_back_change(ctx, mailbox):
    _queue()
    db.session.rollback()
    assert count_rows(OutboxMessage) == 0
    assert mailbox == []


def test_the_message_is_rendered_when_sent_from_what_the_models_hold_then(ctx, mailbox):
    """The row names the user; the text is made when the message leaves, in the user's language."""
    user = UserFactory(name="Léa", locale="fr")
    queued = send_email(user.email, "Bonjour", "accounts/confirm", locale="fr", user=user, link="http://x.test/c")
    assert queued.context["user"] == {"$model": "User", "id": user.id}  # a reference, not text
    user.name = "Léa Martin"  # changed in the same transaction, before the commit
    db.session.commit()
    [message] = mailbox
    assert "Léa Martin" in message.get_body(("plain",)).get_content()
    row = _row(queued.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert row.sent_at is not None
    assert row.context is None and row.attachments is None  # the link is kept no longer than needed


def test_a_header_cannot_be_injected_through_a_subject(ctx, mailbox):
    user = UserFactory(name="Léa")
    send_email(
        "someone@example.org", "Hello\r\nBcc: victim@example.org", "accounts/confirm", locale="en", user=user, link="x"
    )
    db.session.commit()
    [message] = mailbox
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: victim@example.org"


def test_one_message_that_cannot_be_made_does_not_stop_the_others(ctx, mailbox, caplog):
    gone, kept = UserFactory(name="Erased"), UserFactory(name="Kept")
    _queue(to="first@example.org", user=kept)
    broken = _queue(to="broken@example.org", user=gone)
    _queue(to="third@example.org", user=kept)
    db.session.delete(gone)  # erased before the message could be rendered
    db.session.commit()
    assert sorted(message["To"] for message in mailbox) == ["first@example.org", "third@example.org"]
    row = _row(broken.id)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert "User" in row.last_error and "no longer exists" in row.last_error
    assert "could not be made" in caplog.text


def test_a_refused_message_is_retried_later_then_failed_audited_and_shown_to_admins(
    app, ctx, client, auth, admin, mailbox
):
    relay_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens: the relay is down
    queued = _queue(user=admin)
    db.session.commit()  # the change stays committed; only the email waits
    row = _row(queued.id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert timedelta(seconds=25) < row.next_attempt_at - utcnow() <= timedelta(seconds=30)
    assert send_due() == 0  # not due yet: the back-off holds it

    for attempt in range(2, MAX_ATTEMPTS + 1):
        _row(queued.id).next_attempt_at = utcnow() - timedelta(seconds=1)  # time passes
        db.session.commit()
        send_due()
        assert _row(queued.id).attempts == attempt
    row = _row(queued.id)
    assert row.status is OutboxStatus.FAILED and "Connection refused" in row.last_error
    [failed] = audit("email.failed")
    assert failed.after["to"] == "someone@example.org" and failed.object_id == str(row.id)

    auth.sign_in(admin)
    page = client.get("/admin/emails").get_data(as_text=True)
    assert "someone@example.org" in page and "Connection refused" in page and "Send again" in page
    assert "email.failed" in client.get("/admin/audit?action=email.").get_data(as_text=True)

    app.config["MAIL_PORT"] = relay_port  # the relay is back
    answer = post_form(client, f"/admin/emails/{row.id}/retry", {}, page="/admin/emails")
    assert answer.status_code == 302
    assert [message["To"] for message in mailbox] == ["someone@example.org"]
    assert _row(queued.id).status is OutboxStatus.SENT
    [retried] = audit("email.retried")
    assert retried.actor_id == admin.id


def test_retrying_a_message_that_has_not_failed_changes_nothing(ctx, client, auth, admin, mailbox):
    queued = _queue(user=admin)
    db.session.commit()
    auth.sign_in(admin)
    answer = post_form(client, f"/admin/emails/{queued.id}/retry", {}, page="/admin/emails", follow_redirects=True)
    assert "has not failed" in answer.get_data(as_text=True)
    assert len(mailbox) == 1 and audit("email.retried") == []


def test_the_emails_page_is_for_admins_only(ctx, client, auth, learner):
    auth.sign_in(learner)
    assert client.get("/admin/emails").status_code == 403
    assert client.get("/admin/emails?status=nonsense").status_code in (403, 404)


def test_a_message_claimed_by_a_worker_that_died_is_sent_once_its_lease_ends(ctx, mailbox, monkeypatch):
    monkeypatch.setattr(outbox, "dispatch", lambda ids: None)  # no sending after the commit
    queued = _queue()
    db.session.commit()
    assert claim(queued.id) is not None  # a worker takes it ... and dies before sending
    assert send_due() == 0 and mailbox == []  # the lease keeps others off it
    _row(queued.id).next_attempt_at = utcnow() - timedelta(seconds=1)  # the lease has run out
    db.session.commit()
    assert send_due() == 1
    assert len(mailbox) == 1 and _row(queued.id).attempts == 2


def _claim_without_condition(message_id: int) -> OutboxMessage | None:
    """The bug the claim prevents: taking a message whatever its state."""
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(attempts=OutboxMessage.attempts + 1)
    )
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    db.session.commit()
    return message


@pytest.mark.parametrize(
    ("claim_used", "meet", "copies"),
    [(claim, "after claiming", 1), (_claim_without_condition, "before handing over", 2)],
    ids=["claim", "control"],
)
def test_two_workers_reaching_for_the_same_message_send_it_once(
    app, ctx, mailbox, monkeypatch, claim_used, meet, copies
):
    """Two real workers, each on its own connection (PostgreSQL in CI), reach for each message at
    the same time: both try to claim it before either sends it. The control, whose claim takes a
    message whatever its state, lets both render it and meet before handing it over, and shows
    that the test sees it sent twice. Both meet where no transaction is open (on SQLite a reader
    holds the write lock)."""
    monkeypatch.setattr(outbox, "dispatch", lambda ids: None)
    user = UserFactory(name="Léa")
    queued = [_queue(to=f"learner{n}@example.org", user=user) for n in range(3)]
    db.session.flush()
    ids = [message.id for message in queued]
    db.session.commit()  # the test's session holds no transaction while the workers run (SQLite)
    barrier = threading.Barrier(2)

    def claim_then_meet(message_id: int) -> OutboxMessage | None:
        taken = claim_used(message_id)
        barrier.wait(timeout=30)
        return taken

    def meet_then_deliver(email) -> None:
        barrier.wait(timeout=30)
        real_deliver(email)

    real_deliver = outbox._deliver
    if meet == "after claiming":
        monkeypatch.setattr(outbox, "claim", claim_then_meet)
    else:
        monkeypatch.setattr(outbox, "claim", claim_used)
        monkeypatch.setattr(outbox, "_deliver", meet_then_deliver)

    def worker() -> None:
        with app.app_context():
            for message_id in ids:
                send_one(message_id)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = sorted(message["To"] for message in mailbox)
    assert received == sorted(f"learner{n}@example.org" for n in range(3) for _ in range(copies))
    if copies == 1:
        assert {(row.status, row.attempts) for row in map(_row, ids)} == {(OutboxStatus.SENT, 1)}


def test_with_a_broker_the_workers_send_and_a_broker_outage_loses_nothing(app, ctx, mailbox, monkeypatch, runner):
    handed: list[int] = []
    monkeypatch.setitem(app.config["CELERY"], "task_always_eager", False)
    monkeypatch.setattr(outbox.send_outbox_message, "delay", handed.append)
    queued = _queue()
    db.session.commit()
    assert handed == [queued.id] and mailbox == []  # the worker's job, not this process's

    def broker_down(message_id):
        raise ConnectionError("the broker does not answer")

    monkeypatch.setattr(outbox.send_outbox_message, "delay", broker_down)
    second = _queue(to="second@example.org")
    db.session.commit()  # the change commits all the same; the row waits for the sweep
    assert _row(second.id).status is OutboxStatus.PENDING
    assert runner.invoke(args=["send-emails"]).output == "0 email(s) sent\n"  # still its committer's
    _row(second.id).next_attempt_at = utcnow()  # two minutes later, the sweep takes it
    db.session.commit()
    result = runner.invoke(args=["send-emails"])
    assert result.exit_code == 0 and result.output == "1 email(s) sent\n"
    assert [message["To"] for message in mailbox] == ["second@example.org"]


def test_a_request_answers_before_its_emails_are_sent(app, ctx, client, auth, learner, mailbox, monkeypatch):
    """Without a broker the request's emails leave once the response is closed (after it was sent)."""
    sent_during_request: list[int] = []
    real = outbox.send_messages

    def watch(ids):
        sent_during_request.append(len(mailbox))
        real(ids)

    monkeypatch.setattr(outbox, "send_messages", watch)
    answer = post_form(client, "/forgot-password", {"email": learner.email})
    assert answer.status_code in (200, 302)
    assert sent_during_request == [0]  # called once, after the view had committed and answered
    [message] = mailbox
    assert message["To"] == learner.email


def test_a_context_that_cannot_be_stored_is_refused_when_queued(ctx):
    with pytest.raises(TypeError, match="cannot hold object"):
        _queue(extra=object())
    with pytest.raises(ValueError, match="not registered"):
        outbox.later(print)


def test_the_outbox_keeps_one_row_per_message_id(ctx):
    first, second = _queue(), _queue()
    db.session.flush()
    second.message_id = first.message_id
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_a_send_that_breaks_never_undoes_or_fails_the_committed_change(ctx, mailbox, monkeypatch, caplog):
    def database_gone(ids):
        raise sa.exc.OperationalError("UPDATE email_outbox", {}, Exception("server closed the connection"))

    monkeypatch.setattr(outbox, "send_messages", database_gone)
    queued = _queue()
    db.session.commit()  # does not raise: the row is committed and waits for the sweep
    assert _row(queued.id).status is OutboxStatus.PENDING and mailbox == []
    assert "the sweep will send them" in caplog.text


def test_a_savepoint_sends_nothing_until_the_transaction_commits(ctx, mailbox):
    """Releasing a savepoint is no commit: a message queued before it leaves with the transaction;
    one queued inside a savepoint rolled back never leaves."""
    user = UserFactory(name="Léa")
    _queue(to="kept@example.org", user=user)
    with db.session.begin_nested():
        _queue(to="inside@example.org", user=user)
    assert mailbox == []
    try:
        with db.session.begin_nested():
            _queue(to="undone@example.org", user=user)
            raise RuntimeError("the savepoint is rolled back")
    except RuntimeError:
        pass
    db.session.commit()
    assert sorted(message["To"] for message in mailbox) == ["inside@example.org", "kept@example.org"]
    assert count_rows(OutboxMessage) == 2


def test_without_a_broker_the_sender_thread_sends_what_a_request_committed(app, ctx, client, learner, mailbox):
    """The default outside the tests: the request's thread answers, a thread of the process sends."""
    app.config["MAIL_SEND_AFTER_RESPONSE"] = "thread"
    answer = post_form(client, "/forgot-password", {"email": learner.email})
    assert answer.status_code in (200, 302)
    deadline = time.monotonic() + 10
    while not mailbox and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = mailbox
    assert message["To"] == learner.email
    assert "outbox-sender" in {thread.name for thread in threading.enumerate()}


def test_a_context_keeps_its_values_through_the_outbox(ctx):
    """What the row stores comes back as it was given: dates, bytes, enums, models and lists."""
    from datetime import UTC, date, datetime

    from training.enrolment.models import EnrolmentStatus

    user = UserFactory(name="Léa")
    context = {
        "when": datetime(2027, 3, 1, 9, 30, tzinfo=UTC),
        "day": date(2027, 3, 1),
        "data": b"%PDF-1.7",
        "status": EnrolmentStatus.CONFIRMED,
        "people": [user, None, 3, 2.5, True],
    }
    stored = outbox.encode(context)
    assert stored["when"] == {"$datetime": "2027-03-01T09:30:00+00:00"}
    assert stored["status"] == "confirmed"
    assert outbox.decode(stored) == {**context, "status": "confirmed", "people": [user, None, 3, 2.5, True]}
    with pytest.raises(TypeError, match="do not start with"):
        outbox.encode({"$model": "User"})


def test_the_workers_tasks_send_due_messages_and_messages_queued_before_the_outbox(ctx, mailbox, monkeypatch):
    monkeypatch.setattr(outbox, "dispatch", lambda ids: None)  # the committer died before sending
    queued = _queue()
    db.session.commit()
    _row(queued.id).next_attempt_at = utcnow()  # its two minutes are over
    db.session.commit()
    outbox.send_due_emails.delay()  # the beat's sweep (inline without a broker)
    assert [message["To"] for message in mailbox] == ["someone@example.org"]
    assert _row(queued.id).status is OutboxStatus.SENT
    outbox.deliver_email.delay(
        {
            "to": "old@example.org",
            "subject": "Queued before",
            "text": "Hello",
            "html": "<p>Hello</p>",
            "attachments": [],
        }
    )
    assert mailbox[-1]["To"] == "old@example.org" and mailbox[-1]["Message-ID"].endswith("@training.test>")


def test_an_unknown_status_of_the_emails_page_is_not_found(ctx, client, auth, admin):
    auth.sign_in(admin)
    assert client.get("/admin/emails?status=nonsense").status_code == 404
    assert client.get("/admin/emails?status=sent").status_code == 200
