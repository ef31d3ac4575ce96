"""CSV exports of enrolments, attendance and certificates for a session, a course or a period.

The page's form is a GET form: sent with a `kind`, it redirects to the download URL
`/admin/exports/<kind>.csv?session=…` (or `course=`, or `from=`/`to=`), which links from other
pages use directly. Any missing or bad parameter answers 400 with the form and the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, RadioField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import bp
from training.catalogue.models import Course, CourseSession, SessionStatus
from training.csvexport import csv_response
from training.extensions import db
from training.reports.exports import EXPORTS, Scope, export

RECENT_SESSIONS = 60
SESSION_HORIZON = timedelta(days=90)  # the session list reaches this far ahead
KIND_CHOICES = (
    ("enrolments", _l("Enrolments"), _l("Every enrolment and its status, with decisions and their reasons.")),
    (
        "attendance",
        _l("Attendance"),
        _l(
            "One row per confirmed learner and half-day, marked or not, "
            "with who marked it and who signed the half-day off."
        ),
    ),
    (
        "certificates",
        _l("Certificates"),
        _l("Every certificate issued (valid, superseded or revoked), with its hours and fingerprint."),
    ),
)

admin_only = roles_required(Role.ADMIN)


class ExportForm(FlaskForm):
    """What to export and from where, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    kind = RadioField(
        _l("What"),
        choices=[SelectChoice(value, label) for value, label, _help in KIND_CHOICES],
        default="enrolments",
        validate_choice=False,
    )
    session = SelectField(_l("A session"), validate_choice=False)
    course = SelectField(_l("A course"), validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To (included)"), validators=[Optional()])

    def validate_kind(self, field) -> None:
        if field.data not in EXPORTS:
            raise ValidationError(_l("Choose what to export: enrolments, attendance or certificates."))

    def validate_session(self, field) -> None:
        if field.data and not _exists(CourseSession, field.data):
            raise ValidationError(_l("There is no session number %(id)s.", id=field.data[:20]))

    def validate_course(self, field) -> None:
        if field.data and not _exists(Course, field.data):
            raise ValidationError(_l("There is no course number %(id)s.", id=field.data[:20]))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The period ends before it starts: check the dates."))

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the rule that exactly one scope is given, and a period has both its dates."""
        valid = super().validate(extra_validators)
        given = [name for name, field in (("session", self.session), ("course", self.course)) if field.data]
        period = [field for field in (self.date_from, self.date_to) if field.raw_data and field.raw_data[0]]
        if period:
            given.append("period")
        if len(given) != 1:
            names = {"session": _("a session"), "course": _("a course"), "period": _("a period")}
            self.form_errors.append(
                _("Choose one scope only; you gave %(given)s.", given=", ".join(names[name] for name in given))
                if given
                else _("Choose what to export from: a session, a course or a period.")
            )
            return False
        if period and len(period) < 2:
            missing = self.date_to if period[0] is self.date_from else self.date_from
            missing.errors = [*missing.errors, _("Give both dates of the period.")]
            return False
        return valid

    def scope(self) -> Scope:
        """The validated scope."""
        if self.session.data:
            return Scope(session_id=int(self.session.data))
        if self.course.data:
            return Scope(course_id=int(self.course.data))
        return Scope(first=self.date_from.data, last=self.date_to.data)


def _exists(model, raw: str) -> bool:
    """Whether `raw` is the number of a row of `model`."""
    return raw.isdigit() and len(raw) < 12 and db.session.get(model, int(raw)) is not None


def _form(kind: str | None = None) -> ExportForm:
    """The form filled from the query string ("from" and "to" keep shared links short), with its choices."""
    args = request.args.to_dict()
    args.setdefault("date_from", args.pop("from", ""))
    args.setdefault("date_to", args.pop("to", ""))
    if kind is not None:
        args["kind"] = kind
    form = ExportForm(formdata=MultiDict(args) if args else None)
    form.session.choices = [SelectChoice("", _l("—"))] + _session_choices(form.session.data)
    form.course.choices = [SelectChoice("", _l("—"))] + [
        SelectChoice(str(course_id), title)
        for course_id, title in db.session.execute(sa.select(Course.id, Course.title).order_by(Course.title, Course.id))
    ]
    return form


def _session_choices(selected: str | None) -> list[SelectChoice]:
    """The latest sessions up to a few months ahead, newest first, and the selected one if older."""
    horizon = datetime.now(UTC) + SESSION_HORIZON
    query = sa.select(CourseSession.id, CourseSession.starts_at, CourseSession.status, Course.title).join(
        Course, CourseSession.course_id == Course.id
    )
    rows = list(
        db.session.execute(
            query.where(CourseSession.starts_at <= horizon)
            .order_by(CourseSession.starts_at.desc())
            .limit(RECENT_SESSIONS)
        )
    )
    if selected and selected.isdigit() and len(selected) < 12 and int(selected) not in {row[0] for row in rows}:
        rows += list(db.session.execute(query.where(CourseSession.id == int(selected))))
    return [
        SelectChoice(str(session_id), _session_label(session_id, starts_at, status, title))
        for session_id, starts_at, status, title in rows
    ]


def _session_label(session_id: int, starts_at: datetime, status: SessionStatus, title: str) -> str:
    label = f"{format_date(starts_at, 'medium')} · {title} (#{session_id})"
    if status is not SessionStatus.CANCELLED:
        return label
    return _("%(session)s · cancelled", session=label)


def _page(form: ExportForm, status: int = 200):
    return render_template("admin/exports.html", form=form, kinds=KIND_CHOICES), status


@bp.get("/exports")
@admin_only
def exports():
    """The export form; sent with a `kind`, it leads to the download, or says what is missing."""
    form = _form()
    if "kind" not in request.args:
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    return redirect(url_for("admin.export_csv", kind=form.kind.data, **_scope_args(form.scope())))


def _scope_args(scope: Scope) -> dict:
    """The query-string parameters of the download URL for `scope`."""
    if scope.session_id is not None:
        return {"session": scope.session_id}
    if scope.course_id is not None:
        return {"course": scope.course_id}
    first, last = scope.period()
    return {"from": first.isoformat(), "to": last.isoformat()}


@bp.get("/exports/<kind>.csv")
@admin_only
def export_csv(kind: str):
    """Download export `kind` for exactly one scope: `session=`, `course=`, or `from=` and `to=`."""
    form = _form(kind)
    if not form.validate():
        return _page(form, 400)
    scope = form.scope()
    header, rows = export(kind, scope)
    return csv_response(f"{kind}-{scope.slug}.csv", header, rows)
