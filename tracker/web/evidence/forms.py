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
from wtforms import Form, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.domain.evidence import (
    ALLOWED_IN_WORDS,
    REASON_LIMIT,
    TITLE_LIMIT,
    URL_LIMIT,
    EvidenceType,
)
from tracker.services.plan.evidence import NewEvidence
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
        description="The day the audit, minutes or record is dated, for example 27/3/2025.",
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


class NewEvidenceFields(Form):
    """An evidence item given with an update or a return entry: a file or a link, with the same
    details as the evidence page asks for. All optional: no file and no link adds nothing."""

    evidence_title = StringField(
        "Title of the evidence",
        widget=GovTextInput(),
        description="For example, January case file audit. Never name or describe a child.",
        validators=[
            Optional(),
            Length(max=TITLE_LIMIT, message=f"The title must be {TITLE_LIMIT} characters or fewer"),
            no_nul,
        ],
    )
    evidence_type = RadioField(
        "Type of evidence",
        choices=TYPE_CHOICES,
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    evidence_date = DayField(
        "Date of the evidence",
        widget=GovTextInput(),
        description="The day the audit, minutes or record is dated, for example 27/3/2025.",
        validators=[Optional()],
    )
    evidence_file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description=f"A {ALLOWED_IN_WORDS}. Or give a link below instead.",
    )
    evidence_url = StringField(
        "Or give a link (https)",
        widget=GovTextInput(),
        description="To evidence kept elsewhere, such as the intranet: https://...",
        validators=[
            Optional(),
            Length(max=URL_LIMIT, message=f"The link must be {URL_LIMIT} characters or fewer"),
            no_nul,
        ],
    )


def new_evidence_from(fields, read_upload) -> tuple[NewEvidence | None, dict[str, str]]:
    """The item the fields give (None when they give no file and no link), or the errors of a
    form that names one badly: field -> message. The item's own checks are the service's."""
    upload = fields.evidence_file.data
    has_file = upload is not None and bool(getattr(upload, "filename", ""))
    url = fields.evidence_url.data.strip() if isinstance(fields.evidence_url.data, str) else ""
    title = fields.evidence_title.data if isinstance(fields.evidence_title.data, str) else ""
    if has_file and url:
        return None, {"evidence_url": "Upload a file or give a link, not both"}
    if not has_file and not url:
        if title.strip() or fields.evidence_date.data:
            return None, {"evidence_file": "Choose a file to upload, or give a link"}
        return None, {}
    item = NewEvidence(
        title=title,
        evidence_type=fields.evidence_type.data or "",
        evidence_date=fields.evidence_date.day,
        url=url,
        filename=upload.filename if has_file else "",
        data=read_upload(upload) if has_file else None,
    )
    return item, {}


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
