"""The one outbound email path used by every feature: a transactional outbox.

`send_email` writes an `OutboxMessage` row in the caller's transaction: what to send, to whom,
in which language, with models named by reference. Nothing is rendered there, so a request
that holds a lock (a seat) spends no time on templates. After the commit the message is sent:

- with a Celery broker, by the `send_outbox_message` task (and the `send_due_emails` sweep,
  every minute, which takes again whatever a dead worker or a refused relay left);
- without one (development, a small install), by this process once the response has gone
  (`Response.call_on_close`), or at once outside a request (a CLI command, a test).

A rolled-back transaction leaves no row, so nothing is sent for a change that did not happen.
Rendering and sending happen on a claimed row (`claim`): two workers never send the same row,
and a message that keeps failing ends `failed`, which the training office sees (Admin > Emails,
and an `email.failed` audit row). The backend is a folder of .eml files or the log in
development, SMTP in production and in the tests (a real server on loopback).
"""

from __future__ import annotations

import base64
import enum
import queue
import re
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from celery import shared_task
from flask import Flask, Response, current_app, g, has_request_context, render_template
from flask_babel import LazyString, force_locale
from flask_sqlalchemy.session import Session
from werkzeug.local import LocalProxy

from training.extensions import Model, db, utcnow
from training.outbox import OutboxMessage, OutboxStatus

OUTBOX_KEY = "outbox"
# On `g`: the messages a request committed, sent once its response has gone.
AFTER_RESPONSE = "outbox_after_response"

# A message is tried this many times: at once, then after 30 s, 1, 2, 4 and 8 minutes.
MAX_ATTEMPTS = 6
# How long a worker owns a claimed message; one that died is replaced after this.
LEASE = timedelta(minutes=10)
# The most due messages one sweep sends (the next sweep takes the rest).
SWEEP_BATCH = 50
# Without a broker, how often a process that sends also sweeps.
SWEEP_EVERY = timedelta(minutes=1)
# A new message belongs to the process that committed it for this long; then a sweep takes it.
FIRST_SEND = timedelta(minutes=2)


# --- Queueing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Later:
    """A value computed when the message is rendered, not when it is queued: `later(f, *args)`."""

    name: str
    args: tuple


_DEFERRED: dict[str, Callable[..., Any]] = {}


