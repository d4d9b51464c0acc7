"""The day the action plan was sent to Ofsted; an inspection event with its findings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.domain.dates import parse_day
from tracker.domain.frameworks import FRAMEWORKS, Framework
from tracker.domain.inspection_events import LEAD_BODIES, MAX_FINDINGS
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


# Inspection events (issue 20.3): the administrator's form for one event and its findings.
DATE_HINT = "For example, 27/3/2025 or 27 March 2025"
FINDING_ROWS = 1  # blank rows drawn under the findings: "Add another finding" adds one more


def _date_field(label: str, hint: str = DATE_HINT) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[_strip],
        description=hint,
        validators=[Length(max=40, message="Enter a date like 27 March 2025"), no_nul],
    )


class FindingFields(Form):
    finding_id = HiddenField()
    kind = SelectField("Kind of finding", widget=GovSelect(), validate_choice=False)
    ref = StringField(
        "Ref",
        widget=GovTextInput(),
        filters=[_strip],
        description="For example REC2, APA1 or AFI2",
        validators=[Length(max=40), no_nul],
    )
    title = StringField(
        "Title", widget=GovTextInput(), filters=[_strip], validators=[Length(max=400), no_nul]
    )
    text = TextAreaField(
        "What the report says",
        widget=GovTextArea(),
        validators=[Length(max=8000), no_nul],
    )
    judgement_area = StringField(
        "Area or theme",
        widget=GovTextInput(),
        filters=[_strip],
        description="Optional",
        validators=[Length(max=400), no_nul],
    )
    lead_body = SelectField(
        "Who leads on it",
        widget=GovSelect(),
        choices=[SelectChoice(k, v) for k, v in LEAD_BODIES.items()],
        validate_choice=False,
    )
    actions = StringField(
        "Further actions answering it",
        widget=GovTextInput(),
        filters=[_strip],
        description=(
            "Refs of actions from any plan, separated by commas or spaces. Actions already "
            "listed under this finding answer it anyway."
        ),
        validators=[Length(max=2000), no_nul],
    )

    @property
    def is_blank(self) -> bool:
        typed = (self.ref, self.title, self.text, self.judgement_area, self.actions)
        return not self.finding_id.data and not any((f.data or "").strip() for f in typed)


class EventForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[_strip],
        description="How the board will know it, for example: Focused visit, front door",
        validators=[Length(max=400), no_nul],
    )
    local_authority = StringField(
        "Local authority or area inspected",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Length(max=400), no_nul],
    )
    started_on = _date_field("First day on site", "Optional. " + DATE_HINT)
    ended_on = _date_field("Last day on site", "Optional. " + DATE_HINT)
    report_received = _date_field("Report or letter received", "Optional. " + DATE_HINT)
    report_published = _date_field("Report or letter published")
    findings = FieldList(FormField(FindingFields), min_entries=0, max_entries=MAX_FINDINGS + 1)
    add_finding = SubmitField("Add another finding", widget=GovSubmitInput())
    submit = SubmitField("Save the inspection", widget=GovSubmitInput())

    @property
    def judgement_fields(self) -> list:
        return [field for field in self if field.name.startswith("judgement_")]


def event_form_class(framework: Framework) -> type[EventForm]:
    """The event form for one framework: a grade to choose for each of its judgement areas
    (none for a visit), and its kinds of finding offered on each row."""

    class FrameworkEventForm(EventForm):
        pass

    for n, area in enumerate(framework.areas):
        choices = [SelectChoice("", "Not judged")] + [SelectChoice(g, g) for g in framework.grades]
        setattr(
            FrameworkEventForm,
            f"judgement_{n}",
            SelectField(area, widget=GovSelect(), choices=choices, validate_choice=False),
        )
    return FrameworkEventForm


def kind_choices(framework: Framework) -> list[SelectChoice]:
    return [SelectChoice(k.value, k.label) for k in framework.finding_kinds]


class FrameworkForm(FlaskForm):
    """Another kind of inspection or visit for an event already recorded."""

    framework = RadioField(
        "What kind of inspection or visit was it?",
        choices=[SelectChoice(f.code, f.name) for f in FRAMEWORKS.values()],
        description="Its judgements, the kinds of finding it makes and when its action plan is due "
        "follow from this.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the kind of inspection or visit")],
    )
    submit = SubmitField("Change the kind", widget=GovSubmitInput())
