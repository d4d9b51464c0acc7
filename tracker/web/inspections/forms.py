"""The day the action plan was sent to Ofsted."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.domain.dates import parse_day
from tracker.web.form_helpers import no_nul


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def a_day(form, field) -> None:
    try:
        field.day = parse_day(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class PlanSentForm(FlaskForm):
    submitted_on = StringField(
        "Date the action plan was sent to Ofsted",
        widget=GovTextInput(),
        filters=[_strip],
        description="For example, 27/3/2025 or 27 March 2025",
        validators=[
            InputRequired(message="Enter the date the action plan was sent to Ofsted"),
            Length(max=40, message="Enter a date like 27 March 2025"),
            no_nul,
            a_day,
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