def deferred(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register `function` as one a queued message may call when it is rendered (`later`).

    Only registered functions can be named in a row, so the outbox table cannot be made to call
    anything else.
    """
    _DEFERRED[f"{function.__module__}:{function.__qualname__}"] = function
    return function


def later(function: Callable[..., Any], *args: Any) -> Later:
    """`function(*args)` computed at rendering time (an .ics, a stored PDF, a link that needs a
    query); `args` are encoded like the rest of the context (models by reference)."""
    name = f"{function.__module__}:{function.__qualname__}"
    if _DEFERRED.get(name) is not function:
        raise ValueError(f"{name} is not registered with @training.email.deferred")
    return Later(name, args)


def send_email(
    to: str,
    subject: str | LazyString,
    template: str,
    *,
    locale: str,
    attachments: Iterable[tuple[str, str, bytes | Later]] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Queue `email/<template>.txt` and `.html` for `to`, rendered in `locale` when sent.

    The message goes out after the caller's transaction commits, never if it rolls back.
    `subject` may be a lazy string: it is translated here, in the recipient's language.
    `attachments` are (filename, MIME type, bytes or `later(...)`) triples; the type may carry
    parameters ("text/calendar; charset=utf-8"). The context may hold models (stored as
    references and read again when rendered), plain values, dates and `later(...)` values.
    """
    with force_locale(locale):
        subject_text = _header_value(str(subject))
    message = OutboxMessage(
        next_attempt_at=utcnow() + FIRST_SEND,  # sent after the commit; swept only if that fails
        recipient=_header_value(to),
        subject=subject_text,
        template=template,
        locale=locale,
        message_id=make_msgid(domain=_message_id_domain()),
        context=encode(context),
        attachments=[encode([name, mimetype, data]) for name, mimetype, data in attachments or []],
    )
    db.session.add(message)
    _send_after_commit(message)
    return message


def _send_after_commit(message: OutboxMessage) -> None:
    """Have `message` sent once the current transaction commits (see `_dispatch_outbox`)."""
    db.session.info.setdefault(OUTBOX_KEY, []).append(message)


def encode(value: Any) -> Any:
    """A JSON form of a message's context: models become {"$model": class, "id": key}."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # a str enum member becomes its value
    if isinstance(value, LazyString):
        return str(value)  # translated in the recipient's locale: send_email renders in it
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, Later):
        return {"$call": value.name, "args": encode(list(value.args))}
    if isinstance(value, Model):
        if isinstance(value, LocalProxy):  # current_user
            value = value._get_current_object()
        state = sa.inspect(value)
        if state.identity is None:
            db.session.flush()
        assert state.identity is not None, "flushed"
        return {"$model": type(value).__name__, "id": state.identity[0]}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if any(not isinstance(key, str) or key.startswith("$") for key in value):
            raise TypeError("an email context's keys are names that do not start with $")
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return encode(value.value)
    raise TypeError(f"an email context cannot hold {type(value).__name__}: pass a model, an id or a plain value")


class MissingObject(LookupError):
    """A model a queued message names no longer exists (erased before the message was sent)."""


def decode(value: Any) -> Any:
    """The context `encode` stored, with its models read again (in the current session)."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$model" in value:
        model = _models()[value["$model"]]
        # Relationships load only if the template reads them (a user's roles, never).
        obj = db.session.get(model, value["id"], options=[sa.orm.lazyload("*")])
        if obj is None:
            raise MissingObject(f"{model.__name__} {value['id']} no longer exists")
        return obj
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$call" in value:
        return _DEFERRED[value["$call"]](*decode(value["args"]))
    return {key: decode(item) for key, item in value.items()}


def _models() -> dict[str, type]:
    return {mapper.class_.__name__: mapper.class_ for mapper in Model.registry.mappers}


def _header_value(value: str) -> str:
    """A header value on one line: CR, LF and other control characters (a name typed with a line
    break) become spaces, so no header can be injected and the message can always be built."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()  # other spaces (French \xa0) stay as typed


def _message_id_domain() -> str:
    """Our own host name (that of BASE_URL), on the right of every Message-ID."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def render_email(template: str, *, locale: str, **context) -> tuple[str, str]:
    """The text and HTML bodies of `email/<template>` in `locale`."""
    with force_locale(locale):
        return (
            render_template(f"email/{template}.txt", **context),
            render_template(f"email/{template}.html", **context),
        )


# --- After the commit: who sends -------------------------------------------------------------------


@sa.event.listens_for(Session, "after_commit")
def _dispatch_outbox(session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint was released: no commit yet
        return
    messages = session.info.pop(OUTBOX_KEY, [])
    ids = [state.identity[0] for state in map(sa.inspect, messages) if state.identity is not None]
    if ids:
        dispatch(ids)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session, _previous_transaction) -> None:
    """Forget the messages a rollback undid: all of them, or those of a savepoint rolled back."""
    kept = [message for message in session.info.pop(OUTBOX_KEY, []) if sa.inspect(message).session is not None]
    if kept:
        session.info[OUTBOX_KEY] = kept


def dispatch(ids: list[int]) -> None:
    """Have the committed messages `ids` sent: by the workers, after the response, or now."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's LocalProxy
    if not app.config["CELERY"]["task_always_eager"]:
        for message_id in ids:
            try:
                send_outbox_message.delay(message_id)
            except Exception:  # the broker is down: the row waits for the next sweep
                app.logger.exception("email %s could not be handed to the workers; the sweep will send it", message_id)
    elif has_request_context() and AFTER_RESPONSE in g:
        g.get(AFTER_RESPONSE).extend(ids)
    else:
        _send_in_new_context(app, ids)


def _send_after_response(app: Flask, response: Response) -> Response:
    """Without a broker: send what the request queued once the response has gone to the client,
    from the process's sender thread (the request's thread is free for the next request at once)
    or, with MAIL_SEND_AFTER_RESPONSE = "inline", from the request's thread."""
    ids = g.get(AFTER_RESPONSE)
    if ids:
        if app.config["MAIL_SEND_AFTER_RESPONSE"] == "inline":
            response.call_on_close(lambda: _send_in_new_context(app, ids))
        else:
            response.call_on_close(lambda: _sender.submit(app, ids))
    return response


