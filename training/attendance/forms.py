"""Roll-call forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from training.attendance.models import MarkStatus


class MarkForm(FlaskForm):
    status = RadioField(
        _l("Attendance"),
        choices=MarkStatus.choices,
        validators=[InputRequired(message=_l("Choose present, late, absent or excused."))],
    )
    note = StringField(_l("Note"), validators=[Length(max=500)])
    reason = StringField(_l("Reason for the change"), validators=[Length(max=500)])


class ButtonForm(FlaskForm):
    """A POST button: only the CSRF token."""

    submit = SubmitField()


class SignatureForm(FlaskForm):
    """A learner's signature: the strokes drawn in the pad (filled by static/js/signature.js), or their typed name."""

    drawing = HiddenField(validators=[Length(max=20_000)])
    typed_name = StringField(_l("Or type your full name"), validators=[Length(max=200)])


class TrainerDeviceSignatureForm(SignatureForm):
    """The same, on the trainer's device: the learner types their own password (21 CFR 11.200)."""

    password = PasswordField(_l("Your password"), validators=[InputRequired(message=_l("Type your password."))])


class SignOffForm(FlaskForm):
    """The trainer's sign-off of a half-day: their password again, as a signature."""

    password = PasswordField(
        _l("Your password, to sign"), validators=[InputRequired(message=_l("Type your password to sign the roll off."))]
    )
