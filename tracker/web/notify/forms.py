"""How a person is told, and the Follow buttons: each a form with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from tracker.services.notify import PREFERENCE_LABELS


class PreferenceForm(FlaskForm):
    preference = RadioField(
        "How do you want to be told of decisions and of changes to actions you follow?",
        choices=[SelectChoice(value, label) for value, label in PREFERENCE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose how you want to be told")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class FollowForm(FlaskForm):
    """Follow or stop following; the hidden field makes an empty POST a 400."""

    confirm = HiddenField(default="yes", validators=[InputRequired(message="Confirm")])
