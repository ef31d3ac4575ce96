"""People in the back office: find them, see one account, change its roles, deactivate or reactivate it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from training.accounts import services as account_services
from training.accounts.auth import roles_required
from training.accounts.models import Role, User, UserRole
from training.admin.blueprint import PAGE_SIZE, bp
from training.admin.forms import DeactivateForm, ReactivateForm, RolesForm
from training.audit.queries import history
from training.catalogue.models import CourseSession
from training.enrolment.models import Enrolment
from training.errors import DomainError
from training.extensions import db
from training.urls import page_number


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """Search people by name, email or organisation, optionally by role."""
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = page_number()
    query = sa.select(User).order_by(User.name, User.id)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern),
                User.email.like(pattern),
                sa.func.lower(User.organisation).like(pattern),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(role))))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", pagination=pagination, q=q, role=role, roles=list(Role))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    """One person's account, roles, trainings and history; changing roles is audited with a reason."""
    user = db.get_or_404(User, user_id)
    form = RolesForm(roles=[r.value for r in user.role_set])
    if form.validate_on_submit():
        try:
            account_services.set_roles(
                current_user, user, {Role(r) for r in form.roles.data}, (form.reason.data or "").strip() or None
            )
        except DomainError as error:
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The roles of %(name)s are saved.", name=user.name), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, roles_form=form)


def _user_page(user: User, status: int = 200, **forms):
    forms.setdefault("roles_form", RolesForm(roles=[r.value for r in user.role_set], formdata=None))
    forms.setdefault("status_form", (ReactivateForm if not user.is_active_account else DeactivateForm)(formdata=None))
    trainings = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .join(CourseSession)
        .order_by(CourseSession.starts_at.desc())
        .options(selectinload(Enrolment.session).selectinload(CourseSession.course))
    ).all()
    return render_template(
        "admin/user_detail.html", user=user, trainings=trainings, history=history("users", user.id), **forms
    ), status


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate_user(user_id: int):
    """Stop a person signing in; their enrolments, marks and certificates stay."""
    user = db.get_or_404(User, user_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        try:
            account_services.deactivate(current_user, user, form.reason.data.strip())
        except DomainError as error:
            form.reason.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("%(name)s can no longer sign in. Their records are kept.", name=user.name), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, 422, status_form=form)


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate_user(user_id: int):
    """Let a deactivated person sign in again."""
    user = db.get_or_404(User, user_id)
    form = ReactivateForm()
    if not form.validate_on_submit():
        return _user_page(user, 422, status_form=form)
    account_services.reactivate(current_user, user, (form.reason.data or "").strip() or None)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
