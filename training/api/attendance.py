"""Attendance endpoints for the session's trainers (and admins)."""

from __future__ import annotations

from flask import abort, g, jsonify

from training.accounts.models import Role
from training.api import schemas, serializers
from training.api.auth import token_required
from training.api.blueprint import bp
from training.api.errors import parse_body
from training.attendance import services, signatures
from training.attendance.models import MarkMethod, MarkStatus
from training.catalogue.models import Slot
from training.enrolment.models import Enrolment
from training.extensions import db


def _slot(slot_id: int) -> Slot:
    """A slot of a session the token's owner teaches (admins: any); 404 otherwise."""
    slot = db.session.get(Slot, slot_id)
    if slot is None or not (g.api_user.is_admin or services.teaches(g.api_user, slot.session)):
        abort(404)
    return slot


def _mark_body(enrolment: Enrolment, mark, signature=None) -> dict:
    return {
        "enrolment_id": enrolment.id,
        "learner": enrolment.user.name,
        "status": mark.status.value if mark else None,
        "note": mark.note if mark else None,
        "method": mark.method.value if mark else None,
        "marked_by": mark.marked_by.name if mark else None,
        "marked_at": mark.marked_at if mark else None,
        "checked_in_at": mark.checked_in_at if mark else None,
        "signature": _signature_body(signature) if signature else None,
    }


def _signature_body(signature) -> dict:
    return {
        "signer": signature.signer_name,
        "signed_at": signature.signed_at,
        "meaning": signature.meaning,
        "method": signature.method.value,
        "device": signature.device.value,
        "record_hash": signature.record_hash,
        "intact": signatures.is_intact(signature),
    }


def _slot_body(slot: Slot) -> dict:
    signed = services.signoff(slot)
    roster = services.roster(slot)
    signed_marks = signatures.latest_signatures([mark.id for _enrolment, mark in roster if mark])
    data = {
        "slot_id": slot.id,
        "session_id": slot.session_id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "hours": float(slot.hours),
        "signed_off_by": signed.signed_by.name if signed else None,
        "signed_off_at": signed.signed_at if signed else None,
        "signed_off_meaning": (signed.meaning or None) if signed else None,
        "marks": [
            _mark_body(enrolment, mark, signed_marks.get(mark.id) if mark else None) for enrolment, mark in roster
        ],
    }
    return serializers.dump(schemas.SlotAttendance, data)


@bp.get("/slots/<int:slot_id>/attendance")
@token_required(Role.TRAINER, Role.ADMIN)
def slot_attendance(slot_id: int):
    """The roll of a half-day: every confirmed learner with their mark (null when not marked)."""
    return jsonify(_slot_body(_slot(slot_id)))


@bp.put("/slots/<int:slot_id>/attendance/<int:enrolment_id>")
@token_required(Role.TRAINER, Role.ADMIN)
def put_mark(slot_id: int, enrolment_id: int):
    """Set a learner's mark for the half-day: present or late from 30 minutes before it starts, absent or
    excused at any time; after sign-off a `reason` is required. Refusals are problem documents (409, 422)."""
    slot = _slot(slot_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.session_id != slot.session_id:
        abort(404)
    data = parse_body(schemas.MarkIn)
    mark = services.set_mark(
        g.api_user, slot, enrolment, MarkStatus(data.status), note=data.note, method=MarkMethod.API, reason=data.reason
    )
    db.session.commit()
    return jsonify(serializers.dump(schemas.MarkOut, _mark_body(enrolment, mark)))
