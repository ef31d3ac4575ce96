"""The database counts the certificates owed exactly as the certificates services judge them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.factories import SessionFactory, UserFactory, certify, enrol
from training.attendance import services as attendance
from training.attendance.models import MarkStatus
from training.catalogue.models import CourseSession, Slot
from training.certificates.due import owed_by_session
from training.certificates.models import CertificateStatus
from training.certificates.services import eligibility, pending
from training.extensions import db

CODES = {"P": MarkStatus.PRESENT, "L": MarkStatus.LATE, "A": MarkStatus.ABSENT}


def ended_session(trainer, hours: tuple[str, ...], threshold: str) -> CourseSession:
    """A session that ended last week, one half-day per item of `hours`."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=8)
    slots = [
        Slot(starts_at=start + timedelta(hours=5 * n), ends_at=start + timedelta(hours=5 * n + 3), hours=Decimal(h))
        for n, h in enumerate(hours)
    ]
    return SessionFactory(
        trainers=[trainer],
        course__attendance_threshold=Decimal(threshold),
        starts_at=start,
        ends_at=slots[-1].ends_at,
        enrolment_deadline=start - timedelta(days=5),
        cancellation_deadline=start - timedelta(days=3),
        slots=slots,
    )


def learner(session: CourseSession, trainer, marks: str, *certificates: tuple[CertificateStatus, str, str]):
    """A confirmed learner marked as `marks` says, holding `certificates` (status, hours attended, scheduled)."""
    enrolment = enrol(session, UserFactory())
    for slot, code in zip(session.slots, marks, strict=True):
        attendance.set_mark(trainer, slot, enrolment, CODES[code])
    for n, (status, attended, scheduled) in enumerate(certificates, start=1):
        revoked = {"revoked_at": datetime.now(UTC)} if status is CertificateStatus.REVOKED else {}
        certify(
            enrolment,
            trainer,
            code=f"code-{enrolment.id}-{n}",
            serial=f"S-{enrolment.id}-{n}",
            pdf=f"%PDF-1.7 {enrolment.id}-{n}".encode(),
            version=n,
            status=status,
            hours_attended=Decimal(attended),
            hours_scheduled=Decimal(scheduled),
            **revoked,
        )
    db.session.commit()


def owed(sessions: list[CourseSession]) -> tuple[dict[int, int], dict[int, int]]:
    """Learners owed a certificate per session: by the database, and by the services' rule."""
    ids = sa.select(CourseSession.id).where(CourseSession.id.in_([s.id for s in sessions]))
    by_sql = dict(db.session.execute(owed_by_session(ids)).all())
    by_rule = {s.id: len(pending(eligibility(s))) for s in sessions}
    return by_sql, {session_id: count for session_id, count in by_rule.items() if count}


def test_the_database_counts_the_learners_owed_as_the_rule_judges_them(ctx, trainer):
    # 7.25 h at 70 %: 5.075 h, rounded half up to 5.08 h required.
    rounded_up = ended_session(trainer, ("2.54", "2.54", "2.17"), "0.70")
    valid, revoked = CertificateStatus.VALID, CertificateStatus.REVOKED
    learner(rounded_up, trainer, "PPA")  # 5.08 h: just enough, nothing issued
    learner(rounded_up, trainer, "PLP", (valid, "7.25", "7.25"))  # issued for these hours
    learner(rounded_up, trainer, "PPP", (valid, "5.08", "7.25"))  # issued before a correction
    learner(rounded_up, trainer, "PPP", (revoked, "7.25", "7.25"))  # revoked for these hours: stays so
    learner(rounded_up, trainer, "PPP", (revoked, "5.08", "7.25"))  # revoked, then attendance corrected
    learner(rounded_up, trainer, "PAP")  # 4.71 h: not eligible
    # The same 7.25 h, but the two first half-days give 5.07 h: one hundredth short.
    short = ended_session(trainer, ("2.53", "2.54", "2.18"), "0.70")
    learner(short, trainer, "PPA")
    learner(short, trainer, "PPP")
    # 7.22 h at 70 %: 5.054 h, rounded down to 5.05 h, which the two first half-days give.
    rounded_down = ended_session(trainer, ("2.52", "2.53", "2.17"), "0.70")
    learner(rounded_down, trainer, "PPA")
    by_sql, by_rule = owed([rounded_up, short, rounded_down])
    assert by_sql == by_rule == {rounded_up.id: 3, short.id: 1, rounded_down.id: 1}


def test_a_session_that_owes_nothing_is_left_out(ctx, trainer):
    session = ended_session(trainer, ("3.5", "3.5"), "0.80")
    learner(session, trainer, "PA")
    learner(session, trainer, "PP", (CertificateStatus.VALID, "7", "7"))
    assert owed([session]) == ({}, {})
