"""Back-office forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from training.accounts.models import Role
from training.catalogue.models import Course, CourseFormat, CourseStatus, Level, Track
from training.catalogue.services import AFTERNOON, COURSE_FIELDS, MORNING, PARIS, half_day_slots, paris_to_utc
from training.enrolment.forms import ReasonForm


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        _l("Roles"),
        choices=Role.choices,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validators=[InputRequired(message=_l("Choose at least one role."))],
    )
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save the roles"))


class DeactivateForm(FlaskForm):
    reason = StringField(
        _l("Reason (kept in the audit log)"),
        validators=[DataRequired(message=_l("Say why the account is deactivated.")), Length(max=500)],
    )
    submit = SubmitField(_l("Deactivate the account"))


class ReactivateForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Reactivate the account"))


def add_domain_error(form: FlaskForm, error) -> None:
    """Show a refusal next to the field it names, or above the form when it names none of its fields."""
    field = getattr(form, error.field, None) if getattr(error, "field", None) else None
    if field is not None and hasattr(field, "errors") and isinstance(field.errors, list):
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


# ---------------------------------------------------------------- courses

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]
TEXT = {"rows": 3}


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l(
            "Used in the address of the course page: lowercase letters, digits and hyphens, e.g. aav-vector-design."
        ),
    )
    track = SelectField(_l("Track"), choices=Track.choices)
    level = SelectField(_l("Level"), choices=Level.choices)
    language = SelectField(_l("Language of the course"), choices=LANGUAGE_CHOICES)
    format = SelectField(_l("Format"), choices=CourseFormat.choices)
    summary = TextAreaField(_l("Summary"), validators=[DataRequired()], render_kw=TEXT)
    objectives = TextAreaField(
        _l("Objectives"), validators=[DataRequired()], render_kw={"rows": 4}, description=_l("One objective per line.")
    )
    prerequisites = TextAreaField(_l("Prerequisites"), render_kw=TEXT)
    audience = TextAreaField(_l("Audience"), render_kw=TEXT)
    duration_hours = DecimalField(
        _l("Duration (hours)"), places=2, validators=[InputRequired(), NumberRange(min=Decimal("0.5"), max=9999)]
    )
    price_eur = DecimalField(
        _l("Price (euros)"),
        places=2,
        default=Decimal("0"),
        validators=[InputRequired(), NumberRange(min=0, max=99_999_999)],
        description=_l("0 for a course offered free of charge."),
    )
    teaching_methods = TextAreaField(_l("Teaching methods"), render_kw=TEXT)
    assessment = TextAreaField(_l("How learners are assessed"), render_kw=TEXT)
    accessibility = TextAreaField(_l("Accessibility for disabled people"), render_kw=TEXT)
    contact = StringField(
        _l("Contact"),
        validators=[Length(max=320)],
        description=_l("Who answers questions about this course (email or phone)."),
    )
    access_delay = StringField(
        _l("Access delay"),
        validators=[Length(max=200)],
        description=_l("How soon a learner can start, e.g. “Enrolment closes 7 days before the session”."),
    )
    attendance_percent = IntegerField(
        _l("Attendance needed for the certificate (%)"),
        default=80,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    submit = SubmitField(_l("Save the course"))

    @classmethod
    def for_course(cls, course: Course) -> CourseForm:
        """The form filled with a course's values, to edit it."""
        data = {name: getattr(course, name) for name in COURSE_FIELDS if name != "attendance_threshold"}
        data.update({name: data[name].value for name in ("track", "level", "format")})
        return cls(data={**data, "attendance_percent": int(course.attendance_threshold * 100)})

    def course_fields(self) -> dict:
        """The submitted values, named as `create_course` and `update_course` expect them."""
        values = {name: self[name].data for name in COURSE_FIELDS if name != "attendance_threshold"}
        for name in (
            "prerequisites",
            "audience",
            "teaching_methods",
            "assessment",
            "accessibility",
            "contact",
            "access_delay",
        ):
            values[name] = values[name] or ""
        values["attendance_threshold"] = Decimal(self.attendance_percent.data) / 100
        return values


