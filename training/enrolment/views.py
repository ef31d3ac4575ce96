"""Enrolling, "My trainings", cancelling, and the learner's private calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training.accounts.models import User
from training.catalogue.calendar import add_session_events, new_calendar
from training.catalogue.models import CourseSession, CourseStatus
from training.enrolment import queries, services
from training.enrolment.extras import extras_for
from training.enrolment.forms import CancelForm, EnrolForm
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.enrolment.notifications import convocation_ics
from training.extensions import db
from training.urls import external_url

bp = Blueprint("enrolment", __name__)


def _public_session(session_id: int) -> CourseSession:
    session = db.get_or_404(CourseSession, session_id)
    if session.course.status is not CourseStatus.PUBLISHED:
        abort(404)
    return session


@bp.route("/sessions/<int:session_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(session_id: int):
    """Enrol in a session after acknowledging the prerequisites; the answer is immediate."""
    session = _public_session(session_id)
    existing = db.session.scalar(db.select(Enrolment).filter_by(session_id=session.id, user_id=current_user.id))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            enrolment, _created = services.enrol(
                current_user, session, current_user, acknowledged=form.acknowledge.data
            )
        except services.PrerequisitesNotAcknowledged as error:
            form.acknowledge.errors.append(error.message)
        except services.EnrolmentError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(outcome_message(enrolment), "success")
            return redirect(url_for("enrolment.my_trainings", _anchor=f"enrolment-{enrolment.id}"))
    return render_template(
        "enrolment/enrol.html",
        session=session,
        course=session.course,
        form=form,
        existing=existing,
        now=datetime.now(UTC),
    ), 422 if form.errors else 200


def outcome_message(enrolment: Enrolment) -> str:
    """The plain answer after enrolling: confirmed, waitlisted in position N, or awaiting approval."""
    title = enrolment.session.course.title
    if enrolment.status is EnrolmentStatus.CONFIRMED:
        return _(
            "You are enrolled in “%(title)s”: your seat is confirmed. Your convocation is on its way by email.",
            title=title,
        )
    if enrolment.status is EnrolmentStatus.WAITLISTED:
        return _(
            "The session is full: you are on the waitlist in position %(position)d. You will be told "
            "by email as soon as a seat is yours.",
            position=services.waitlist_position(enrolment),
        )
    return _(
        "Your enrolment in “%(title)s” awaits the training office's approval. You will be told by email.", title=title
    )


@bp.get("/my/trainings")
@login_required
def my_trainings():
    """The learner's upcoming sessions, waitlist positions, pending requests and past sessions."""
    trainings = queries.my_trainings(current_user)
    positions = services.waitlist_positions(trainings.waitlisted)
    extras = extras_for([e.id for e in trainings.past])
    return render_template(
        "enrolment/my_trainings.html",
        trainings=trainings,
        positions=positions,
        extras=extras,
        form=CancelForm(),
        can_cancel=services.can_cancel,
    )


@bp.get("/my/enrolments/<int:enrolment_id>/status")
@login_required
def enrolment_status(enrolment_id: int):
    """The enrolment's status and waitlist position, for the page to refresh itself."""
    enrolment = queries.own_enrolment(current_user, enrolment_id) or abort(404)
    return jsonify(
        status=enrolment.status.value, label=enrolment.status.label, position=services.waitlist_position(enrolment)
    )


@bp.post("/my/enrolments/<int:enrolment_id>/cancel")
@login_required
def cancel(enrolment_id: int):
    """Cancel one's own enrolment before the cancellation deadline."""
    enrolment = queries.own_enrolment(current_user, enrolment_id) or abort(404)
    CancelForm().validate_on_submit() or abort(400)
    try:
        services.cancel(current_user, enrolment)
    except services.EnrolmentError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Your enrolment in “%(title)s” is cancelled.", title=enrolment.session.course.title), "info")
    return redirect(url_for("enrolment.my_trainings"))


@bp.get("/my/enrolments/<int:enrolment_id>/convocation.ics")
@login_required
def convocation(enrolment_id: int):
    """The half-days of a confirmed enrolment, to add to one's calendar."""
    enrolment = queries.own_enrolment(current_user, enrolment_id) or abort(404)
    if enrolment.status is not EnrolmentStatus.CONFIRMED:
        abort(404)
    return (
        convocation_ics(enrolment.session),
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="convocation-{enrolment.id}.ics"',
        },
    )


@bp.post("/my/calendar")
@login_required
def new_calendar_link():
    """Make (or replace) the secret address of the learner's calendar feed."""
    CancelForm().validate_on_submit() or abort(400)
    services.renew_calendar_link(current_user)
    db.session.commit()
    flash(_("Your calendar address is ready; any earlier one no longer works."), "success")
    return redirect(url_for("enrolment.my_trainings", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The learner's confirmed sessions as an iCalendar feed, at a secret, revocable address."""
    user = db.session.scalar(db.select(User).filter_by(calendar_token=token)) if len(token) >= 20 else None
    if user is None or not user.is_active_account:
        abort(404)
    calendar = new_calendar("GenoTher Training")
    trainings = queries.my_trainings(user)
    for enrolment in trainings.upcoming + trainings.past:
        session = enrolment.session
        add_session_events(
            calendar, session.course, session, external_url("catalogue.course", slug=session.course.slug)
        )
    return calendar.to_ical(), 200, {"Content-Type": "text/calendar; charset=utf-8"}
