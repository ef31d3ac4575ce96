"""The trainer's day: sessions, roll call per half-day, QR self check-in, sign-off, attendance sheet."""

from __future__ import annotations

from datetime import UTC, datetime

import segno
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.attendance import services
from training.attendance.forms import ButtonForm, MarkForm
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession, Slot
from training.enrolment.models import Enrolment
from training.errors import DomainError
from training.extensions import db
from training.timezones import PARIS
from training.urls import external_url

bp = Blueprint("attendance", __name__)
trainer_or_admin = roles_required(Role.TRAINER, Role.ADMIN)


def session_for(session_id: int) -> CourseSession:
    """A session the current user teaches (admins: any); 404 for the others."""
    session = db.get_or_404(CourseSession, session_id)
    if not (current_user.is_admin or services.teaches(current_user, session)):
        abort(404)
    return session


def slot_for(slot_id: int) -> Slot:
    """A slot of a session the current user teaches (admins: any); 404 for the others."""
    slot = db.get_or_404(Slot, slot_id)
    session_for(slot.session_id)
    return slot


@bp.get("/trainer")
@trainer_or_admin
def trainer_home():
    """Today's half-days first, then the trainer's upcoming and past sessions with marking progress."""
    sessions = services.trainer_sessions(current_user)
    now = datetime.now(UTC)
    today = now.astimezone(PARIS).date()
    today_slots = [slot for s in sessions for slot in s.slots if slot.starts_at.astimezone(PARIS).date() == today]
    counts = services.slot_counts([slot.id for s in sessions for slot in s.slots])
    confirmed = services.confirmed_counts([s.id for s in sessions])
    return render_template(
        "attendance/trainer_home.html", today_slots=today_slots, counts=counts, confirmed=confirmed,
        upcoming=[s for s in sessions if s.ends_at > now], past=[s for s in sessions if s.ends_at <= now][::-1],
    )



@bp.get("/trainer/sessions/<int:session_id>")
@trainer_or_admin
def session_detail(session_id: int):
    """A session's half-days with their sign-off, and each learner's hours attended."""
    session = session_for(session_id)
    learners = services.roster(session.slots[0]) if session.slots else []
    hours = services.learner_hours([e.id for e, _mark in learners])
    attended = sum((h["hours_attended"] for h in hours.values()), 0)
    session_rate = services.rate(attended, session.scheduled_hours * len(learners))
    return render_template("attendance/session.html", session=session, learners=learners, hours=hours,
                           session_rate=session_rate,
                           counts=services.slot_counts([s.id for s in session.slots]),
                           signoffs=services.signoffs([s.id for s in session.slots]))


@bp.get("/trainer/slots/<int:slot_id>")
@trainer_or_admin
def roll_call(slot_id: int):
    """The roll of one half-day: one tap per learner, counts at the top, sign-off at the bottom."""
    slot = slot_for(slot_id)
    return _render_roll(slot)


def _render_roll(slot: Slot, errors: dict | None = None, status: int = 200):
    roster = services.roster(slot)
    counts = {s.value: sum(1 for _e, m in roster if m and m.status is s) for s in MarkStatus}
    return render_template("attendance/roll_call.html", slot=slot, session=slot.session, roster=roster,
                           counts=counts, unmarked=sum(1 for _e, m in roster if m is None),
                           signoff=services.signoff(slot), form=MarkForm(), button=ButtonForm(),
                           statuses=list(MarkStatus), errors=errors or {}), status


