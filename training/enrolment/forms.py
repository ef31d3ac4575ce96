"""Enrolment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length


class EnrolForm(FlaskForm):
    acknowledge = BooleanField(_l("I have read the prerequisites and I meet them"))
    submit = SubmitField(_l("Confirm my enrolment"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Cancel my enrolment"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason (sent to the learner and kept in the audit log)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Confirm"))
