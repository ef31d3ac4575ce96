"""The one outbound email path used by every feature.

`send_email` renders a text and an HTML template in the recipient's language and
queues the message on the database session; it leaves only when the transaction
commits (a rolled-back change sends nothing), through the `deliver_email` task. The
task hands it to the configured backend: a folder of .eml files or the log in
development, SMTP in production and in the tests (a real server on loopback).
"""

from __future__ import annotations

import base64
import re
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from celery import shared_task
from flask import current_app, render_template
from flask_babel import force_locale
from flask_sqlalchemy.session import Session

from training.extensions import db

OUTBOX_KEY = "outbox"


def send_email(
    to: str,
    subject,
    template: str,
    *,
    locale: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
    **context,
) -> None:
    """Render `email/<template>.txt` and `.html` in `locale` and send them after the commit.

    `subject` may be a lazy string: it is translated here, in the recipient's language.
    `attachments` are (filename, MIME type, bytes) triples; the type may carry parameters
    ("text/calendar; charset=utf-8").
    """
    with force_locale(locale):
        text, html = render_email(template, locale=locale, **context)
        message = {
            "to": _header_value(to),
            "subject": _header_value(str(subject)),
            # Fixed when queued, so a retry sends the same message (same Date, same Message-ID).
            "date": format_datetime(datetime.now(UTC)),
            "message_id": make_msgid(domain=_message_id_domain()),
            "text": text,
            "html": html,
            "attachments": [
                {"filename": name, "mimetype": mimetype, "data": base64.b64encode(data).decode()}
                for name, mimetype, data in attachments or []
            ],
        }
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(OUTBOX_KEY, []).append(message)
    else:
        deliver_email.delay(message)


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


@sa.event.listens_for(Session, "after_commit")
def _flush_outbox(session) -> None:
    # Each message on its own: one that cannot be handed over is logged and never stops the others.
    for message in session.info.pop(OUTBOX_KEY, []):
        try:
            deliver_email.delay(message)
        except Exception:
            current_app.logger.exception("email to %s could not be sent: %s", message["to"], message["subject"])


@sa.event.listens_for(Session, "after_rollback")
def _drop_outbox(session) -> None:
    session.info.pop(OUTBOX_KEY, None)


SMTP_POLICY = SMTP.clone(max_line_length=998)


def build_message(message: dict, sender: str) -> EmailMessage:
    """Turn a queued message dict into a MIME message with text, HTML and attachments."""
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


RETRIES = 5  # with a broker: after 30 s, 1, 2, 4 and 8 min


@shared_task(bind=True, max_retries=RETRIES)
def deliver_email(self, message: dict) -> None:
    """Hand one message to the backend; a refused or unreachable relay is tried again later (with a
    broker), and a message that finally fails is written to the audit log, where admins see it."""
    try:
        _deliver(message)
    except (smtplib.SMTPException, OSError) as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            record_failure(message, error)
            raise
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


def record_failure(message: dict, error: BaseException) -> None:
    """An `email.failed` audit row (filter the audit log by `email.`), on a connection of its own:
    the transaction that queued the message is already committed."""
    from training.audit.models import AuditEntry

    row = {
        "actor_label": "system",
        "action": "email.failed",
        "object_type": "email",
        "object_id": (message.get("message_id") or "-")[:64],
        "after": {"to": message["to"], "subject": message["subject"], "error": str(error)[:500]},
    }
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.insert(AuditEntry).values(**row))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("could not record the failed email to %s", message["to"])


def _deliver(message: dict) -> None:
    """Hand one message to the configured backend (`smtp`, `folder` or `log`)."""
    config = current_app.config
    email = build_message(message, config["MAIL_DEFAULT_SENDER"])
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(email, config)
    elif backend == "folder":
        folder = Path(config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}.eml").write_bytes(bytes(email))
        current_app.logger.info("email to %s written to %s: %s", message["to"], folder, message["subject"])
    else:
        current_app.logger.info("email to %s: %s\n%s", message["to"], message["subject"], message["text"])


def _send_smtp(email: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
