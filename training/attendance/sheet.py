"""The attendance sheet of a session ("feuille d'émargement", Code du travail R6332-26), as a PDF/A-3b.

One line per confirmed learner and half-day: the mark, its time, how it was made, and the
learner's signature with its manifestation (name, date and time, meaning: 21 CFR 11.50); under
each half-day the trainer's sign-off. `sheet_data` turns the session into the plain dict the
template reads; `issue_sheet` renders it once per state of the attendance and keeps the bytes
with their SHA-256, so that the same attendance gives back the same document and the
verification page recognises a printed or dropped sheet by its code or its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale, format_date, format_percent, gettext, lazy_pgettext
from sqlalchemy.orm import joinedload, lazyload, selectinload

from training.accounts.models import User
from training.attendance import signatures
from training.attendance.models import AttendanceMark, AttendanceSheet, AttendanceSignature, MarkStatus, SlotSignoff
from training.audit.services import record
from training.catalogue.models import CourseSession, SessionStatus, Slot
from training.enrolment.models import Enrolment, EnrolmentStatus
from training.extensions import db
from training.pdf import render_pdf
from training.site.filters import date_range, hours
from training.text import fold
from training.timezones import PARIS
from training.urls import external_url

PROVIDER = "GenoTher Training"
# The sheet needs people's names, not their roles (which User loads eagerly by default).
NO_ROLES = lazyload(User.roles)

# One-letter codes of the summary table, explained in its legend.
STATUS_CODES = {
    MarkStatus.PRESENT: lazy_pgettext("attendance code: present", "P"),
    MarkStatus.LATE: lazy_pgettext("attendance code: late", "L"),
    MarkStatus.ABSENT: lazy_pgettext("attendance code: absent", "A"),
    MarkStatus.EXCUSED: lazy_pgettext("attendance code: excused", "E"),
}


PDF_VARIANT = "pdf/a-3b"


def render_sheet(session: CourseSession, *, code: str = "") -> bytes:
    """The attendance sheet of `session` as PDF/A-3b bytes, in the language of its course."""
    with force_locale(session.course.language):
        return _render(sheet_data(session), code)


def _render(data: dict, code: str) -> bytes:
    verify_url = external_url("certificates.verify", code=code) if code else ""
    data = {**data, "generated": _moment(datetime.now(UTC)), "code": code, "verify_url": verify_url}
    return render_pdf("attendance/sheet.html", data, pdf_variant=PDF_VARIANT)


def content_digest(data: dict) -> str:
    """The SHA-256 of what a sheet shows (its generation time apart): equal for equal attendance."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def issue_sheet(actor, session: CourseSession) -> AttendanceSheet:
    """The sheet of the attendance as it is now: the one already handed out for this state, or a new
    one rendered, registered (code, SHA-256, counts) and audited."""
    with force_locale(session.course.language):
        data = sheet_data(session)
        digest = content_digest(data)
        found = db.session.scalar(
            sa.select(AttendanceSheet).where(
                AttendanceSheet.session_id == session.id, AttendanceSheet.content_digest == digest
            )
        )
        if found is not None:
            return found
        code = secrets.token_urlsafe(18)
        pdf = _render(data, code)
    sheet = AttendanceSheet(
        session_id=session.id,
        code=code,
        content_digest=digest,
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
        generated_at=datetime.now(UTC),
        generated_by_id=getattr(actor, "id", None),
        learners=len(data["learners"]),
        half_days=len(data["slots"]),
        signatures=sum(
            1 for slot in data["slots"] for mark in slot["marks"] if mark["signature"] and mark["signature"]["intact"]
        ),
    )
    db.session.add(sheet)
    db.session.flush()
    record(
        actor,
        "attendance.sheet_issued",
        sheet,
        after={
            "session_id": session.id,
            "code": code,
            "sha256": sheet.sha256,
            "content_digest": digest,
            "learners": sheet.learners,
            "half_days": sheet.half_days,
            "signatures": sheet.signatures,
        },
    )
    return sheet


