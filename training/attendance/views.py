"""The trainer's day: sessions, roll call per half-day, QR self check-in, sign-off, attendance sheet."""

from __future__ import annotations

from datetime import UTC, datetime

import segno
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.attendance import services, signatures
from training.attendance.forms import ButtonForm, MarkForm, SignatureForm, SignOffForm, TrainerDeviceSignatureForm
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession, Slot
from training.database import writes
from training.enrolment.models import Enrolment
from training.errors import DomainError
from training.extensions import db, rate_limit
from training.timezones import PARIS
from training.urls import external_url, page_number

bp = Blueprint("attendance", __name__)
# Past sessions on one page of the trainer's home (a trainer of ten years has hundreds).
PAST_SESSIONS_PER_PAGE = 10
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
    """Today's half-days first, then the trainer's running and upcoming sessions, then the past
    ones, the latest first, a page at a time, each with its marking progress."""
    now = datetime.now(UTC)
    today_slots = services.trainer_slots_on(current_user, now.astimezone(PARIS).date())
    upcoming = services.running_and_upcoming_sessions(current_user, now)
    past = db.paginate(
        services.past_sessions(current_user, now), page=page_number(), per_page=PAST_SESSIONS_PER_PAGE, error_out=False
    )
    slots = {slot.id for slot in today_slots} | {slot.id for s in [*upcoming, *past.items] for slot in s.slots}
    sessions = {slot.session_id for slot in today_slots} | {s.id for s in [*upcoming, *past.items]}
    return render_template(
        "attendance/trainer_home.html",
        today_slots=today_slots,
        counts=services.slot_counts(sorted(slots)),
        confirmed=services.confirmed_counts(sorted(sessions)),
        upcoming=upcoming,
        past=past,
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
    return render_template(
        "attendance/session.html",
        session=session,
        learners=learners,
        hours=hours,
        session_rate=session_rate,
        counts=services.slot_counts([s.id for s in session.slots]),
        signoffs=services.signoffs([s.id for s in session.slots]),
    )


@bp.get("/trainer/slots/<int:slot_id>")
@trainer_or_admin
def roll_call(slot_id: int):
    """The roll of one half-day: one tap per learner, counts at the top, sign-off at the bottom."""
    slot = slot_for(slot_id)
    return _render_roll(slot)


def _render_roll(slot: Slot, errors: dict | None = None, status: int = 200, signoff_form: SignOffForm | None = None):
    roster = services.roster(slot)
    counts = {s.value: sum(1 for _e, m in roster if m and m.status is s) for s in MarkStatus}
    latest = signatures.latest_signatures([m.id for _e, m in roster if m])
    signed = {mark_id: (signature, signatures.is_intact(signature)) for mark_id, signature in latest.items()}
    done = services.signoff(slot)
    return render_template(
        "attendance/roll_call.html",
        slot=slot,
        session=slot.session,
        roster=roster,
        counts=counts,
        unmarked=sum(1 for _e, m in roster if m is None),
        signed=signed,
        signoff=done,
        signoff_intact=done is None or services.signoff_intact(done),
        form=MarkForm(),
        button=ButtonForm(),
        signoff_form=signoff_form or SignOffForm(),
        opens_at=services.opens_at(slot),
        is_open=datetime.now(UTC) >= services.opens_at(slot),
        statuses=list(MarkStatus),
        errors=errors or {},
    ), status


@bp.post("/trainer/slots/<int:slot_id>/marks/<int:enrolment_id>")
@trainer_or_admin
def set_mark(slot_id: int, enrolment_id: int):
    """Set one learner's mark; answers JSON to the page's script, or goes back to the roll."""
    slot = slot_for(slot_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.session_id != slot.session_id:
        abort(404)
    form = MarkForm()
    error, status = None, 422
    if not form.validate_on_submit():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            mark = services.set_mark(
                current_user,
                slot,
                enrolment,
                MarkStatus(form.status.data),
                note=form.note.data or "",
                reason=form.reason.data,
            )
        except DomainError as refused:
            error, status = refused.message, refused.status_code
        else:
            db.session.commit()
    if _wants_json():
        if error:
            return jsonify(error=error), status
        return jsonify(_mark_json(mark))
    if error:
        return _render_roll(slot, errors={enrolment.id: error}, status=status)
    return redirect(url_for("attendance.roll_call", slot_id=slot.id, _anchor=f"learner-{enrolment.id}"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _mark_json(mark) -> dict:
    return {
        "enrolment_id": mark.enrolment_id,
        "status": mark.status.value,
        "label": mark.status.label,
        "note": mark.note,
        "marked_by": mark.marked_by.name,
        "method": mark.method.value,
        "marked_at": mark.marked_at.isoformat(),
        "info": render_template("attendance/_mark_info.html", mark=mark).strip(),
    }


@bp.post("/trainer/slots/<int:slot_id>/all-present")
@trainer_or_admin
def all_present(slot_id: int):
    """Mark every learner not yet marked as present."""
    slot = slot_for(slot_id)
    ButtonForm().validate_on_submit() or abort(400)
    try:
        count = services.mark_all_present(current_user, slot)
    except DomainError as refused:
        flash(refused.message, "danger")
        return _render_roll(slot, status=refused.status_code)
    db.session.commit()
    flash(_("%(num)d learners marked present.", num=count), "success")
    return redirect(url_for("attendance.roll_call", slot_id=slot.id))


@bp.post("/trainer/slots/<int:slot_id>/sign-off")
@trainer_or_admin
@rate_limit("SIGN_IN_RATE_LIMIT")
def sign_off(slot_id: int):
    """Sign the roll off with the trainer's password: their signature, with their name, the time and its meaning."""
    slot = slot_for(slot_id)
    form = SignOffForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_roll(slot, status=422, signoff_form=form)
    try:
        services.sign_off(current_user, slot, form.password.data)
    except DomainError as refused:
        flash(refused.message, "danger")
        return _render_roll(slot, status=refused.status_code, signoff_form=form)
    db.session.commit()
    flash(_("The half-day is signed off. Later changes will need a reason."), "success")
    return redirect(url_for("attendance.roll_call", slot_id=slot.id))


@bp.get("/trainer/slots/<int:slot_id>/qr")
@trainer_or_admin
def qr_page(slot_id: int):
    """The full-screen check-in code for learners to scan; it changes every 30 seconds."""
    slot = slot_for(slot_id)
    return render_template(
        "attendance/qr.html",
        slot=slot,
        session=slot.session,
        svg=_qr_svg(slot),
        rotation=services.CHECKIN_TOKEN_ROTATION,
    )


@bp.get("/trainer/slots/<int:slot_id>/qr.svg")
@trainer_or_admin
def qr_svg(slot_id: int):
    """The current check-in code as SVG, fetched by the full-screen page as it rotates."""
    slot = slot_for(slot_id)
    return _qr_svg(slot), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "no-store"}


def _qr_svg(slot: Slot) -> str:
    url = external_url("attendance.check_in", token=services.checkin_token(slot))
    return segno.make(url, error="m").svg_inline(omitsize=True, dark="#0b2530", title=_("Check-in code"))


@bp.route("/trainer/slots/<int:slot_id>/signatures/<int:enrolment_id>", methods=["GET", "POST"])
@trainer_or_admin
@rate_limit("SIGN_IN_RATE_LIMIT")
def sign_on_device(slot_id: int, enrolment_id: int):
    """A learner signs their half-day on the trainer's phone: drawn or typed, with their own password."""
    slot = slot_for(slot_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.session_id != slot.session_id:
        abort(404)
    form = TrainerDeviceSignatureForm()
    mark = services.current_mark(slot, enrolment)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template(
            "attendance/sign.html", slot=slot, enrolment=enrolment, mark=mark, form=form, error=None
        ), status
    try:
        services.sign_on_trainer_device(
            current_user,
            slot,
            enrolment,
            form.password.data,
            drawing=form.drawing.data or "",
            typed_name=form.typed_name.data or "",
        )
    except DomainError as refused:
        return render_template(
            "attendance/sign.html", slot=slot, enrolment=enrolment, mark=mark, form=form, error=refused.message
        ), refused.status_code
    db.session.commit()
    flash(_("%(name)s has signed this half-day.", name=enrolment.user.name), "success")
    return redirect(url_for("attendance.roll_call", slot_id=slot.id, _anchor=f"learner-{enrolment.id}"))


@bp.get("/trainer/sessions/<int:session_id>/attendance-sheet.pdf")
@trainer_or_admin
@writes
def attendance_sheet(session_id: int):
    """The attendance sheet (feuille d'émargement) of the session as it stands, as a PDF/A-3b.

    Registered once per state of the attendance (code and fingerprint), so the verification
    page recognises it; the same attendance gives back the same document.
    """
    from training.attendance.sheet import issue_sheet

    session = session_for(session_id)
    sheet = issue_sheet(current_user, session)
    db.session.commit()
    return (
        sheet.pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="emargement-{session.course.slug}-{session.id}.pdf"',
        },
    )


@bp.get("/check-in/<token>")
@login_required
def check_in(token: str):
    """What a learner sees after scanning the code: the half-day, and a button to check in."""
    try:
        slot, _enrolment = services.checkin_slot(current_user, token)
    except services.CheckInRefused as refused:
        return render_template("attendance/check_in.html", error=refused.message, slot=None), 403
    return render_template("attendance/check_in.html", slot=slot, token=token, form=SignatureForm(), error=None)


@bp.post("/check-in/<token>")
@login_required
def confirm_check_in(token: str):
    """Mark the signed-in learner present and take their signature, if the code, their seat and the time allow."""
    form = SignatureForm()
    form.validate_on_submit() or abort(400)
    try:
        mark = services.check_in(
            current_user, token, drawing=form.drawing.data or "", typed_name=form.typed_name.data or ""
        )
    except services.SignatureError as refused:
        slot, _enrolment = services.checkin_slot(current_user, token)
        return render_template(
            "attendance/check_in.html", slot=slot, token=token, form=form, error=None, signature_error=refused.message
        ), 422
    except DomainError as refused:
        return render_template("attendance/check_in.html", error=refused.message, slot=None), refused.status_code
    db.session.commit()
    return render_template("attendance/check_in.html", slot=mark.slot, mark=mark, done=True, error=None)
