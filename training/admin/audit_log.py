"""The audit log viewer: filter by object, actor, action and date; export as CSV.

Read-only by construction: there is no route that writes, and the database refuses any
UPDATE or DELETE on the table (see training/audit/models.py).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from training.accounts.auth import roles_required
from training.accounts.models import Role
from training.admin.blueprint import bp
from training.audit import queries
from training.csvexport import csv_response
from training.extensions import db
from training.urls import page_number

admin_only = roles_required(Role.ADMIN)
LOG_PAGE_SIZE = 100
LOG_COUNT_CAP = 10_000  # the page says "more than this" rather than counting a million rows
CSV_HEADER = (
    "id",
    "at_utc",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
    "ip_address",
)


class LogFilterForm(FlaskForm):
    """The filters of the log, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    object_type = SelectField(_l("Object"), validate_choice=False)
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Who (email contains)"), validators=[Optional(), Length(max=320)])
    action = SelectField(_l("Action"), validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_filter(self) -> queries.LogFilter:
        """The validated filters."""
        return queries.LogFilter(
            object_type=self.object_type.data or "",
            object_id=(self.object_id.data or "").strip(),
            actor=(self.actor.data or "").strip(),
            action=self.action.data or "",
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


def _filter_form() -> LogFilterForm:
    args = request.args.to_dict()
    # Short names in the URL ("from", "to") keep shared links readable.
    args.setdefault("date_from", args.pop("from", ""))
    args.setdefault("date_to", args.pop("to", ""))
    form = LogFilterForm(formdata=MultiDict(args))
    known = queries.known_values()
    types = known["object_types"]
    form.object_type.choices = [SelectChoice("", _l("Any object"))] + [SelectChoice(t, t) for t in types]
    families = sorted({action.split(".")[0] + "." for action in known["actions"] if "." in action})
    form.action.choices = (
        [SelectChoice("", _l("Any action"))]
        + [SelectChoice(family, _l("%(family)s… (all)", family=family)) for family in families]
        + [SelectChoice(action, action) for action in known["actions"]]
    )
    return form


@bp.get("/audit")
@admin_only
def audit_log():
    """The audit log, newest first, filtered; 400 with the reasons when a filter is malformed."""
    form = _filter_form()
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, pagination=None, log_filter=None), 400
    log_filter = form.to_filter()
    query = queries.log_query(log_filter)
    pagination = db.paginate(query, page=page_number(), per_page=LOG_PAGE_SIZE, error_out=False, count=False)
    # Counting past the cap would read every matching row (a million unfiltered); past it the
    # page says "more than", the pager stops at the cap, and the dates or the CSV reach the rest.
    counted = queries.capped_count(query, LOG_COUNT_CAP + 1)
    pagination.total = min(counted, LOG_COUNT_CAP)
    return render_template(
        "admin/audit_log.html",
        form=form,
        pagination=pagination,
        log_filter=log_filter,
        more_than_cap=counted > LOG_COUNT_CAP,
    )


@bp.get("/audit.csv")
@admin_only
def audit_log_csv():
    """Every row matching the filters as CSV, before/after as JSON text."""
    form = _filter_form()
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, pagination=None, log_filter=None), 400
    rows = queries.log_rows(form.to_filter())
    return csv_response("audit-log.csv", CSV_HEADER, (_csv_row(entry) for entry in rows))


def _csv_row(entry: sa.Row) -> tuple:
    """One CSV line of an audit row read as plain columns (`queries.CSV_COLUMNS`)."""
    return (
        entry.id,
        entry.at.isoformat(),
        entry.actor_label,
        entry.actor_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        json.dumps(entry.before, ensure_ascii=False, sort_keys=True) if entry.before else "",
        json.dumps(entry.after, ensure_ascii=False, sort_keys=True) if entry.after else "",
        entry.reason or "",
        entry.ip_address or "",
    )
