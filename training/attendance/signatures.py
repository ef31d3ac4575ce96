"""Electronic signatures of attendance (21 CFR Part 11 §11.50, §11.70, §11.200; EU GMP Annex 11).

A learner signs each half-day they attend: a drawn signature or their typed name, either on
their own device while signed in, or on the trainer's device after typing their password again
(the drawing alone is a picture, not an identification). A trainer signs a half-day off with
their password. Every signature stores the printed name, the time and its meaning, and the
SHA-256 of what was signed: the mark (or, for a sign-off, the whole roll with its learners'
signatures). A mark changed afterwards no longer matches its signature, which the sheet and the
roll call then show as no longer valid; nothing signed is ever edited.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import TypedDict

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from training.attendance.models import (
    AttendanceMark,
    AttendanceSignature,
    MarkStatus,
    SignatureDevice,
    SignatureMethod,
)
from training.catalogue.models import Slot
from training.extensions import db
from training.text import fold
from training.timezones import PARIS

# The drawing pad's box, in the units the browser sends; strokes are "x,y x,y;x,y ...".
PAD_WIDTH, PAD_HEIGHT = 300, 100
MAX_DRAWING = 20_000  # characters: a few seconds of handwriting
MIN_POINTS = 5  # fewer is a tap, not a signature
_DRAWING = re.compile(r"^\d{1,3},\d{1,3}( \d{1,3},\d{1,3})*(;\d{1,3},\d{1,3}( \d{1,3},\d{1,3})*)*$")


class SignatureRefused(ValueError):
    """The signature given cannot be accepted; the message says why, for the signer."""


def clean_drawing(raw: str) -> str:
    """The strokes of a drawn signature, checked: integers inside the pad, enough of them."""
    drawing = (raw or "").strip()
    if not drawing:
        raise SignatureRefused(_("Draw your signature in the box, or type your name instead."))
    if len(drawing) > MAX_DRAWING or not _DRAWING.match(drawing):
        raise SignatureRefused(_("This drawing could not be read: clear the box and sign again."))
    points = [tuple(map(int, point.split(","))) for stroke in drawing.split(";") for point in stroke.split()]
    if any(x > PAD_WIDTH or y > PAD_HEIGHT for x, y in points):
        raise SignatureRefused(_("This drawing could not be read: clear the box and sign again."))
    if len(points) < MIN_POINTS:
        raise SignatureRefused(_("This drawing is too short to be a signature: sign in the box."))
    return drawing


def clean_typed_name(raw: str, signer_name: str) -> str:
    """A typed signature: the signer's own name, as their account spells it (accents and case aside)."""
    typed = " ".join((raw or "").split())
    if not typed:
        raise SignatureRefused(_("Type your full name to sign, or draw your signature."))
    if fold(typed) != fold(" ".join(signer_name.split())):
        raise SignatureRefused(_("Type your name exactly as it is on your account: %(name)s.", name=signer_name))
    return typed


def drawing_svg(drawing: str, *, title: str = "") -> str:
    """The strokes as an inline SVG (only numbers go in: nothing a signer sends is markup)."""
    paths = []
    for stroke in drawing.split(";"):
        points = stroke.split()
        if len(points) == 1:
            points = points * 2  # a dot
        paths.append("M" + " L".join(point.replace(",", " ") for point in points))
    title_tag = f"<title>{_escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PAD_WIDTH} {PAD_HEIGHT}" '
        f'class="signature-drawing" role="img">{title_tag}<path d="{" ".join(paths)}" fill="none" '
        'stroke="#0b2530" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def part_of_day(slot: Slot) -> str:
    """ "morning" or "afternoon" (Paris time), in the current language."""
    return _("morning") if slot.starts_at.astimezone(PARIS).hour < 12 else _("afternoon")


def mark_meaning(slot: Slot, status: MarkStatus, language: str) -> str:
    """What a learner's signature means, in the course's language: "Present for the morning of ..."."""
    start, end = slot.starts_at.astimezone(PARIS), slot.ends_at.astimezone(PARIS)
    with force_locale(language):
        words = {
            "part": part_of_day(slot),
            "date": format_date(start.date(), "EEEE d MMMM y"),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "title": slot.session.course.title,
        }
        if status is MarkStatus.LATE:
            return _(
                "Arrived late for the %(part)s of %(date)s (%(start)s–%(end)s, Paris time), course “%(title)s”", **words
            )
        return _("Present for the %(part)s of %(date)s (%(start)s–%(end)s, Paris time), course “%(title)s”", **words)


