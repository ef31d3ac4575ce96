"""Invariants the database must hold whatever was posted, checked with SQL after each fuzzed request."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import sqlalchemy as sa

from training.enrolment.models import Enrolment, EnrolmentStatus
from training.enrolment.services import waitlist_position
from training.extensions import db

SEATS = """
SELECT s.id, s.capacity, s.seats_taken,
       (SELECT count(*) FROM enrolments e WHERE e.session_id = s.id AND e.status = 'confirmed')
FROM sessions s
"""
ORPHAN_CERTIFICATES = """
SELECT c.id FROM certificates c LEFT JOIN enrolments e ON e.id = c.enrolment_id WHERE e.id IS NULL
"""
TWO_VALID_CERTIFICATES = """
SELECT enrolment_id FROM certificates WHERE status = 'valid' GROUP BY enrolment_id HAVING count(*) > 1
"""
STRAY_MARKS = """
SELECT m.id FROM attendance_marks m
LEFT JOIN enrolments e ON e.id = m.enrolment_id
LEFT JOIN slots s ON s.id = m.slot_id
WHERE e.id IS NULL OR s.id IS NULL OR s.session_id != e.session_id OR m.session_id != e.session_id
"""
WAITLIST_WITH_FREE_SEATS = """
SELECT s.id FROM sessions s
WHERE s.seats_taken < s.capacity
  AND EXISTS (SELECT 1 FROM enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted')
"""
AUDIT_ROWS = (
    "SELECT id, at, actor_id, actor_label, action, object_type, object_id, before, after, reason "
    "FROM audit_log WHERE id <= :last ORDER BY id"
)


class AuditWatch:
    """Remembers the audit log as last seen: rows may be added, never changed nor removed."""

    def __init__(self):
        self.count, self.last_id, self.digest = 0, 0, _audit_digest(0)

    def check(self) -> None:
        """Fail if a row seen before was updated or deleted; then remember the log as it is now."""
        count = db.session.scalar(sa.text("SELECT count(*) FROM audit_log"))
        assert count >= self.count, f"the audit log lost rows: {self.count} -> {count}"
        assert _audit_digest(self.last_id) == self.digest, "an audit row seen before was changed"
        last_id = db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM audit_log"))
        self.count, self.last_id, self.digest = count, last_id, _audit_digest(last_id)


def _audit_digest(last_id: int) -> str:
    rows = db.session.execute(sa.text(AUDIT_ROWS), {"last": last_id}).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def check_consistency(audit: AuditWatch | None = None) -> None:
    """Assert every invariant of the stored data (see each message); `audit` also checks the log."""
    db.session.expire_all()
    for session_id, capacity, taken, confirmed in db.session.execute(sa.text(SEATS)):
        assert taken == confirmed, f"session {session_id}: seats_taken {taken} but {confirmed} confirmed"
        assert 0 <= taken <= capacity, f"session {session_id}: {taken} seats taken of {capacity}"
    _check_waitlists()
    assert db.session.scalars(sa.text(WAITLIST_WITH_FREE_SEATS)).all() == [], "learners wait while seats are free"
    assert db.session.execute(sa.text(ORPHAN_CERTIFICATES)).all() == [], "a certificate has no enrolment"
    assert db.session.execute(sa.text(TWO_VALID_CERTIFICATES)).all() == [], "two valid certificates"
    assert db.session.execute(sa.text(STRAY_MARKS)).all() == [], "a mark's slot is not of its enrolment's session"
    emails = db.session.scalars(sa.text("SELECT email FROM users")).all()
    assert [e for e in emails if e != e.lower()] == [], "an email is stored with capitals"
    assert len(set(emails)) == len(emails), "two accounts share an email"
    if audit is not None:
        audit.check()


def _check_waitlists() -> None:
    """Per session, the positions the learners are shown are 1, 2, ... n, each once."""
    positions = defaultdict(list)
    waiting = db.session.scalars(sa.select(Enrolment).where(Enrolment.status == EnrolmentStatus.WAITLISTED))
    for enrolment in waiting:
        positions[enrolment.session_id].append(waitlist_position(enrolment))
    for session_id, shown in positions.items():
        assert sorted(shown) == list(range(1, len(shown) + 1)), f"session {session_id}: waitlist positions {shown}"
