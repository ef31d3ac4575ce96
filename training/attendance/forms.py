"""Roll-call forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from training.attendance.models import MarkStatus


class MarkForm(FlaskForm):
    status = RadioField(_l("Attendance"), choices=[SelectChoice(s.value, s.label) for s in MarkStatus],
                        validators=[InputRequired(message=_l("Choose present, late, absent or excused."))])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])


class ButtonForm(FlaskForm):
    """A POST button: only the CSRF token."""

    submit = SubmitField()
