"""Back-office forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.validators import InputRequired, Length

from training.accounts.models import ROLE_LABELS, Role


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        _l("Roles"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validators=[InputRequired(message=_l("Choose at least one role."))],
    )
    reason = StringField(_l("Reason (kept in the audit log)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save the roles"))