@bp.post("/trainer/slots/<int:slot_id>/marks/<int:enrolment_id>")
@trainer_or_admin
def set_mark(slot_id: int, enrolment_id: int):
    """Set one learner's mark; answers JSON to the page's script, or goes back to the roll."""
    slot = slot_for(slot_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.session_id != slot.session_id:
        abort(404)
    form = MarkForm()
    error = None
    if not form.validate_on_submit():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            mark = services.set_mark(current_user, slot, enrolment, MarkStatus(form.status.data),
                                     note=form.note.data or "", reason=form.reason.data)
        except DomainError as refused:
            error = refused.message
        else:
            db.session.commit()
    if _wants_json():
        if error:
            return jsonify(error=error), 422
        return jsonify(_mark_json(mark))
    if error:
        return _render_roll(slot, errors={enrolment.id: error}, status=422)
    return redirect(url_for("attendance.roll_call", slot_id=slot.id, _anchor=f"learner-{enrolment.id}"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _mark_json(mark) -> dict:
    return {"enrolment_id": mark.enrolment_id, "status": mark.status.value, "label": mark.status.label,
            "note": mark.note, "marked_by": mark.marked_by.name, "method": mark.method.value,
            "marked_at": mark.marked_at.isoformat()}


@bp.post("/trainer/slots/<int:slot_id>/all-present")
@trainer_or_admin
def all_present(slot_id: int):
    """Mark every learner not yet marked as present."""
    slot = slot_for(slot_id)
    ButtonForm().validate_on_submit() or abort(400)
    count = services.mark_all_present(current_user, slot)
    db.session.commit()
    flash(_("%(num)d learners marked present.", num=count), "success")
    return redirect(url_for("attendance.roll_call", slot_id=slot.id))


@bp.post("/trainer/slots/<int:slot_id>/sign-off")
@trainer_or_admin
def sign_off(slot_id: int):
    """Sign the roll off: the trainer's signature, with their name and the time."""
    slot = slot_for(slot_id)
    ButtonForm().validate_on_submit() or abort(400)
    try:
        services.sign_off(current_user, slot)
    except DomainError as refused:
        flash(refused.message, "danger")
        return _render_roll(slot, status=422)
    db.session.commit()
    flash(_("The half-day is signed off. Later changes will need a reason."), "success")
    return redirect(url_for("attendance.roll_call", slot_id=slot.id))


@bp.get("/trainer/slots/<int:slot_id>/qr")
@trainer_or_admin
def qr_page(slot_id: int):
    """The full-screen check-in code for learners to scan; it changes every 30 seconds."""
    slot = slot_for(slot_id)
    return render_template("attendance/qr.html", slot=slot, session=slot.session, svg=_qr_svg(slot),
                           rotation=services.CHECKIN_TOKEN_ROTATION)


@bp.get("/trainer/slots/<int:slot_id>/qr.svg")
@trainer_or_admin
def qr_svg(slot_id: int):
    """The current check-in code as SVG, fetched by the full-screen page as it rotates."""
    slot = slot_for(slot_id)
    return _qr_svg(slot), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "no-store"}


def _qr_svg(slot: Slot) -> str:
    url = external_url("attendance.check_in", token=services.checkin_token(slot))
    return segno.make(url, error="m").svg_inline(omitsize=True, dark="#0b2530", title=_("Check-in code"))


@bp.get("/trainer/sessions/<int:session_id>/attendance-sheet.pdf")
@trainer_or_admin
def attendance_sheet(session_id: int):
    """The signed attendance sheet (feuille d'émargement) of the session as a PDF."""
    from training.attendance.sheet import render_sheet

    session = session_for(session_id)
    return render_sheet(session), 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="emargement-{session.course.slug}-{session.id}.pdf"'}



@bp.get("/check-in/<token>")
@login_required
def check_in(token: str):
    """What a learner sees after scanning the code: the half-day, and a button to check in."""
    try:
        slot = db.session.get(Slot, services.read_checkin_token(token))
    except services.CheckInRefused as refused:
        return render_template("attendance/check_in.html", error=refused.message, slot=None), 403
    if slot is None:
        abort(404)
    return render_template("attendance/check_in.html", slot=slot, token=token, form=ButtonForm(), error=None)


@bp.post("/check-in/<token>")
@login_required
def confirm_check_in(token: str):
    """Mark the signed-in learner present, if the code, their seat and the time allow it."""
    ButtonForm().validate_on_submit() or abort(400)
    try:
        mark = services.check_in(current_user, token)
    except services.CheckInRefused as refused:
        return render_template("attendance/check_in.html", error=refused.message, slot=None), 403
    db.session.commit()
    return render_template("attendance/check_in.html", slot=mark.slot, mark=mark, done=True, error=None)
