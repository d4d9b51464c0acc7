"""The fields of one update to one action, shared by the action page and the locality return."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import SIGN_OFF_ONLY, TEXT_LIMIT, TRANSITIONS
from tracker.http.edge import INTEGER_MAX
from tracker.web.evidence.forms import NewEvidenceFields

RAG_CHOICES = [SelectChoice("", "None (only for a closed action)")] + [
    SelectChoice(r.value, r.value.capitalize()) for r in Rag
]
# The version a form was drawn at: a number the tracker wrote (INTEGER bounds it).
STALE_FORM = "The form is out of date: reload the page and make your changes again"


def version_field() -> IntegerField:
    return IntegerField(
        widget=HiddenInput(),
        validators=[
            InputRequired(message=STALE_FORM),
            NumberRange(min=1, max=INTEGER_MAX, message=STALE_FORM),
        ],
    )


LIFECYCLE_CHOICES = [SelectChoice(s.value, s.label) for s in Lifecycle]
IMPACT_CHOICES = [SelectChoice(i.value, i.label) for i in Impact]


def lifecycle_choices(current: Lifecycle, can_sign_off: bool) -> list[SelectChoice]:
    """Only the moves this person may make from the current lifecycle, current first."""
    allowed = TRANSITIONS[current] | {current}
    if not can_sign_off:
        allowed -= SIGN_OFF_ONLY - {current}
    return [SelectChoice(s.value, s.label) for s in Lifecycle if s in allowed]


class UpdateFields(Form):
    version = version_field()
    summary = TextAreaField(
        "Progress summary",
        widget=GovTextArea(),
        description="What has happened since the last update. Never name or describe a child.",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    confirm_unchanged = BooleanField(
        "No change this cycle: keep the same summary", widget=GovCheckboxInput()
    )
    rag = SelectField("RAG (delivery confidence)", choices=RAG_CHOICES, widget=GovSelect())
    lifecycle = SelectField("Lifecycle", choices=LIFECYCLE_CHOICES, widget=GovSelect())
    impact = SelectField("Impact", choices=IMPACT_CHOICES, widget=GovSelect())
    reason = TextAreaField(
        "Reason for the change",
        widget=GovTextArea(),
        description="Needed whenever the RAG rating or lifecycle changes.",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    evidence = TextAreaField(
        "Evidence",
        widget=GovTextArea(),
        description="Needed to mark the action complete: what shows it is done, such as an audit. "
        "A description, not proof: add the file or link below.",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )


class ActionUpdateForm(FlaskForm, UpdateFields, NewEvidenceFields):
    superseded_by = StringField(
        "Replaced by (when superseding)",
        widget=GovTextInput(),
        description="Chairs only: the ref of the open action that replaces this one, for example "
        "AP-012. Needed to mark the action superseded.",
        validators=[Optional(), Length(max=32)],
    )
    override_prerequisites = BooleanField(
        "Close even though a prerequisite is not closed (chairs only; give the reason above)",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save update", widget=GovSubmitInput())


class ReturnEntryForm(UpdateFields, NewEvidenceFields):
    ref = HiddenField()


class DependencyForm(FlaskForm):
    prerequisite = StringField(
        "Add a prerequisite",
        widget=GovTextInput(),
        description="The ref of an action this one depends on, for example AP-012.",
        validators=[InputRequired(message="Enter the ref of an action"), Length(max=32)],
    )
    submit = SubmitField("Add dependency", widget=GovSubmitInput())


class RemoveDependencyForm(FlaskForm):
    prerequisite = HiddenField(validators=[InputRequired(), Length(max=32)])


class SignOffForm(FlaskForm):
    version = version_field()
    decision = RadioField(
        "Your decision",
        choices=[
            SelectChoice("close", "Sign off: close with evidence"),
            SelectChoice("return", "Return to the lead: more work or evidence is needed"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether to sign off or return the action")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Recorded in the action's history.",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    override_prerequisites = BooleanField(
        "Close even though a prerequisite is not closed (say why in the reason)",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())
