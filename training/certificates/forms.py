"""Verification and revocation forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import StringField, SubmitField
from wtforms.validators import Length


class VerifyForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        validators=[Length(max=64)],
        description=_l("Printed under the QR code of the certificate."),
    )
    document = FileField(
        _l("…or the certificate's PDF file"), validators=[FileAllowed(["pdf"], _l("Choose a PDF file."))]
    )
    submit = SubmitField(_l("Verify"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Revoke"))
