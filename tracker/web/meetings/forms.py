"""Recording a meeting: the kind, the date, who was there, the notes, decisions and follow-ups."""

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
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from tracker.domain.meetings import (
    LINE_LIMIT,
    MAX_FOLLOW_UPS,
    NOTES_LIMIT,
    MeetingKind,
    kind_labels,
)
from tracker.domain.setup import Words
from tracker.web.form_helpers import no_nul

NO_CHILD_DATA = "Never name or describe a child."
FOLLOW_UP_ROWS = 1  # rows drawn at first: "Add another follow-up" adds one at a time
DATE_HINT = "For example, 27/3/2025 or 27 March 2025."


class FollowUpFields(Form):
    text = StringField(
        "What is to be done",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=LINE_LIMIT), no_nul],
    )
    assignee = SelectField("Who will do it", widget=GovSelect(), validate_choice=False)
    due_on = StringField(
        "Due by", widget=GovTextInput(), description=DATE_HINT, validators=[Length(max=40)]
    )

    @property
    def is_blank(self) -> bool:
        return not ((self.text.data or "").strip() or self.assignee.data or self.due_on.data)


class MeetingForm(FlaskForm):
    key = HiddenField()
    kind = RadioField(
        "Which meeting was it?",
        # In the organisation's words: `name_kinds` fills them in for each request.
        choices=[SelectChoice(k.value, k.value) for k in MeetingKind],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    held_on = StringField(
        "Date of the meeting",
        widget=GovTextInput(),
        description=DATE_HINT,
        validators=[Length(max=40)],
    )
    chair = SelectField("Chair", widget=GovSelect(), validate_choice=False)
    attendees = SelectMultipleField(
        "Who attended (people in the tracker)",
        widget=GovCheckboxesInput(),
        description="Select everyone who attended. The chair need not be selected again.",
        validate_choice=False,
    )
    other_attendees = TextAreaField(
        "Other attendees",
        widget=GovTextArea(),
        description="Anyone else, with their role, such as a partner's deputy. Optional.",
        validators=[Optional(), Length(max=LINE_LIMIT), no_nul],
    )
    notes = TextAreaField(
        "Notes",
        widget=GovTextArea(),
        description="What was discussed. " + NO_CHILD_DATA,
        validators=[Optional(), Length(max=NOTES_LIMIT), no_nul],
    )
    decisions = TextAreaField(
        "Decisions",
        widget=GovTextArea(),
        description="One decision on each line. " + NO_CHILD_DATA,
        validators=[Optional(), Length(max=NOTES_LIMIT), no_nul],
    )
    # One past the cap is read, so that a form sent with too many is refused, never cut short.
    follow_ups = FieldList(
        FormField(FollowUpFields), min_entries=FOLLOW_UP_ROWS, max_entries=MAX_FOLLOW_UPS + 1
    )
    add_follow_up = SubmitField("Add another follow-up", widget=GovSubmitInput())
    submit = SubmitField("Record the meeting and freeze the plan", widget=GovSubmitInput())
    # Offered only after the warning that nobody is recorded as attending.
    save_without_attendees = SubmitField("Save without attendees", widget=GovSubmitInput())

    @property
    def may_add_follow_up(self) -> bool:
        return len(self.follow_ups) < MAX_FOLLOW_UPS

    def name_kinds(self, words: Words) -> None:
        """The kinds of meeting offered, in the organisation's words."""
        self.kind.choices = [
            SelectChoice(k.value, label) for k, label in kind_labels(words).items()
        ]


class FollowUpDoneForm(FlaskForm):
    """Marks one follow-up done (or not done after all): a button, no fields to fill."""

    done = HiddenField()


class PackNoteForm(FlaskForm):
    """A meeting pack's covering note: the rules (blank, length, control characters, personal
    data) are the domain's (tracker.domain.packs.check_note), the same on every database."""

    note = TextAreaField(
        "Covering note",
        widget=GovTextArea(),
        description=(
            "The paper's narrative for the board: where the plan stands, what has changed and "
            "what the board is asked to note or decide. Saving keeps the earlier versions. "
            + NO_CHILD_DATA
        ),
    )
    submit = SubmitField("Save the covering note", widget=GovSubmitInput())
