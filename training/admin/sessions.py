"""Sessions in the back office: schedule, edit, move half-days, duplicate and cancel."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from training.accounts.auth import roles_required
from training.accounts.forms import ConfirmForm
from training.accounts.models import Role, User, UserRole
from training.admin.blueprint import bp
from training.admin.courses import form_status
from training.admin.forms import (
    CancelSessionForm,
    DuplicateSessionForm,
    EnrolOnBehalfForm,
    NewSessionForm,
    SessionForm,
    SlotForm,
    add_domain_error,
)
from training.audit.queries import history
from training.catalogue import services
from training.catalogue.models import Course, CourseSession, Slot
from training.catalogue.services import SchedulingError
from training.certificates import withdrawal
from training.enrolment import services as enrolment_services
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db

# How the learners of a session are listed: those holding a seat first.
STATUS_ORDER = {
    status: rank
    for rank, status in enumerate(
        (
            EnrolmentStatus.CONFIRMED,
            EnrolmentStatus.PENDING_APPROVAL,
            EnrolmentStatus.WAITLISTED,
            EnrolmentStatus.CANCELLED,
            EnrolmentStatus.REJECTED,
        )
    )
}


def trainer_options(session: CourseSession | None = None) -> list[User]:
    """Active people holding the trainer role, plus the session's own trainers, by name."""
    holders = db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == Role.TRAINER, User.is_active_account)
    ).all()
    people = {user.id: user for user in [*holders, *(session.trainers if session else [])]}
    return sorted(people.values(), key=lambda user: (user.name.casefold(), user.id))


def _session_form(session: CourseSession, formdata=True) -> SessionForm:
    """The session's edit form: the request's data, or the session's values when `formdata` is False."""
    if formdata:
        form = SessionForm()
    else:
        form = SessionForm(
            formdata=None,
            data={
                "place": session.place,
                "capacity": session.capacity,
                "trainers": [t.id for t in session.trainers],
                "enrolment_deadline": session.enrolment_deadline,
                "cancellation_deadline": session.cancellation_deadline,
                "approval_required": session.approval_required,
                "what_to_bring": session.what_to_bring,
            },
        )
    form.set_trainers(trainer_options(session))
    return form


def _load_slot(session_id: int, slot_id: int) -> tuple[CourseSession, Slot]:
    """The session and one of its slots; 404 when the slot belongs to another session."""
    session = db.get_or_404(CourseSession, session_id)
    slot = db.get_or_404(Slot, slot_id)
    if slot.session_id != session.id:
        abort(404)
    return session, slot


def _render_session(session: CourseSession, status: int = 200, **forms):
    """The session page: its fields, its half-days, its learners and its history."""
    forms.setdefault("form", _session_form(session, formdata=False))
    forms.setdefault("add_slot_form", SlotForm(formdata=None))
    forms.setdefault("cancel_form", CancelSessionForm(formdata=None))
    forms.setdefault("enrol_form", EnrolOnBehalfForm(formdata=None))
    slot_forms = {slot.id: SlotForm.for_slot(slot) for slot in session.slots}
    slot_forms.update(forms.pop("slot_forms", {}))
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.session_id == session.id)
        .order_by(
            sa.case(STATUS_ORDER, value=Enrolment.status, else_=len(STATUS_ORDER)),
            # The waitlist in the order it is served (see enrolment.services.waitlist_position).
            sa.case((Enrolment.status == EnrolmentStatus.WAITLISTED, Enrolment.waitlisted_at)),
            sa.case((Enrolment.status == EnrolmentStatus.WAITLISTED, Enrolment.id)),
            User.name,
        )
    ).all()
    return render_template(
        "admin/session_detail.html",
        session=session,
        course=session.course,
        slot_forms=slot_forms,
        enrolments=enrolments,
        history=history("sessions", session.id),
        confirm_form=ConfirmForm(formdata=None),
        EnrolmentStatus=EnrolmentStatus,
        cancel_preview=withdrawal.preview(session, enrolments),
        **forms,
    ), status


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_session(course_id: int):
    """Schedule a session: its half-days come from a date range and default times."""
    course = db.get_or_404(Course, course_id)
    form = NewSessionForm()
    form.set_trainers(trainer_options())
    if form.validate_on_submit():
        try:
            session = services.schedule_session(current_user, course, slots=form.slots(), **form.session_fields())
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The session is scheduled with %(num)d half-day.",
                    "The session is scheduled with %(num)d half-days.",
                    len(session.slots),
                ),
                "success",
            )
            return redirect(url_for("admin.session_detail", session_id=session.id))
    return render_template("admin/session_form.html", form=form, course=course), form_status(form)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def session_detail(session_id: int):
    """A session: edit its place, capacity, trainers, deadlines; see its half-days and learners."""
    session = db.get_or_404(CourseSession, session_id)
    form = _session_form(session, formdata=request.method == "POST")
    if form.validate_on_submit():
        try:
            promoted = enrolment_services.update_session(current_user, session, **form.session_fields())
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The session is saved."), "success")
            if promoted:
                flash(
                    ngettext(
                        "%(num)d learner moves from the waitlist to a seat and is told by email.",
                        "%(num)d learners move from the waitlist to a seat and are told by email.",
                        len(promoted),
                    ),
                    "success",
                )
            return redirect(url_for("admin.session_detail", session_id=session.id))
    return _render_session(session, form_status(form), form=form)


