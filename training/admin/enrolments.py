"""Enrolments in the back office: the approval queue, cancelling anyone, enrolling someone.

The seat rules live in `training.enrolment.services`; these views parse the form, call one
service, turn its refusal into a form error or a flash, and commit once. Cancelling goes
through `training.certificates.withdrawal`, which also revokes a certificate already earned.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from training.accounts.auth import roles_required
from training.accounts.forms import ConfirmForm
from training.accounts.models import Role, User
from training.admin.blueprint import PAGE_SIZE, bp
from training.admin.forms import DecisionReasonForm, EnrolOnBehalfForm
from training.admin.sessions import _render_session
from training.catalogue.models import CourseSession
from training.certificates import withdrawal
from training.enrolment import services
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.errors import DomainError
from training.extensions import db
from training.urls import page_number, safe_next_url


def _queue_page(status: int = 200, reject_errors: dict[int, list[str]] | None = None):
    """The approval queue, oldest request first, every session."""
    query = (
        sa.select(Enrolment)
        .where(Enrolment.status == EnrolmentStatus.PENDING_APPROVAL)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.session).joinedload(CourseSession.course))
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    pagination = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/pending_enrolments.html", pagination=pagination, reject_errors=reject_errors or {}
    ), status


def _back(fallback: str):
    """Redirect to the form's `next` when it is a path on this site, else to `fallback`."""
    return redirect(safe_next_url(request.form.get("next"), fallback))


def _placed_message(enrolment: Enrolment, approved: bool) -> str:
    """Where the learner stands after an approval or an enrolment on their behalf."""
    name = enrolment.user.name
    if enrolment.status is EnrolmentStatus.CONFIRMED:
        return (
            _("Approved: %(name)s has a seat.", name=name)
            if approved
            else _("Enrolled: %(name)s has a seat and receives the convocation.", name=name)
        )
    position = services.waitlist_position(enrolment)
    if approved:
        return _(
            "Approved: the session is full, %(name)s is on the waitlist in position %(position)d.",
            name=name,
            position=position,
        )
    return _(
        "Enrolled: the session is full, %(name)s is on the waitlist in position %(position)d.",
        name=name,
        position=position,
    )


@bp.get("/enrolments/pending")
@roles_required(Role.ADMIN)
def pending_enrolments():
    """Enrolments awaiting the training office's approval, oldest first."""
    return _queue_page()


@bp.post("/enrolments/<int:enrolment_id>/approve")
@roles_required(Role.ADMIN)
def approve_enrolment(enrolment_id: int):
    """Approve a request: a seat when one is free, else the waitlist; the learner is told."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        services.approve(current_user, enrolment)
    except services.EnrolmentError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_placed_message(enrolment, approved=True), "success")
    return _back(url_for("admin.pending_enrolments"))


@bp.post("/enrolments/<int:enrolment_id>/reject")
@roles_required(Role.ADMIN)
def reject_enrolment(enrolment_id: int):
    """Decline a request with a reason, which the learner receives by email."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = DecisionReasonForm()
    if not form.validate_on_submit():
        return _queue_page(422, reject_errors={enrolment.id: form.reason.errors})
    try:
        services.reject(current_user, enrolment, form.reason.data)
    except services.EnrolmentError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Declined: %(name)s receives your reason by email.", name=enrolment.user.name), "success")
    return _back(url_for("admin.pending_enrolments"))


@bp.post("/enrolments/<int:enrolment_id>/cancel")
@roles_required(Role.ADMIN)
def cancel_enrolment(enrolment_id: int):
    """Cancel anyone's enrolment, with a reason; a freed seat goes to the waitlist before the start,
    and a certificate already earned is revoked with the same reason."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    session_page = url_for("admin.session_detail", session_id=enrolment.session_id, _anchor="learners")
    form = DecisionReasonForm()
    if not form.validate_on_submit():
        return _render_session(enrolment.session, 422, cancel_errors={enrolment.id: form.reason.errors})
    if enrolment.status not in services.ACTIVE:
        flash(
            _(
                "%(name)s's enrolment is already closed: %(status)s.",
                name=enrolment.user.name,
                status=enrolment.status.label.lower(),
            ),
            "info",
        )
        return redirect(session_page)
    try:
        revoked = withdrawal.cancel_enrolment(current_user, enrolment, form.reason.data)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        if revoked is None:
            flash(_("Cancelled: %(name)s receives your reason by email.", name=enrolment.user.name), "success")
        else:
            flash(
                _(
                    "Cancelled, and certificate %(serial)s is revoked: %(name)s receives your reason by email.",
                    serial=revoked.serial,
                    name=enrolment.user.name,
                ),
                "success",
            )
    return redirect(session_page)


@bp.post("/sessions/<int:session_id>/enrolments")
@roles_required(Role.ADMIN)
def enrol_on_behalf(session_id: int):
    """Enrol someone (a phone request, a walk-in), also after the deadline; the capacity rules stand."""
    session = db.get_or_404(CourseSession, session_id)
    form = EnrolOnBehalfForm()
    learner = _learner(form) if form.validate_on_submit() else None
    if learner is not None:
        try:
            enrolment, created = services.enrol(
                current_user,
                session,
                learner,
                acknowledged=False,
                on_behalf=True,
                reason=(form.reason.data or "").strip() or None,
            )
        except services.EnrolmentError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _placed_message(enrolment, approved=False) if created else _already(enrolment),
                "success" if created else "info",
            )
            return redirect(url_for("admin.session_detail", session_id=session.id, _anchor="learners"))
    return _render_session(session, 422, enrol_form=form)


def _learner(form: EnrolOnBehalfForm) -> User | None:
    """The active account using the form's address; None, with the error on the field, otherwise."""
    learner = db.session.scalar(sa.select(User).where(User.email == form.email.data))
    people = escape(url_for("admin.users"))
    if learner is None:
        form.email.errors.append(
            Markup(_('No account uses this address: create it first in <a href="%(url)s">People</a>.', url=people))
        )
    elif not learner.is_active_account:
        form.email.errors.append(
            Markup(_('This account is deactivated: reactivate it first in <a href="%(url)s">People</a>.', url=people))
        )
        learner = None
    return learner


def _already(enrolment: Enrolment) -> str:
    """The flash for someone already enrolled: their status, and their place in line."""
    position = services.waitlist_position(enrolment)
    if position is not None:
        return _(
            "%(name)s is already enrolled in this session: on the waitlist in position %(position)d.",
            name=enrolment.user.name,
            position=position,
        )
    return _(
        "%(name)s is already enrolled in this session: %(status)s.",
        name=enrolment.user.name,
        status=enrolment.status.label.lower(),
    )