class CourseStatusForm(FlaskForm):
    """The publish, unpublish and archive buttons: each sends its status."""

    status = SelectField(choices=[s.value for s in CourseStatus], validators=[InputRequired()])


# ---------------------------------------------------------------- sessions

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
ENROLMENT_DAYS_BEFORE, CANCELLATION_DAYS_BEFORE = 7, 3


class SessionFieldsMixin:
    place = StringField(
        _l("Place"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("Building and room, or the address of the video call."),
    )
    capacity = IntegerField(_l("Capacity (learners)"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    trainers = SelectMultipleField(
        _l("Trainers"),
        coerce=int,
        choices=[],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    approval_required = BooleanField(_l("Enrolments need the training office's approval"))
    what_to_bring = TextAreaField(_l("What to bring"), render_kw=TEXT)

    def set_trainers(self, users) -> None:
        """Offer these users as trainers (people holding the trainer role, and the session's own)."""
        self.trainer_users = {user.id: user for user in users}
        self.trainers.choices = [SelectChoice(user.id, user.name) for user in users]

    def session_fields(self) -> dict:
        """Place, capacity, trainers (users), approval rule and what to bring, as the services expect them."""
        return {
            "place": self.place.data,
            "capacity": self.capacity.data,
            "trainers": [self.trainer_users[i] for i in self.trainers.data or []],
            "approval_required": self.approval_required.data,
            "what_to_bring": self.what_to_bring.data or "",
        }


FIRST_YEAR, LAST_YEAR = 2000, 2100


def in_calendar(form, field) -> None:
    """Dates of the training calendar only: year 1 or 9999 is a typing slip, and a 500 in time zone maths."""
    value = field.data
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def _deadline(label, required: bool, description=None) -> DateTimeLocalField:
    validators = [InputRequired(), in_calendar] if required else [Optional(), in_calendar]
    return DateTimeLocalField(label, format=DATETIME_FORMATS, tz=PARIS, validators=validators, description=description)


class SessionForm(SessionFieldsMixin, FlaskForm):
    enrolment_deadline = _deadline(_l("Enrolment deadline (Paris time)"), True)
    cancellation_deadline = _deadline(
        _l("Cancellation deadline (Paris time)"), True, _l("Until then a learner may cancel their enrolment.")
    )
    submit = SubmitField(_l("Save the session"))

    def session_fields(self) -> dict:
        """Every editable field of the session, deadlines in UTC."""
        return {
            **super().session_fields(),
            "enrolment_deadline": _utc(self.enrolment_deadline.data),
            "cancellation_deadline": _utc(self.cancellation_deadline.data),
        }


class NewSessionForm(SessionFieldsMixin, FlaskForm):
    first_day = DateField(_l("First day"), validators=[InputRequired(), in_calendar])
    last_day = DateField(
        _l("Last day"),
        validators=[InputRequired(), in_calendar],
        description=_l("Past dates are accepted, to record a session held before."),
    )
    morning = BooleanField(_l("Hold the mornings"), default=True)
    morning_start = TimeField(_l("Morning starts"), default=MORNING[0], validators=[Optional()])
    morning_end = TimeField(_l("Morning ends"), default=MORNING[1], validators=[Optional()])
    afternoon = BooleanField(_l("Hold the afternoons"), default=True)
    afternoon_start = TimeField(_l("Afternoon starts"), default=AFTERNOON[0], validators=[Optional()])
    afternoon_end = TimeField(_l("Afternoon ends"), default=AFTERNOON[1], validators=[Optional()])
    weekends = BooleanField(_l("Include Saturdays and Sundays"))
    enrolment_deadline = _deadline(
        _l("Enrolment deadline (Paris time)"), False, _l("Leave empty for 7 days before the first day, at 23:59.")
    )
    cancellation_deadline = _deadline(
        _l("Cancellation deadline (Paris time)"), False, _l("Leave empty for 3 days before the first day, at 23:59.")
    )
    submit = SubmitField(_l("Schedule the session"))

    def validate(self, extra_validators=None) -> bool:
        """Besides each field: at least one half of the day, and both times of each half ticked."""
        valid = super().validate(extra_validators)
        if not (self.morning.data or self.afternoon.data):
            self.form_errors.append(_("Tick the mornings, the afternoons or both."))
            return False
        for half in ("morning", "afternoon"):
            for end in ("start", "end"):
                field = self[f"{half}_{end}"]
                if self[half].data and field.data is None:
                    field.errors.append(_("Give a time."))
                    valid = False
        return valid

    def slots(self) -> list:
        """The half-days of the date range; may raise SchedulingError (a last day before the first)."""
        morning = (self.morning_start.data, self.morning_end.data) if self.morning.data else None
        afternoon = (self.afternoon_start.data, self.afternoon_end.data) if self.afternoon.data else None
        return half_day_slots(self.first_day.data, self.last_day.data, morning, afternoon, self.weekends.data)

    def session_fields(self) -> dict:
        """Every field of the new session but its slots; empty deadlines get their defaults."""
        first_day = self.first_day.data
        return {
            **super().session_fields(),
            "enrolment_deadline": _utc(self.enrolment_deadline.data) or _evening(first_day, ENROLMENT_DAYS_BEFORE),
            "cancellation_deadline": _utc(self.cancellation_deadline.data)
            or _evening(first_day, CANCELLATION_DAYS_BEFORE),
        }


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _evening(first_day: date, days_before: int) -> datetime:
    return paris_to_utc(first_day - timedelta(days=days_before), time(23, 59))


class SlotForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(), in_calendar])
    starts = TimeField(_l("Starts"), validators=[InputRequired()])
    ends = TimeField(_l("Ends"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))

    @classmethod
    def for_slot(cls, slot) -> SlotForm:
        """The form of one slot of the table, filled with its Paris wall-clock times."""
        start, end = slot.starts_at.astimezone(PARIS), slot.ends_at.astimezone(PARIS)
        return cls(formdata=None, day=start.date(), starts=start.time(), ends=end.time())

    def times(self) -> tuple:
        """The slot's start and end as aware UTC datetimes."""
        return paris_to_utc(self.day.data, self.starts.data), paris_to_utc(self.day.data, self.ends.data)


class DuplicateSessionForm(FlaskForm):
    first_day = DateField(_l("First day of the new session"), validators=[InputRequired(), in_calendar])
    submit = SubmitField(_l("Duplicate the session"))


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give the reason: the learners will read it.")), Length(max=2000)],
        render_kw=TEXT,
        description=_l("Sent to every enrolled learner."),
    )
    submit = SubmitField(_l("Cancel the session and tell the learners"))


# ---------------------------------------------------------------- enrolments


class DecisionReasonForm(ReasonForm):
    """Decline or cancel an enrolment: the reason is required, the learner receives it."""

    reason = StringField(
        ReasonForm.reason.args[0],
        validators=[DataRequired(message=_l("Give the reason: the learner receives it.")), Length(max=500)],
    )


class EnrolOnBehalfForm(FlaskForm):
    # Own ids: the session page also shows the cancel-the-session form, whose field is `reason`.
    email = EmailField(
        _l("Learner's email"),
        id="enrol-email",
        validators=[DataRequired(), Length(max=320)],
        filters=[lambda value: (value or "").strip().lower()],
    )
    reason = StringField(
        _l("Reason (kept in the audit log)"),
        id="enrol-reason",
        validators=[Length(max=500)],
        description=_l("Optional, e.g. “phone request” or “walk-in”."),
    )
    submit = SubmitField(_l("Enrol this learner"))
