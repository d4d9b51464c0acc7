"""Forms for changing the plan: add an action, edit one, ask for a new target date, decide."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.domain.dates import parse_day
from tracker.domain.plan_changes import TITLE_LIMIT
from tracker.domain.updates import TEXT_LIMIT
from tracker.web.form_helpers import no_nul

REASON_HINT = "Kept in the action's history with your name. Never name or describe a child."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DayField(StringField):
    """A date typed as people type them (27/3/2025, 27 March 2025, 2025-03-27)."""

    day = None

    def pre_validate(self, form) -> None:
        self.day = None
        if self.data:
            try:
                self.day = parse_day(self.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None


def _lead_choice(value) -> str:
    text = "" if value in (None, "None") else str(value)
    return text if text == "" or (text.isdigit() and len(text) <= 9) else "x"


class PlanEntryFields(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired(message="Enter a title"), Length(max=TITLE_LIMIT), no_nul],
    )
    description = TextAreaField(
        "Description", widget=GovTextArea(), validators=[Optional(), Length(max=TEXT_LIMIT), no_nul]
    )
    lead = SelectField("Lead", coerce=_lead_choice, default="", widget=GovSelect())
    lead_organisation = SelectField(
        "Lead organisation",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the lead organisation")],
    )
    partners = SelectMultipleField("Partners", widget=GovCheckboxesInput(), validate_choice=True)
    success_measure = TextAreaField(
        "Success measure",
        widget=GovTextArea(),
        description="How everyone will know the action has worked, with a number if there is one.",
        validators=[Optional(), Length(max=TEXT_LIMIT), no_nul],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description=REASON_HINT,
        validators=[Optional(), Length(max=TEXT_LIMIT), no_nul],
    )

    def fill_choices(self, people, organisations) -> None:
        self.lead.choices = [SelectChoice("", "Not set")] + [
            SelectChoice(str(p.id), p.name + (f", {p.job_title}" if p.job_title else ""))
            for p in people
        ]
        orgs = [SelectChoice(o.code, o.name) for o in organisations]
        self.lead_organisation.choices = [SelectChoice("", "Choose an organisation"), *orgs]
        self.partners.choices = orgs


class AddActionForm(PlanEntryFields):
    recommendation = SelectField(
        "Recommendation",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the recommendation this action answers")],
    )
    start_date = DayField(
        "Start date",
        widget=GovTextInput(),
        description="For example, 27/3/2025. Leave empty if it is not agreed yet.",
        validators=[Optional(), Length(max=40)],
    )
    target_date = DayField(
        "Target date",
        widget=GovTextInput(),
        description="For example, 27/3/2025.",
        validators=[InputRequired(message="Enter a target date"), Length(max=40)],
    )
    submit = SubmitField("Add the action", widget=GovSubmitInput())

    def fill_recommendations(self, recommendations) -> None:
        self.recommendation.choices = [SelectChoice("", "Choose a recommendation")] + [
            SelectChoice(ref, f"{ref}: {title}") for ref, title in recommendations
        ]


class EditActionForm(PlanEntryFields):
    plan_version = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=2_147_483_647)]
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class DateRequestForm(FlaskForm):
    new_date = DayField(
        "New target date",
        widget=GovTextInput(),
        description="For example, 27/3/2025.",
        validators=[InputRequired(message="Enter the new target date"), Length(max=40)],
    )
    reason = TextAreaField(
        "Why the date needs to move",
        widget=GovTextArea(),
        description="A chair reads this to decide. " + REASON_HINT,
        validators=[Optional(), Length(max=TEXT_LIMIT), no_nul],
    )
    submit = SubmitField("Send the request", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=[
            SelectChoice("approve", "Approve: move the target date"),
            SelectChoice("refuse", "Refuse: keep the current target date"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether to approve or refuse the request")],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description="Needed when you refuse. Kept in the action's history with your name.",
        validators=[Optional(), Length(max=TEXT_LIMIT), no_nul],
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class SupersedeForm(FlaskForm):
    version = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=2_147_483_647)]
    )
    superseded_by = StringField(
        "The action that replaces it",
        widget=GovTextInput(),
        filters=[_strip],
        description="The ref of an open action, for example AP-012.",
        validators=[
            InputRequired(message="Name the action that replaces this one"),
            Length(max=32),
        ],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description=REASON_HINT,
        validators=[Optional(), Length(max=TEXT_LIMIT), no_nul],
    )
    submit = SubmitField("Mark as superseded", widget=GovSubmitInput())
