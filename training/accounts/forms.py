"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from training.accounts.models import LearnerCategory
from training.accounts.passwords import MAX_LENGTH

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class EmailMixin:
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")), Length(max=320)]
    )


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ProfileFieldsMixin:
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    category = SelectField(
        _l("Situation"),
        choices=LearnerCategory.choices,
        description=_l("Used for the yearly training report (BPF) filed with the French administration."),
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class SignUpForm(ProfileFieldsMixin, EmailMixin, FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 10 characters; a few unrelated words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    next = HiddenField()
    submit = SubmitField(_l("Create my account"))


class ForgotPasswordForm(EmailMixin, FlaskForm):
    submit = SubmitField(_l("Send me a link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("At least 10 characters; a few unrelated words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Save the password"))


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))]
    )
    submit = SubmitField(_l("Change the password"))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What the token is for, e.g. “CRM synchronisation”."),
    )
    days = SelectField(
        _l("Valid for"),
        default="90",
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("one year")),
        ],
    )
    scopes = SelectField(
        _l("Access"),
        default="read write",
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("read write", _l("Read and write"))],
    )
    submit = SubmitField(_l("Create a token"))


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (sign out, revoke): only the CSRF token."""

    submit = SubmitField()