class _SenderThread:
    """One thread per process that sends the emails requests committed, one batch at a time.

    Started on first use in each process (a thread does not survive gunicorn's fork). Messages it
    holds when the process stops are still pending rows: the sweep sends them."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Flask, list[int]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, app: Flask, ids: list[int]) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
                self._thread.start()
        self._queue.put((app, ids))

    def _run(self) -> None:
        while True:
            app, ids = self._queue.get()
            _send_in_new_context(app, ids)


_sender = _SenderThread()


def _send_in_new_context(app: Flask, ids: list[int]) -> None:
    """Send `ids` in an app context (and database session) of their own. Whatever goes wrong is
    logged, never raised: the change they announce is committed, and the sweep sends them later."""
    try:
        with app.app_context():
            send_messages(ids)
    except Exception:
        app.logger.exception("emails %s not sent now; the sweep will send them", ids)


def init_app(app: Flask) -> None:
    # A request that runs its hooks sends after its response; any other context (a CLI command, a
    # test_request_context) sends at once.
    app.before_request(lambda: setattr(g, AFTER_RESPONSE, []))
    app.after_request(lambda response: _send_after_response(app, response))
    app.cli.add_command(send_due_command)


# --- Sending ----------------------------------------------------------------------------------------


def send_messages(ids: Iterable[int]) -> None:
    """Send the messages `ids`, each on its own, so one that fails never stops the others; then,
    at most once every SWEEP_EVERY in this process, whatever else is due (without a broker nothing
    else retries them)."""
    global _last_sweep
    for message_id in ids:
        send_one(message_id)
    if time.monotonic() - _last_sweep >= SWEEP_EVERY.total_seconds():
        _last_sweep = time.monotonic()
        send_due()


_last_sweep = time.monotonic()


def send_due(limit: int = SWEEP_BATCH) -> int:
    """Send the pending messages whose time has come (new, to retry, or left by a dead worker)."""
    due = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return sum(send_one(message_id) for message_id in due)


def claim(message_id: int) -> OutboxMessage | None:
    """Take a message for this worker (one attempt, under a lease), or None if another worker has
    it or it is not due. A new message is anyone's first taker's (the process that committed it,
    or the task it queued); a tried one is due when its back-off or lease has run out. A single
    conditional UPDATE, committed at once: no lock is held while rendering and sending."""
    now = utcnow()
    taken = (
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            sa.or_(OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at <= now),
        )
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
        .returning(OutboxMessage)
        .execution_options(populate_existing=True)
    )
    message = db.session.scalars(taken).one_or_none()
    db.session.commit()
    return message


def send_one(message_id: int) -> bool:
    """Claim, render and send one message; True when it went out."""
    message = claim(message_id)
    if message is None:
        return False
    try:
        email = compose(message, current_app.config["MAIL_DEFAULT_SENDER"])
        db.session.commit()  # end the reads before the relay (on SQLite they hold the write lock)
        _deliver(email)
    except Exception as error:
        db.session.rollback()
        _failed(db.session.get_one(OutboxMessage, message_id), error)
        return False
    message.status, message.sent_at, message.last_error = OutboxStatus.SENT, utcnow(), None
    message.context = message.attachments = None  # links in it may sign someone in: kept no longer
    db.session.commit()
    return True


def _failed(message: OutboxMessage, error: BaseException) -> None:
    """Note the failure: try again later, or give up after MAX_ATTEMPTS (audited, shown to admins)."""
    from training.audit.services import record

    reason = f"{type(error).__name__}: {error}"[:1000]
    if isinstance(error, smtplib.SMTPException | OSError):
        current_app.logger.warning("email %s to %s not sent: %s", message.id, message.recipient, reason)
    else:  # a bug or a missing object: worth its traceback
        current_app.logger.exception("email %s to %s could not be made", message.id, message.recipient)
    message.last_error = reason
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        record(
            None,
            "email.failed",
            object_type="email",
            object_id=message.id,
            after={"to": message.recipient, "subject": message.subject, "error": reason[:500]},
        )
    else:
        message.next_attempt_at = utcnow() + timedelta(seconds=30 * 2 ** (message.attempts - 1))
    db.session.commit()


def queue_again(actor, message: OutboxMessage) -> None:
    """Send a failed message again (the training office fixed the address or the relay): audited."""
    from training.audit.services import record

    message.status, message.attempts, message.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
    record(actor, "email.retried", object_type="email", object_id=message.id, after={"to": message.recipient})
    _send_after_commit(message)


# --- Building and handing over ----------------------------------------------------------------


SMTP_POLICY = SMTP.clone(max_line_length=998)


def compose(message: OutboxMessage, sender: str) -> EmailMessage:
    """Render a queued message in its language and build the MIME message."""
    with force_locale(message.locale):
        context = decode(message.context or {})
        text, html = render_email(message.template, locale=message.locale, **context)
        attachments = [decode(item) for item in message.attachments or []]
    return build_message(
        {
            "to": message.recipient,
            "subject": message.subject,
            "date": format_datetime(message.created_at.astimezone(UTC)),
            "message_id": message.message_id,
            "text": text,
            "html": html,
            "attachments": [
                {"filename": name, "mimetype": mimetype, "data": base64.b64encode(data).decode()}
                for name, mimetype, data in attachments
            ],
        },
        sender,
    )


def build_message(message: dict, sender: str) -> EmailMessage:
    """Turn a message dict into a MIME message with text, HTML and attachments."""
    # Python 3.11 folds a long non-ASCII Subject into encoded words with the space between
    # them lost ("innovante :procédés"; CPython gh-92081): SMTP's 998-character lines avoid folding.
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = sender
    email["To"] = message["to"]
    email["Subject"] = message["subject"]
    email["Date"] = message.get("date") or format_datetime(datetime.now(UTC))
    email["Message-ID"] = message.get("message_id") or make_msgid(domain=_message_id_domain())
    email.set_content(message["text"])
    email.add_alternative(message["html"], subtype="html")
    for item in message["attachments"]:
        mimetype, _, parameters = item["mimetype"].partition(";")
        maintype, subtype = mimetype.strip().split("/", 1)
        params = dict(p.strip().split("=", 1) for p in parameters.split(";") if "=" in p)
        email.add_attachment(
            base64.b64decode(item["data"]),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
            params=params,
        )
    return email


def _deliver(email: EmailMessage) -> None:
    """Hand one message to the configured backend (`smtp`, `folder` or `log`)."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(email, config)
    elif backend == "folder":
        folder = Path(config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        # Named after the Message-ID: a message sent twice (a worker died in between) is one file.
        name = re.sub(r"[^A-Za-z0-9.@-]+", "_", email["Message-ID"].strip("<>"))
        (folder / f"{name}.eml").write_bytes(bytes(email))
        current_app.logger.info("email to %s written to %s: %s", email["To"], folder, email["Subject"])
    else:
        text = email.get_body(("plain",))
        content = text.get_content() if text is not None else ""
        current_app.logger.info("email to %s: %s\n%s", email["To"], email["Subject"], content)


def _send_smtp(email: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


# --- Workers -----------------------------------------------------------------------------------------


@shared_task
def send_outbox_message(message_id: int) -> None:
    """Send one committed message (a no-op if another worker has sent it or holds it)."""
    send_one(message_id)


@shared_task
def send_due_emails() -> None:
    """The periodic sweep: messages to retry, and those a dead worker or a down broker left."""
    while send_due():
        pass


@shared_task
def deliver_email(message: dict) -> None:
    """Messages queued as dicts by the version before the outbox, still in a broker's queue."""
    _deliver(build_message(message, current_app.config["MAIL_DEFAULT_SENDER"]))


@click.command("send-emails")
def send_due_command() -> None:
    """Send the emails waiting in the outbox (for a cron job on an install without Celery)."""
    sent = 0
    while batch := send_due():
        sent += batch
    click.echo(f"{sent} email(s) sent")