def sheet_by_code(code: str) -> AttendanceSheet | None:
    """The sheet handed out with this verification code."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(sa.select(AttendanceSheet).where(AttendanceSheet.code == code))


def sheet_by_fingerprint(pdf: bytes) -> AttendanceSheet | None:
    """The sheet whose bytes are exactly these: an edited PDF finds nothing."""
    return db.session.scalar(
        sa.select(AttendanceSheet).where(AttendanceSheet.sha256 == hashlib.sha256(pdf).hexdigest())
    )


def is_current(sheet: AttendanceSheet) -> bool:
    """Whether the attendance is still what the sheet shows (no correction since)."""
    with force_locale(sheet.session.course.language):
        return content_digest(sheet_data(sheet.session)) == sheet.content_digest


def sheet_data(session: CourseSession) -> dict:
    """Everything the sheet shows, as plain values (texts in the course's language, times in Paris)."""
    course = session.course
    with force_locale(course.language):
        slots = list(session.slots)
        enrolments = _confirmed_enrolments(session.id)
        marks = _marks(session.id)
        signed = signatures.latest_signatures([mark.id for mark in marks.values()])
        signoffs = _signoffs(session.id)
        return {
            "provider": PROVIDER,
            "language": course.language,
            "course": {"title": course.title, "version": course.version, "track": course.track.label},
            "session": _session_info(session, slots),
            "trainers": sorted((trainer.name for trainer in session.trainers), key=fold),
            "slots": [_slot_info(slot, enrolments, marks, signed, signoffs.get(slot.id)) for slot in slots],
            "learners": [_learner_totals(enrolment, slots, marks) for enrolment in enrolments],
            "codes": [{"code": str(code), "label": status.label} for status, code in STATUS_CODES.items()],
        }


# ---------------------------------------------------------------- queries


def _confirmed_enrolments(session_id: int) -> list[Enrolment]:
    """The learners on the sheet, by name (accents and case ignored): confirmed enrolments, and
    any other that holds a mark (a learner who attended a half-day, then cancelled, signed it)."""
    marked = sa.exists().where(AttendanceMark.enrolment_id == Enrolment.id)
    query = (
        sa.select(Enrolment)
        .options(joinedload(Enrolment.user).options(NO_ROLES))
        .where(Enrolment.session_id == session_id, sa.or_(Enrolment.status == EnrolmentStatus.CONFIRMED, marked))
    )
    return sorted(db.session.scalars(query), key=lambda e: (fold(e.user.name), e.id))


def _marks(session_id: int) -> dict[tuple[int, int], AttendanceMark]:
    """Every mark of the session, by (enrolment id, slot id)."""
    query = (
        sa.select(AttendanceMark)
        .options(selectinload(AttendanceMark.marked_by).options(NO_ROLES))
        .where(AttendanceMark.session_id == session_id)
    )
    return {(mark.enrolment_id, mark.slot_id): mark for mark in db.session.scalars(query)}


def _signoffs(session_id: int) -> dict[int, SlotSignoff]:
    """The trainers' sign-offs of the session's slots, by slot id."""
    query = (
        sa.select(SlotSignoff)
        .join(SlotSignoff.slot)
        .options(selectinload(SlotSignoff.signed_by).options(NO_ROLES))
        .where(Slot.session_id == session_id)
    )
    return {signoff.slot_id: signoff for signoff in db.session.scalars(query)}


# ---------------------------------------------------------------- formatting


def _paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def _clock(moment: datetime) -> str:
    """ "09:05": 24-hour clock in both languages, as French training offices write it."""
    return _paris(moment).strftime("%H:%M")


def _moment(moment: datetime) -> dict:
    """A date ("12 March 2026") and a time ("12:41") in Paris."""
    local = _paris(moment)
    return {"date": format_date(local.date(), "d MMMM y"), "time": _clock(local)}


def _session_info(session: CourseSession, slots: list[Slot]) -> dict:
    return {
        "id": session.id,
        "dates": date_range(_paris(session.starts_at).date(), _paris(session.ends_at).date()),
        "place": session.place,
        "half_days": len(slots),
        "hours": hours(sum((slot.hours for slot in slots), Decimal("0"))),
        "cancelled": session.status is SessionStatus.CANCELLED,
    }


def _slot_info(slot: Slot, enrolments: list[Enrolment], marks: dict, signed: dict, signoff: SlotSignoff | None) -> dict:
    """One half-day: when, its sign-off, and a cell per learner (in the order of `enrolments`)."""
    start, end = _paris(slot.starts_at), _paris(slot.ends_at)
    return {
        "id": slot.id,
        "day": start.date().isoformat(),
        "date": format_date(start.date(), "EEEE d MMMM y"),
        "short_date": format_date(start.date(), "dd/MM"),
        "part": gettext("Morning") if start.hour < 12 else gettext("Afternoon"),
        "start": _clock(start),
        "end": _clock(end),
        "hours": hours(slot.hours),
        "signoff": _signoff_info(signoff, [m for (_e, slot_id), m in marks.items() if slot_id == slot.id], signed),
        "marks": [
            _mark_info(mark := marks.get((enrolment.id, slot.id)), start, signed.get(mark.id) if mark else None)
            for enrolment in enrolments
        ],
    }


def _signoff_info(signoff: SlotSignoff | None, marks: list[AttendanceMark], signed: dict) -> dict | None:
    """The trainer's signature: printed name, date and time, meaning, and whether the roll still matches it."""
    if signoff is None:
        return None
    when = _moment(signoff.signed_at)
    name = signoff.signer_name or signoff.signed_by.name
    text = gettext("Signed off by %(name)s on %(date)s at %(time)s (Paris time)", name=name, **when)
    return {
        "name": name,
        **when,
        "text": text,
        "meaning": signoff.meaning,
        "hash": signoff.record_hash[:16],
        "intact": signatures.signoff_matches(signoff, marks, signed),
    }


def _signature_info(signature: AttendanceSignature | None) -> dict | None:
    """A learner's signature as printed: drawing or typed name, and its manifestation (§11.50)."""
    if signature is None:
        return None
    when = _moment(signature.signed_at)
    return {
        "svg": signatures.drawing_svg(signature.drawing) if signature.drawing else "",
        "typed": signature.typed_name,
        "text": gettext("Signed by %(name)s on %(date)s at %(time)s (Paris time)", name=signature.signer_name, **when),
        "short": gettext("%(name)s, %(time)s", name=signature.signer_name, time=when["time"]),
        "meaning": signature.meaning,
        "how": f"{signature.method.label}, {signature.device.label}",
        "hash": signature.record_hash[:12],
        "intact": signatures.is_intact(signature),
    }


def _mark_info(mark: AttendanceMark | None, slot_start: datetime, signature: AttendanceSignature | None) -> dict:
    """A learner's line for one half-day; the time is the check-in (or arrival) time, else the mark's."""
    if mark is None:
        return {
            "status": None,
            "status_label": gettext("Not marked"),
            "code": "–",
            "time": "",
            "method": None,
            "method_label": "",
            "marked_by": "",
            "note": "",
            "signature": None,
        }
    moment = _paris(mark.checked_in_at or mark.marked_at)
    time = _clock(moment)
    if moment.date() != slot_start.date():  # a later correction: say which day
        time = f"{format_date(moment.date(), 'dd/MM')} {time}"
    self_made = mark.method.by_learner
    return {
        "status": mark.status.value,
        "status_label": mark.status.label,
        "code": str(STATUS_CODES[mark.status]),
        "time": time,
        "method": mark.method.value,
        "method_label": mark.method.label,
        # Who made the mark, unless the learner checked in themselves.
        "marked_by": "" if self_made else mark.marked_by.name,
        "note": mark.note,
        "signature": _signature_info(signature),
    }


def _learner_totals(enrolment: Enrolment, slots: list[Slot], marks: dict) -> dict:
    """Hours attended (present or late) out of the scheduled hours; excused hours apart."""

    def hours_where(test) -> Decimal:
        return sum(
            (slot.hours for slot in slots if (mark := marks.get((enrolment.id, slot.id))) and test(mark.status)),
            Decimal("0"),
        )

    scheduled = sum((slot.hours for slot in slots), Decimal("0"))
    attended = hours_where(lambda status: status.counts_as_attended)
    excused = hours_where(lambda status: status is MarkStatus.EXCUSED)
    # Rounded down: a sheet never shows 80 % for a learner at 79.6 %.
    rate = int(100 * attended / scheduled) if scheduled else 0
    user = enrolment.user
    return {
        "name": user.name,
        "organisation": user.organisation,
        "attended_hours": hours(attended),
        "scheduled_hours": hours(scheduled),
        "excused_hours": hours(excused) if excused else "",
        "rate": rate,
        "rate_label": format_percent(Decimal(rate) / 100),
    }
