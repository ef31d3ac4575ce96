"""The outbox as the training office sees it: the emails that failed (and why), those still
waiting, and those sent; a failed one can be sent again once its cause is fixed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import PAGE_SIZE, bp
from training.email import queue_again
from training.extensions import db
from training.outbox import OutboxMessage, OutboxStatus
from training.urls import page_number

admin_only = roles_required(Role.ADMIN)


@bp.get("/emails")
@admin_only
def emails():
    """One status of the outbox, newest first: failed by default, the ones to act on."""
    try:
        status = OutboxStatus(request.args.get("status", OutboxStatus.FAILED))
    except ValueError:
        abort(404)
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == status)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    pagination = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    counts = dict(
        db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all()
    )
    return render_template("admin/emails.html", status=status, pagination=pagination, counts=counts)


@bp.post("/emails/<int:message_id>/retry")
@admin_only
def retry_email(message_id: int):
    """Send a failed email again (audited); it leaves after this request."""
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status is not OutboxStatus.FAILED:
        flash(_("This email has not failed: it is not sent again."), "warning")
    else:
        queue_again(current_user, message)
        db.session.commit()
        flash(_("The email to %(to)s is sent again.", to=message.recipient), "success")
    return redirect(url_for("admin.emails"))
