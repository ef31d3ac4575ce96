"""A large synthetic catalogue for benchmarks and query-count tests, inserted in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from training.catalogue.models import Course, CourseSession, Slot
from training.extensions import db
from training.text import fold

TRACKS = ("research", "biomanufacturing", "entrepreneurship")
FORMATS = ("in_person", "remote", "hybrid")
LEVELS = ("introductory", "intermediate", "advanced")


def seed(courses: int, sessions_per_course: int, now: datetime | None = None) -> None:
    """Insert `courses` published courses, each with sessions of two half-day slots every week."""
    now = (now or datetime.now(UTC)).replace(hour=8, minute=0, second=0, microsecond=0)
    first = db.session.scalar(sa.select(sa.func.count()).select_from(Course))
    course_rows = [_course(n, now) for n in range(first, first + courses)]
    db.session.execute(sa.insert(Course), course_rows)
    ids = db.session.scalars(sa.select(Course.id).order_by(Course.id)).all()[-courses:]
    session_rows = [_session(course_id, k, now) for course_id in ids for k in range(sessions_per_course)]
    db.session.execute(sa.insert(CourseSession), session_rows)
    sessions = db.session.execute(
        sa.select(CourseSession.id, CourseSession.starts_at).where(CourseSession.course_id.in_(ids))
    ).all()
    db.session.execute(sa.insert(Slot), [row for session in sessions for row in _slots(*session)])
    db.session.commit()


def _course(n: int, now: datetime) -> dict:
    title = f"Thérapie génique et bioproduction, module {n}"
    summary = "Vecteurs AAV et lentiviraux, de la paillasse à la salle blanche."
    objectives = "Concevoir un vecteur\nProduire un lot GMP"
    return {
        "slug": f"bench-course-{n}",
        "title": title,
        "track": TRACKS[n % 3],
        "level": LEVELS[n % 3],
        "language": "fr" if n % 2 else "en",
        "format": FORMATS[n % 3],
        "summary": summary,
        "objectives": objectives,
        "duration_hours": 7,
        "price_eur": 900,
        "status": "published",
        "search_text": fold(f"{title} {summary} {objectives}"),
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }


def _session(course_id: int, k: int, now: datetime) -> dict:
    start = now + timedelta(days=7 * k + course_id % 7 - 14)
    return {
        "course_id": course_id,
        "place": "Genopole Campus 1, Evry",
        "capacity": 12,
        "seats_taken": (k * 5) % 13,
        "starts_at": start,
        "ends_at": start + timedelta(hours=8),
        "enrolment_deadline": start - timedelta(days=3),
        "cancellation_deadline": start - timedelta(days=2),
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }


def _slots(session_id: int, start: datetime) -> list[dict]:
    return [
        {"session_id": session_id, "starts_at": start, "ends_at": start + timedelta(hours=3, minutes=30), "hours": 3.5},
        {
            "session_id": session_id,
            "starts_at": start + timedelta(hours=4, minutes=30),
            "ends_at": start + timedelta(hours=8),
            "hours": 3.5,
        },
    ]
