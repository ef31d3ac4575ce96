"""Catalogue endpoints: read by anyone, written by admins with a bearer token."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, request, url_for

from training.accounts.models import Role
from training.accounts.services import find_user
from training.api import schemas, serializers
from training.api.auth import bearer_user, token_required
from training.api.blueprint import bp
from training.api.errors import BadQuery, UnprocessableFields, parse_body
from training.catalogue import cache, figures, queries, services
from training.catalogue.models import CourseSession, CourseStatus
from training.extensions import db


@bp.get("/courses")
def courses():
    """Published courses with the catalogue page's filters, sorting and pagination."""
    query = queries.parse_query(request.args)
    if query.errors:
        raise BadQuery(query.errors)

    def render() -> str:
        page = queries.search_catalogue(query)
        body = {
            "items": [serializers.course_summary(course, session) for course, session in page.items],
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "pages": page.pages,
            "links": _links(query, page.pages),
        }
        return current_app.json.dumps(serializers.dump(schemas.CourseList, body))

    text = cache.cached("api-courses", {**query.args(), "per_page": str(query.per_page)}, render)
    return current_app.response_class(text, mimetype="application/json")


def _links(query: queries.CatalogueQuery, pages: int) -> dict:
    def link(number: int) -> str:
        return url_for("api.courses", **{**query.args(page=number), "per_page": query.per_page})

    return {
        "self": link(query.page),
        "next": link(query.page + 1) if query.page < pages else None,
        "prev": link(query.page - 1) if query.page > 1 else None,
    }


@bp.get("/courses/<slug>")
def course(slug: str):
    """A published course with its programme, results and upcoming sessions (any course for admins)."""
    return jsonify(_course_body(_visible_course(slug)))


def _visible_course(slug: str):
    user = bearer_user() if "Authorization" in request.headers else None
    if user is not None and user.is_admin:
        return queries.course_by_slug(slug) or abort(404)
    return queries.published_course(slug) or abort(404)


def _course_body(course) -> dict:
    sessions = queries.upcoming_sessions(course)
    data = serializers.course_detail(
        course, sessions, figures.figures_for_sessions([s.id for s in sessions]), figures.results_for_course(course.id)
    )
    return serializers.dump(schemas.CourseOut, data)


@bp.get("/sessions/<int:session_id>")
def session(session_id: int):
    """A session of a published course: capacity, seats left, waitlist length and slots."""
    session = db.session.get(CourseSession, session_id)
    if session is None or session.course.status is not CourseStatus.PUBLISHED:
        abort(404)
    data = serializers.session_detail(session, figures.figures_for_sessions([session.id])[session.id])
    return jsonify(serializers.dump(schemas.SessionOut, data))


@bp.post("/courses")
@token_required(Role.ADMIN)
def create_course():
    """Create a course (admins)."""
    data = parse_body(schemas.CourseIn)
    course = services.create_course(g.api_user, **data.model_dump())
    db.session.commit()
    return jsonify(_course_body(course)), 201, {"Location": url_for("api.course", slug=course.slug)}


@bp.patch("/courses/<slug>")
@token_required(Role.ADMIN)
def update_course(slug: str):
    """Change some fields of a course, or its status (admins)."""
    course = queries.course_by_slug(slug) or abort(404)
    changes = parse_body(schemas.CoursePatch).model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    if changes:
        services.update_course(g.api_user, course, **changes)
    if status:
        services.set_course_status(g.api_user, course, CourseStatus(status))
    db.session.commit()
    return jsonify(_course_body(course))


@bp.post("/courses/<slug>/sessions")
@token_required(Role.ADMIN)
def create_session(slug: str):
    """Schedule a session with its half-day slots, past dates included (admins)."""
    course = queries.course_by_slug(slug) or abort(404)
    data = parse_body(schemas.SessionIn)
    trainers = _trainers_by_email(data.trainers)
    session = services.schedule_session(
        g.api_user,
        course,
        place=data.place,
        capacity=data.capacity,
        trainers=trainers,
        slots=[(slot.starts_at, slot.ends_at) for slot in data.slots],
        enrolment_deadline=data.enrolment_deadline,
        cancellation_deadline=data.cancellation_deadline,
        approval_required=data.approval_required,
        what_to_bring=data.what_to_bring,
    )
    db.session.commit()
    body = serializers.session_detail(session, {"waitlist_length": 0})
    return (
        jsonify(serializers.dump(schemas.SessionOut, body)),
        201,
        {"Location": url_for("api.session", session_id=session.id)},
    )


def _trainers_by_email(emails: list[str]):
    trainers, unknown = [], []
    for index, email in enumerate(emails):
        user = find_user(email)
        (trainers.append(user) if user else unknown.append((f"trainers.{index}", f"no account uses {email}")))
    if unknown:
        raise UnprocessableFields(unknown)
    return trainers