def signoff_meaning(slot: Slot, learners: int, language: str) -> str:
    """What a trainer's sign-off means, in the course's language."""
    start = slot.starts_at.astimezone(PARIS)
    with force_locale(language):
        return _(
            "I certify the roll of the %(part)s of %(date)s (learners on the roll: %(num)d), course “%(title)s”",
            part=part_of_day(slot),
            date=format_date(start.date(), "EEEE d MMMM y"),
            num=learners,
            title=slot.session.course.title,
        )


def _digest(content: dict) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def mark_content(mark: AttendanceMark) -> dict:
    """What a learner's signature is bound to: this mark of this learner for this half-day, and its status."""
    return {
        "mark": mark.id,
        "slot": mark.slot_id,
        "enrolment": mark.enrolment_id,
        "session": mark.session_id,
        "status": mark.status.value,
    }


class SignatureFields(TypedDict):
    """The keyword arguments of `signature_hash`: what a signature records besides its mark."""

    signer_id: int
    signer_name: str
    signed_at: datetime
    meaning: str
    method: SignatureMethod
    device: SignatureDevice
    drawing: str
    typed_name: str


def signature_hash(
    mark: AttendanceMark,
    *,
    signer_id: int,
    signer_name: str,
    signed_at: datetime,
    meaning: str,
    method: SignatureMethod,
    device: SignatureDevice,
    drawing: str,
    typed_name: str,
) -> str:
    """The SHA-256 binding a signature to the mark it signs (§11.70)."""
    return _digest(
        {
            **mark_content(mark),
            "signer": signer_id,
            "name": signer_name,
            "signed_at": signed_at.isoformat(),
            "meaning": meaning,
            "method": method.value,
            "device": device.value,
            "drawing": drawing,
            "typed": typed_name,
        }
    )


def is_intact(signature: AttendanceSignature) -> bool:
    """Whether the signature still matches its mark as it is now (False after any change of the mark)."""
    return signature.record_hash == signature_hash(
        signature.mark,
        signer_id=signature.signer_id,
        signer_name=signature.signer_name,
        signed_at=signature.signed_at,
        meaning=signature.meaning,
        method=signature.method,
        device=signature.device,
        drawing=signature.drawing,
        typed_name=signature.typed_name,
    )


def latest_signatures(mark_ids: list[int]) -> dict[int, AttendanceSignature]:
    """The latest signature of each mark that has one, in one query."""
    if not mark_ids:
        return {}
    found: dict[int, AttendanceSignature] = {}
    query = (
        sa.select(AttendanceSignature)
        .where(AttendanceSignature.mark_id.in_(mark_ids))
        .order_by(AttendanceSignature.signed_at, AttendanceSignature.id)
    )
    for signature in db.session.scalars(query):
        found[signature.mark_id] = signature
    return found


def roll_hash(
    slot: Slot,
    marks: list[AttendanceMark],
    signed_at: datetime,
    signer_id: int,
    meaning: str,
    signed: dict[int, AttendanceSignature] | None = None,
) -> str:
    """The SHA-256 of a half-day's roll as the trainer signs it off: every mark and its learner's signature
    (`signed`: the latest signature of each mark, when the caller has them already)."""
    signatures = latest_signatures([mark.id for mark in marks]) if signed is None else signed
    return _digest(
        {
            "slot": slot.id,
            "session": slot.session_id,
            "signer": signer_id,
            "signed_at": signed_at.isoformat(),
            "meaning": meaning,
            "marks": sorted(
                [
                    mark_content(mark) | {"signature": getattr(signatures.get(mark.id), "record_hash", None)}
                    for mark in marks
                ],
                key=lambda item: item["enrolment"],
            ),
        }
    )


def signoff_matches(signoff, marks: list[AttendanceMark], signed: dict[int, AttendanceSignature] | None = None) -> bool:
    """Whether the roll (`marks`, the slot's marks now) is still what the trainer signed off.

    A sign-off made before sign-offs carried a hash has none to compare: it is taken as it stands.
    """
    if not signoff.record_hash:
        return True
    return signoff.record_hash == roll_hash(
        signoff.slot, marks, signoff.signed_at, signoff.signed_by_id, signoff.meaning, signed
    )
