"""The end-of-session satisfaction survey and its results."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.catalogue.models import Course, CourseSession
from training.enrolment.models import Enrolment
from training.enrolment.queries import own_enrolment
from training.extensions import db
from training.surveys import results, services
from training.surveys.forms import QUESTION_NAMES, SCALE, SurveyForm
from training.surveys.services import SurveyState

bp = Blueprint("surveys", __name__)


@bp.route("/my/enrolments/<int:enrolment_id>/survey", methods=["GET", "POST"])
@login_required
def answer(enrolment_id: int):
    """The learner's survey of one session: the form once it has ended, then their answers, read-only."""
    enrolment = own_enrolment(current_user, enrolment_id) or abort(404)
    state = services.state(enrolment)
    if state is SurveyState.UNAVAILABLE:
        abort(404)
    form = SurveyForm()
    refused = services.refusal(state)
    if request.method == "POST" and refused is not None:  # answered already, not open yet, or not attended
        return _survey_page(enrolment, state, form, notice=refused.message, status=refused.status_code)
    if form.validate_on_submit():
        try:
            services.answer(current_user, enrolment, form.ratings(), form.comment.data)
        except services.AlreadyAnswered as error:  # a simultaneous submit got in first
            db.session.rollback()
            return _survey_page(enrolment, SurveyState.ANSWERED, form, notice=error.message, status=409)
        db.session.commit()
        flash(_("Thank you: your answers are recorded."), "success")
        return redirect(url_for("surveys.answer", enrolment_id=enrolment.id))
    # GET: 200 for the form, the answers or the opening date; 403 for a learner who attended nothing.
    status = 422 if form.errors else 403 if state is SurveyState.NOT_ATTENDED else 200
    return _survey_page(enrolment, state, form, status=status)


def _survey_page(
    enrolment: Enrolment, state: SurveyState, form: SurveyForm, notice: str | None = None, status: int = 200
):
    response = services.response_for(enrolment) if state is SurveyState.ANSWERED else None
    return render_template(
        "surveys/answer.html",
        enrolment=enrolment,
        session=enrolment.session,
        course=enrolment.session.course,
        state=state.value,
        form=form,
        response=response,
        notice=notice,
        questions=[getattr(form, name) for name in QUESTION_NAMES],
        scale=SCALE,
    ), status


@bp.get("/admin/sessions/<int:session_id>/satisfaction")
@roles_required(Role.ADMIN)
def session_results(session_id: int):
    """A session's survey results: invitations, answers, means, distribution and comments, without names."""
    session = db.get_or_404(CourseSession, session_id)
    return render_template(
        "surveys/session_results.html",
        session=session,
        course=session.course,
        results=results.for_session(session),
        questions=QUESTION_NAMES,
        scale=SCALE,
        now=datetime.now(UTC),
    )


@bp.get("/admin/courses/<int:course_id>/satisfaction")
@roles_required(Role.ADMIN)
def course_results(course_id: int):
    """A course's survey results over all its sessions, with a line per session."""
    course = db.get_or_404(Course, course_id)
    course_results = results.for_course(course)
    return render_template(
        "surveys/course_results.html",
        course=course,
        results=course_results,
        sessions={s.id: s for s, _summary in course_results.sessions},
        questions=QUESTION_NAMES,
        scale=SCALE,
    )