@bp.post("/sessions/<int:session_id>/slots/<int:slot_id>")
@roles_required(Role.ADMIN)
def update_slot(session_id: int, slot_id: int):
    """Move one half-day (date, start, end)."""
    session, slot = _load_slot(session_id, slot_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            services.update_slot(current_user, slot, *form.times())
        except SchedulingError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The half-day is moved."), "success")
            return redirect(url_for("admin.session_detail", session_id=session.id, _anchor="slots"))
    return _render_session(session, 422, slot_forms={slot.id: form})


@bp.post("/sessions/<int:session_id>/slots/<int:slot_id>/delete")
@roles_required(Role.ADMIN)
def delete_slot(session_id: int, slot_id: int):
    """Remove one half-day; never the last, nor one whose roll was taken."""
    session, slot = _load_slot(session_id, slot_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        services.remove_slot(current_user, slot)
    except SchedulingError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The half-day is removed."), "success")
    return redirect(url_for("admin.session_detail", session_id=session.id, _anchor="slots"))


@bp.post("/sessions/<int:session_id>/slots")
@roles_required(Role.ADMIN)
def add_slot(session_id: int):
    """Add a half-day to the session."""
    session = db.get_or_404(CourseSession, session_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            services.add_slot(current_user, session, *form.times())
        except SchedulingError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The half-day is added."), "success")
            return redirect(url_for("admin.session_detail", session_id=session.id, _anchor="slots"))
    return _render_session(session, 422, add_slot_form=form)


@bp.route("/sessions/<int:session_id>/duplicate", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def duplicate_session(session_id: int):
    """Schedule a copy of the session from a new first day."""
    session = db.get_or_404(CourseSession, session_id)
    form = DuplicateSessionForm()
    if form.validate_on_submit():
        try:
            copy = services.duplicate_session(current_user, session, form.first_day.data)
        except SchedulingError as error:
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The copy is scheduled. Check its place, trainers and deadlines."), "success")
            return redirect(url_for("admin.session_detail", session_id=copy.id))
    return render_template(
        "admin/session_duplicate.html", form=form, session=session, course=session.course
    ), form_status(form)


@bp.post("/sessions/<int:session_id>/cancel")
@roles_required(Role.ADMIN)
def cancel_session(session_id: int):
    """Cancel the session and every enrolment in it; each learner is told by email."""
    session = db.get_or_404(CourseSession, session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            told = enrolment_services.cancel_session(current_user, session, form.reason.data)
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The session is cancelled; %(num)d learner is told by email.",
                    "The session is cancelled; %(num)d learners are told by email.",
                    len(told),
                ),
                "success",
            )
            return redirect(url_for("admin.session_detail", session_id=session.id))
    return _render_session(session, 422, cancel_form=form)
