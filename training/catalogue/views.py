"""The public catalogue: course list with filters, course pages, iCalendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from training.catalogue import cache, figures, queries
from training.catalogue.calendar import course_calendar
from training.catalogue.models import CourseFormat, Level, Track
from training.catalogue.structured_data import course_jsonld
from training.urls import external_url

bp = Blueprint("catalogue", __name__)


@bp.get("/courses")
def index():
    """Published courses, filtered, searched, sorted and paginated from the URL's arguments."""
    query = queries.parse_query(request.args)
    args = {**query.args(), "per_page": str(query.per_page)}  # the cache key: every argument that changes the page

    def render_results() -> str:
        return render_template(
            "catalogue/_index_body.html",
            page=queries.search_catalogue(query),
            query=query,
            tracks=list(Track),
            levels=list(Level),
            formats=list(CourseFormat),
            months=queries.month_choices(),
        )

    def render_page() -> str:
        return render_template("catalogue/index.html", body=Markup(render_results()))

    if cache.page_is_shared():
        return cache.cached_response("catalogue-page", args, render_page)
    body = cache.cached("catalogue-results", args, render_results)
    return render_template("catalogue/index.html", body=Markup(body))


@bp.get("/courses/<slug>")
def course(slug: str):
    """A course's programme page (Qualiopi indicator 1) with its results and upcoming sessions."""
    course = queries.published_course(slug) or abort(404)
    sessions = queries.upcoming_sessions(course)
    session_figures = figures.figures_for_sessions([s.id for s in sessions])
    results = figures.results_for_course(course.id)
    jsonld = course_jsonld(course, sessions, external_url("catalogue.course", slug=slug))
    return render_template(
        "catalogue/course.html",
        course=course,
        sessions=sessions,
        session_figures=session_figures,
        results=results,
        jsonld=jsonld,
        now=datetime.now(UTC),
    )


@bp.get("/courses/<slug>/sessions.ics")
def course_ics(slug: str):
    """The course's sessions as an iCalendar feed, one event per half-day."""
    course = queries.published_course(slug) or abort(404)
    body = course_calendar(course, queries.upcoming_sessions(course), external_url("catalogue.course", slug=slug))
    return (
        body,
        200,
        {"Content-Type": "text/calendar; charset=utf-8", "Content-Disposition": f'inline; filename="{slug}.ics"'},
    )
