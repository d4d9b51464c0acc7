"""The admin's set-up forms (issue 20.2): the update rhythm, the self-evaluation, chasing and
the meetings' usual days."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.domain.sef import SECTIONS
from tracker.domain.setup import (
    EVERY,
    HEADING_LIMIT,
    HINT_LIMIT,
    LONGEST_MEETING,
    MAX_OWN_SECTIONS,
    MEETING_KINDS,
    WEEKDAYS,
    WEEKS_OF_MONTH,
)
from tracker.web.admin.forms import DayMonthYearField
from tracker.web.form_helpers import no_nul


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RhythmForm(FlaskForm):
    every = RadioField(
        "How often are returns due?",
        choices=[SelectChoice(k, v) for k, v in EVERY.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose how often returns are due")],
    )
    starts_on = DayMonthYearField(
        "From which date?",
        what="the date the new rhythm starts",
        description="It applies from the next cycle: the cycle in progress keeps its due date.",
    )
    due_weekday = SelectField(
        "On which weekday are returns due?",
        choices=[SelectChoice(str(i), d.title()) for i, d in enumerate(WEEKDAYS)],
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the weekday returns are due")],
    )
    due_time = StringField(
        "At what time (London)?",
        description="24-hour clock, for example 12:00 or 16:30",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired(message="Enter the time returns are due"), Length(max=5), no_nul],
    )
    submit = SubmitField("Save the new rhythm", widget=GovSubmitInput())


class SelfEvaluationForm(FlaskForm):
    enabled = BooleanField(
        "Ask each area's head for a monthly self-evaluation", widget=GovCheckboxInput()
    )
    first_month = StringField(
        "First month asked for",
        description="Year and month, for example 2025-04",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired(message="Enter the first month"), Length(max=7), no_nul],
    )
    due_working_day = IntegerField(
        "Due on which working day of the month?",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the working day, a number from 1 to 15"),
            NumberRange(1, 15, message="The working day must be between 1 and 15"),
        ],
    )
    sections = SelectMultipleField(
        "Focused sections asked for",
        choices=[SelectChoice(name, label) for name, label, _ in SECTIONS],
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def own_slots(self) -> list[tuple[int, str, str]]:
        """The council's own sections typed: (place 1 to 6, heading, hint), empty places left
        out; clearing a place's heading and hint removes its section."""
        out = []
        for number in range(1, MAX_OWN_SECTIONS + 1):
            heading = getattr(self, f"heading_{number}").data or ""
            hint = getattr(self, f"hint_{number}").data or ""
            if heading or hint:
                out.append((number, heading, hint))
        return out


# The council's own sections: six places, a heading and an optional hint each.
for _number in range(1, MAX_OWN_SECTIONS + 1):
    setattr(
        SelfEvaluationForm,
        f"heading_{_number}",
        StringField(
            f"Section {_number}: heading",
            widget=GovTextInput(),
            filters=[_strip],
            validators=[
                Optional(),
                Length(
                    max=HEADING_LIMIT,
                    message=f"The heading must be {HEADING_LIMIT} characters or fewer",
                ),
                no_nul,
            ],
        ),
    )
    setattr(
        SelfEvaluationForm,
        f"hint_{_number}",
        StringField(
            f"Section {_number}: hint (optional)",
            widget=GovTextInput(),
            filters=[_strip],
            validators=[
                Optional(),
                Length(
                    max=HINT_LIMIT, message=f"The hint must be {HINT_LIMIT} characters or fewer"
                ),
                no_nul,
            ],
        ),
    )


def _days(label: str, low: int, high: int) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=f"Enter a number of working days from {low} to {high}"),
            NumberRange(low, high, message=f"Enter a number of working days from {low} to {high}"),
        ],
    )


class ChasingForm(FlaskForm):
    remind_days_before = _days("Remind this many working days before a return is due", 0, 10)
    escalate_manager_after = _days(
        "Tell the person's line manager when a return is this many working days late", 1, 20
    )
    escalate_chair_after = _days(
        "Tell the escalation contact when a return is this many working days late", 1, 30
    )
    target_notice_days = _days("Warn action leads this many days before a target date", 0, 60)
    chair_email = StringField(
        "Escalation contact's email address",
        description="Usually the chair of the meeting that reviews late and red actions.",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=254), no_nul],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


def _meeting_day_fields(kind: str) -> dict:
    """One kind of meeting's usual day: `<kind>_nth`, `_weekday`, `_start` and `_minutes` (the
    page's fieldset names the meeting, in the organisation's words)."""
    minutes = f"Enter how long it lasts, in minutes, from 15 to {LONGEST_MEETING}"
    return {
        f"{kind}_nth": SelectField(
            "Which week of the month?",
            choices=[SelectChoice(str(n), label) for n, label in WEEKS_OF_MONTH.items()],
            widget=GovSelect(),
            validators=[InputRequired(message="Choose which week of the month it meets")],
        ),
        f"{kind}_weekday": SelectField(
            "On which weekday?",
            choices=[SelectChoice(str(i), d.title()) for i, d in enumerate(WEEKDAYS)],
            widget=GovSelect(),
            validators=[InputRequired(message="Choose the weekday it meets")],
        ),
        f"{kind}_start": StringField(
            "Starting at what time (London)?",
            description="24-hour clock, for example 10:00 or 14:30",
            widget=GovTextInput(),
            filters=[_strip],
            validators=[
                InputRequired(message="Enter the time it starts, like 10:00 or 14:30"),
                Length(max=5, message="Enter a time in 24-hour form, like 10:00 or 14:30"),
                no_nul,
            ],
        ),
        f"{kind}_minutes": IntegerField(
            "How long, in minutes?",
            widget=GovTextInput(),
            validators=[InputRequired(message=minutes), NumberRange(15, LONGEST_MEETING, minutes)],
        ),
    }


# Each kind of meeting's four fields, then the button.
MeetingDaysForm = type(
    "MeetingDaysForm",
    (FlaskForm,),
    {
        **{name: f for kind in MEETING_KINDS for name, f in _meeting_day_fields(kind).items()},
        "submit": SubmitField("Save", widget=GovSubmitInput()),
    },
)
