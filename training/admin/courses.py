"""Courses in the back office: list, create, edit, publish, unpublish and archive."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import PAGE_SIZE, bp
from training.admin.forms import CourseForm, CourseStatusForm, add_domain_error
from training.audit.queries import history
from training.catalogue import services
from training.catalogue.models import Course, CourseSession, CourseStatus, SessionStatus, Track
from training.catalogue.services import SchedulingError
from training.extensions import db
from training.text import fold
from training.urls import page_number


def form_status(form) -> int:
    """200 for a form shown, 422 for a form sent back with errors."""
    return 422 if form.is_submitted() else 200


@bp.get("/courses")
@roles_required(Role.ADMIN)
def courses():
    """Every course, whatever its status, with its next session; filter by status and track, search."""
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    track = request.args.get("track", "")
    query = sa.select(Course).order_by(Course.title, Course.id)
    if q:
        query = query.where(Course.search_text.like(f"%{fold(q)}%"))
    if status in {s.value for s in CourseStatus}:
        query = query.where(Course.status == CourseStatus(status))
    if track in {t.value for t in Track}:
        query = query.where(Course.track == Track(track))
    pagination = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/courses.html",
        pagination=pagination,
        q=q,
        status=status,
        track=track,
        statuses=list(CourseStatus),
        tracks=list(Track),
        stats=_session_stats([course.id for course in pagination.items]),
    )


def _session_stats(course_ids: list[int]) -> dict[int, dict]:
    """Per course: its next scheduled session's start, its upcoming and all sessions."""
    now = datetime.now(UTC)
    upcoming = sa.and_(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at >= now)
    query = (
        sa.select(
            CourseSession.course_id,
            sa.func.min(sa.case((upcoming, CourseSession.starts_at))),
            sa.func.count(sa.case((upcoming, CourseSession.id))),
            sa.func.count(CourseSession.id),
        )
        .where(CourseSession.course_id.in_(course_ids))
        .group_by(CourseSession.course_id)
    )
    return {
        course_id: {"next": next_start, "upcoming": n_upcoming, "total": total}
        for course_id, next_start, n_upcoming, total in db.session.execute(query)
    }


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_course():
    """Create a course; it starts as a draft, invisible to learners until published."""
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(current_user, **form.course_fields())
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The course “%(title)s” is created as a draft.", title=course.title), "success")
            return redirect(url_for("admin.course_detail", course_id=course.id))
    return render_template("admin/course_form.html", form=form, course=None), form_status(form)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_course(course_id: int):
    """Edit a course; a change of its content makes a new version."""
    course = db.get_or_404(Course, course_id)
    form = CourseForm() if request.method == "POST" else CourseForm.for_course(course)
    if form.validate_on_submit():
        try:
            services.update_course(current_user, course, **form.course_fields())
        except SchedulingError as error:
            add_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The course “%(title)s” is saved.", title=course.title), "success")
            return redirect(url_for("admin.course_detail", course_id=course.id))
    return render_template("admin/course_form.html", form=form, course=course), form_status(form)


@bp.get("/courses/<int:course_id>")
@roles_required(Role.ADMIN)
def course_detail(course_id: int):
    """A course with its sessions, upcoming and past, and its history."""
    course = db.get_or_404(Course, course_id)
    sessions = db.session.scalars(
        sa.select(CourseSession).where(CourseSession.course_id == course.id).order_by(CourseSession.starts_at.desc())
    ).all()
    now = datetime.now(UTC)
    upcoming = [s for s in reversed(sessions) if s.ends_at >= now]
    past = [s for s in sessions if s.ends_at < now]
    return render_template(
        "admin/course_detail.html", course=course, upcoming=upcoming, past=past, history=history("courses", course.id)
    )


@bp.post("/courses/<int:course_id>/status")
@roles_required(Role.ADMIN)
def course_status(course_id: int):
    """Publish, unpublish or archive a course (the button pressed sends the status)."""
    course = db.get_or_404(Course, course_id)
    form = CourseStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_course_status(current_user, course, CourseStatus(form.status.data))
    except SchedulingError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_STATUS_MESSAGES[course.status](), "success")
    return redirect(url_for("admin.course_detail", course_id=course.id))


_STATUS_MESSAGES = {
    CourseStatus.PUBLISHED: lambda: _("The course is published: learners can see it in the catalogue."),
    CourseStatus.DRAFT: lambda: _("The course is back to draft: learners no longer see it."),
    CourseStatus.ARCHIVED: lambda: _("The course is archived: it leaves the catalogue, its records stay."),
}
