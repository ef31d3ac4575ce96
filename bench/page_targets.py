"""The heavy pages and exports `bench.pages` times, with the ids they need read from a filled database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import scale_data
from training.accounts.models import User
from training.catalogue.models import CourseSession, Slot, session_trainers
from training.certificates.models import Certificate, CertificateStatus
from training.enrolment.models import Enrolment
from training.extensions import db

# Who asks for each page: the named accounts of bench.scale_data, or nobody signed in.
ROLES = {
    "admin": scale_data.ADMIN_EMAIL,
    "trainer": scale_data.TRAINER_EMAIL,
    "learner": scale_data.LEARNER_EMAIL,
}


@dataclass(frozen=True)
class Target:
    """One page to time: a name for the table, who asks, the URL, and whether it is a download."""

    name: str
    role: str
    path: str
    export: bool = False


def _url(path: str, **args) -> str:
    return f"{path}?{urlencode(args)}" if args else path


def _ids() -> dict:
    """The rows the URLs point at: the named trainer's latest begun half-day and its session,
    a valid certificate, an enrolment with history in the audit log."""
    trainer_id = db.session.scalar(sa.select(User.id).where(User.email == scale_data.TRAINER_EMAIL))
    slot = db.session.execute(
        sa.select(Slot.id, Slot.session_id)
        .join(session_trainers, session_trainers.c.session_id == Slot.session_id)
        .where(session_trainers.c.user_id == trainer_id, Slot.starts_at < datetime.now(UTC))
        .order_by(Slot.starts_at.desc())
        .limit(1)
    ).one()
    code = db.session.scalar(
        sa.select(Certificate.code).where(Certificate.status == CertificateStatus.VALID).order_by(Certificate.id.desc())
    )
    enrolment_id = db.session.scalar(sa.select(sa.func.max(Enrolment.id)))
    first = db.session.scalar(sa.select(sa.func.min(CourseSession.starts_at)))
    return {"slot": slot.id, "session": slot.session_id, "code": code, "enrolment": enrolment_id, "first": first}


def targets() -> list[Target]:
    """Every heavy page and export, in the order they are timed (needs an app context)."""
    ids = _ids()
    today = date.today()
    last_year = today.year - 1
    whole = {"from": ids["first"].date().isoformat(), "to": today.isoformat()}
    year = {"from": f"{last_year}-01-01", "to": f"{last_year}-12-31"}
    month = {"from": (today - timedelta(days=400)).isoformat(), "to": (today - timedelta(days=370)).isoformat()}
    exports = [
        Target(f"export {kind} {label}", "admin", _url(f"/admin/exports/{kind}.csv", **scope), export=True)
        for kind in ("enrolments", "attendance", "certificates")
        for label, scope in (("10 years", whole), ("last year", year), ("one session", {"session": ids["session"]}))
    ]
    return [
        Target("admin dashboard", "admin", "/admin/"),
        Target("BPF last year", "admin", _url("/admin/bpf", year=last_year)),
        Target("BPF this year", "admin", "/admin/bpf"),
        Target("BPF csv", "admin", _url("/admin/bpf.csv", year=last_year), export=True),
        Target("exports form", "admin", "/admin/exports"),
        *exports,
        Target("audit log", "admin", "/admin/audit"),
        Target("audit page 50", "admin", _url("/admin/audit", page=50)),
        Target("audit by actor", "admin", _url("/admin/audit", actor=scale_data.TRAINER_EMAIL)),
        Target("audit by action", "admin", _url("/admin/audit", action="certificate.revoked")),
        Target("audit by action family", "admin", _url("/admin/audit", action="enrolment.")),
        Target(
            "audit by object",
            "admin",
            _url("/admin/audit", object_type="enrolments", object_id=ids["enrolment"]),
        ),
        Target("audit by dates", "admin", _url("/admin/audit", **month)),
        Target("audit csv whole log", "admin", "/admin/audit.csv", export=True),
        Target("audit csv by action", "admin", _url("/admin/audit.csv", action="certificate.issued"), export=True),
        Target("trainer home", "trainer", "/trainer"),
        Target("roll call", "trainer", f"/trainer/slots/{ids['slot']}"),
        Target("my trainings", "learner", "/my/trainings"),
        Target("catalogue", "anonymous", "/courses"),
        Target("catalogue search", "anonymous", _url("/courses", q="vecteurs")),
        Target("verify", "anonymous", f"/verify/{ids['code']}"),
    ]
