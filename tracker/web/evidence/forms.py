"""Forms for evidence: add a file or a link, and withdraw an item with a reason."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.domain.evidence import (
    ALLOWED_IN_WORDS,
    REASON_LIMIT,
    TITLE_LIMIT,
    URL_LIMIT,
    EvidenceType,
)
from tracker.web.form_helpers import no_nul
from tracker.web.plan_changes.forms import DayField

TYPE_CHOICES = [SelectChoice(t.value, t.label) for t in EvidenceType]


class EvidenceForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example, January case file audit. Never name or describe a child.",
        validators=[
            InputRequired(message="Enter a title for the evidence"),
            Length(max=TITLE_LIMIT, message=f"The title must be {TITLE_LIMIT} characters or fewer"),
            no_nul,
        ],
    )
    evidence_type = RadioField(
        "Type of evidence",
        choices=TYPE_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the type of evidence")],
    )
    evidence_date = DayField(
        "Date of the evidence",
        widget=GovTextInput(),
        description="The day the audit, minutes or record is dated, for example 27/1/2016.",
        validators=[InputRequired(message="Enter the date of the evidence")],
    )
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description=f"A {ALLOWED_IN_WORDS}. Or give a link below instead.",
    )
    url = StringField(
        "Or give a link (https)",
        widget=GovTextInput(),
        description="To evidence kept elsewhere, such as the intranet: https://...",
        validators=[
            Optional(),
            Length(max=URL_LIMIT, message=f"The link must be {URL_LIMIT} characters or fewer"),
            no_nul,
        ],
    )
    submit = SubmitField("Add evidence", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why is this evidence being withdrawn?",
        widget=GovTextArea(),
        description="Kept with the item, your name and the time. The item stays listed.",
        validators=[
            InputRequired(message="Give a reason for withdrawing the evidence"),
            Length(
                max=REASON_LIMIT, message=f"The reason must be {REASON_LIMIT} characters or fewer"
            ),
            no_nul,
        ],
    )
    submit = SubmitField("Withdraw evidence", widget=GovSubmitInput())
