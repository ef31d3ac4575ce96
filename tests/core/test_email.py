"""Email that data cannot break (issue 15): every message has a Date and a Message-ID of our own
domain, a name typed with a line break cannot inject a header or fail the send, and one message
that cannot be handed over never stops the others of the same transaction."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from tests.factories import UserFactory
from training.email import deliver_email, send_email
from training.extensions import db


def test_every_message_has_a_date_and_a_message_id_of_our_domain(ctx, mailbox):
    send_email(
        "someone@example.org",
        "Hello",
        "accounts/confirm",
        locale="en",
        user=UserFactory(name="Léa"),
        link="http://training.test/confirm/x",
    )
    db.session.commit()  # queued with the transaction, sent after it
    [message] = mailbox
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@training.test>")  # the host of BASE_URL


def test_one_message_that_fails_does_not_stop_the_others(ctx, mailbox, monkeypatch, caplog):
    original = deliver_email.delay

    def flaky(message):
        if message["to"] == "broken@example.org":
            raise RuntimeError("the relay refused this one")
        return original(message)

    monkeypatch.setattr(deliver_email, "delay", flaky)
    user = UserFactory(name="Léa")
    for to in ("first@example.org", "broken@example.org", "third@example.org"):
        send_email(to, "Hello", "accounts/confirm", locale="en", user=user, link="http://training.test/confirm/x")
    db.session.commit()
    assert sorted(message["To"] for message in mailbox) == ["first@example.org", "third@example.org"]
    assert "email to broken@example.org could not be sent" in caplog.text


def test_a_send_that_fails_is_visible_to_admins_in_the_audit_log(app, ctx, client, auth, admin, caplog):
    from tests.helpers import free_port

    app.config["MAIL_PORT"] = free_port()  # nothing listens: the relay is down
    send_email(
        "someone@example.org",
        "Convocation",
        "accounts/confirm",
        locale="en",
        user=admin,
        link="http://training.test/confirm/x",
    )
    db.session.commit()  # the enrolment (or anything) stays committed; only the email failed
    auth.sign_in(admin)
    page = client.get("/admin/audit?action=email.").get_data(as_text=True)
    assert "email.failed" in page and "someone@example.org" in page
    assert "could not be sent" in caplog.text
