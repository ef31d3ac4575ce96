"""The one outbound email path used by every feature.

`send_email` renders a text and an HTML template in the recipient's language and
queues the message on the database session; it leaves only when the transaction
commits (a rolled-back change sends nothing), through the `deliver_email` task. The
task hands it to the configured backend: a folder of .eml files or the log in
development, SMTP in production and in the tests (a real server on loopback).
"""

from __future__ import annotations

import base64
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

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
        message = {
            "to": to,
            "subject": str(subject),
            "text": render_template(f"email/{template}.txt", **context),
            "html": render_template(f"email/{template}.html", **context),
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


@sa.event.listens_for(Session, "after_commit")
def _flush_outbox(session) -> None:
    for message in session.info.pop(OUTBOX_KEY, []):
        deliver_email.delay(message)


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
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    email.set_content(message["text"])
    email.add_alternative(message["html"], subtype="html")
    for item in message["attachments"]:
        mimetype, _, parameters = item["mimetype"].partition(";")
        maintype, subtype = mimetype.strip().split("/", 1)
        params = dict(p.strip().split("=", 1) for p in parameters.split(";") if "=" in p)
        email.add_attachment(
            base64.b64decode(item["data"]), maintype=maintype, subtype=subtype, filename=item["filename"],
            params=params,
        )
    return email


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def deliver_email(message: dict) -> None:
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
