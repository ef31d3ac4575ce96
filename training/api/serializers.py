"""Turning models into the API's JSON, through the pydantic models of `schemas`."""

from __future__ import annotations

from training.api import schemas
from training.catalogue.models import Course, CourseSession
from training.urls import external_url


def session_summary(session: CourseSession) -> dict:
    """The short form of a session, as in course lists."""
    return {
        "id": session.id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "place": session.place,
        "capacity": session.capacity,
        "seats_left": session.seats_left,
        "enrolment_deadline": session.enrolment_deadline,
        "cancellation_deadline": session.cancellation_deadline,
        "approval_required": session.approval_required,
        "status": session.status.value,
        "url": external_url("api.session", session_id=session.id),
    }


def session_detail(session: CourseSession, figures: dict) -> dict:
    """A session with its slots, trainers and waitlist length."""
    return {
        **session_summary(session),
        "course": session.course.slug,
        "waitlist_length": figures.get("waitlist_length", 0),
        "trainers": [t.name for t in session.trainers],
        "hours": float(session.scheduled_hours),
        "slots": [
            {"id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at, "hours": float(s.hours)} for s in session.slots
        ],
    }


def course_summary(course: Course, next_session: CourseSession | None) -> dict:
    """The short form of a course, as in the catalogue list."""
    return {
        "slug": course.slug,
        "title": course.title,
        "track": course.track.value,
        "level": course.level.value,
        "language": course.language,
        "format": course.format.value,
        "summary": course.summary,
        "duration_hours": float(course.duration_hours),
        "price_eur": float(course.price_eur),
        "url": external_url("api.course", slug=course.slug),
        "next_session": session_summary(next_session) if next_session else None,
    }


def course_detail(course: Course, sessions: list[CourseSession], figures: dict, results: dict) -> dict:
    """A course with every programme field, its results and its upcoming sessions."""
    return {
        **course_summary(course, sessions[0] if sessions else None),
        "objectives": [line.strip() for line in course.objectives.splitlines() if line.strip()],
        "prerequisites": course.prerequisites,
        "audience": course.audience,
        "teaching_methods": course.teaching_methods,
        "assessment": course.assessment,
        "accessibility": course.accessibility,
        "contact": course.contact,
        "access_delay": course.access_delay,
        "attendance_threshold": float(course.attendance_threshold),
        "version": course.version,
        "status": course.status.value,
        "results": results,
        "sessions": [session_detail(s, figures.get(s.id, {})) for s in sessions],
    }


def dump(model: type[schemas.BaseModel], data: dict) -> dict:
    """Validate `data` against the response model and return it as JSON-ready values."""
    return model.model_validate(data).model_dump(mode="json")
