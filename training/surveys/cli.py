"""`flask surveys invite`: email the satisfaction survey to the learners of sessions that have ended."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from training.extensions import db
from training.surveys import services

surveys_cli = AppGroup("surveys", help="The end-of-session satisfaction survey.")


@surveys_cli.command("invite")
def invite_command() -> None:
    """Invite, once, each learner who attended a session ended in the last 30 days."""
    invited = services.invite_ended_sessions(datetime.now(UTC))
    lines = [f"{e.user.email}: {e.session.course.title} (session {e.session_id})" for e in invited]
    db.session.commit()
    for line in lines:
        click.echo(f"Invited {line}")
    click.echo(f"{len(lines)} invitation(s) sent.")
