"""How a person is told, and the Follow buttons: each a form with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from tracker.domain.calendar_feed import REMINDER_CHOICES
from tracker.services.mail.notify import PREFERENCE_LABELS


class PreferenceForm(FlaskForm):
    preference = RadioField(
        "How do you want to be told of decisions and of changes to actions you follow?",
        choices=[SelectChoice(value, label) for value, label in PREFERENCE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose how you want to be told")],
    )
    # Checked by the service (a value it does not know is refused in words); left out, it is kept.
    reminder = RadioField(
        "When should your calendar remind you of a deadline?",
        choices=[SelectChoice(str(days), label) for days, label in REMINDER_CHOICES.items()],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class FollowForm(FlaskForm):
    """Follow or stop following; the hidden field makes an empty POST a 400."""

    confirm = HiddenField(default="yes", validators=[InputRequired(message="Confirm")])
