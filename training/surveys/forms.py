"""The satisfaction survey form: four ratings from 1 to 5 and an optional comment."""

from __future__ import annotations

from flask_babel import LazyString, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from training.surveys.models import RATING_FIELDS
from training.surveys.services import COMMENT_MAX

SCALE = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neither satisfied nor dissatisfied"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}

# Short names of the questions, for the results tables.
QUESTION_NAMES = {
    "overall": _l("Overall"),
    "content": _l("Content"),
    "trainer": _l("Trainers"),
    # "Organisation" is also a person's employer: the context keeps the two translations apart.
    "organisation": lazy_pgettext("survey question: how the training was organised", "Organisation"),
}

CHOOSE_A_RATING = _l("Choose one answer, from 1 (very dissatisfied) to 5 (very satisfied).")


def rating_field(question) -> RadioField:
    """A required 1-to-5 rating; anything else (missing, 0, 6, text) gets the same plain message."""
    # Lazy labels: the choices are built once, at import, but read in each request's language.
    choices = [SelectChoice(n, LazyString(lambda n=n, label=label: f"{n} · {label}")) for n, label in SCALE.items()]
    return RadioField(
        question,
        coerce=int,
        choices=choices,
        validators=[InputRequired(message=CHOOSE_A_RATING)],
        invalid_value_message=CHOOSE_A_RATING,
        invalid_choice_message=CHOOSE_A_RATING,
    )


class SurveyForm(FlaskForm):
    overall = rating_field(_l("Overall, how satisfied are you with this training?"))
    content = rating_field(_l("How satisfied are you with its content: did it meet the objectives announced?"))
    trainer = rating_field(_l("How satisfied are you with the trainers?"))
    organisation = rating_field(_l("How satisfied are you with the organisation: information, place, schedule?"))
    comment = TextAreaField(
        _l("Anything you would like to add? (optional)"),
        description=_l("What worked, what to improve. At most %(max)d characters.", max=COMMENT_MAX),
        validators=[
            Length(max=COMMENT_MAX, message=_l("The comment is limited to %(max)d characters.", max=COMMENT_MAX))
        ],
        render_kw={"maxlength": COMMENT_MAX, "rows": 5},
    )
    submit = SubmitField(_l("Send my answers"))

    def ratings(self) -> dict[str, int]:
        """The four ratings, by question."""
        return {name: getattr(self, name).data for name in RATING_FIELDS}
