"""Entering a measure's value for a month, and uploading many as a CSV file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.domain.updates import TEXT_LIMIT
from tracker.web.form_helpers import no_nul


def _month(label: str, description: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description=description,
        validators=[Length(max=20, message="Enter the month as YYYY-MM"), no_nul],
    )


def _number(label: str, description: str | None = None) -> StringField:
    """Kept as text: the domain reads the number and says what is wrong with it."""
    return StringField(
        label,
        widget=GovTextInput(),
        description=description or "",
        validators=[Length(max=40, message="Enter a number, like 87.5"), no_nul],
    )


class ValueForm(FlaskForm):
    """Numbers are kept as text here: the domain reads them (and says what is wrong) the same
    way for the form, the CSV upload and any other door."""

    measure = SelectField("Measure", widget=GovSelect(), validate_choice=False)
    period = _month(
        "Month",
        "The month the value is for, as YYYY-MM (for example 2025-03). A quarterly "
        "measure takes the quarter's last month.",
    )
    value = _number(
        "Value",
        "A percentage from 0 to 100, days, a count, or pounds. Leave it blank to "
        "work a percentage out from the numerator and denominator.",
    )
    numerator = _number("Numerator (optional)")
    denominator = _number(
        "Denominator (optional)",
        "How many cases the percentage is of: small cohorts are flagged.",
    )
    narrative = TextAreaField(
        "Narrative",
        widget=GovTextArea(),
        description="What explains the figure and what is being done. Never name or describe "
        "a child.",
        validators=[
            Length(
                max=TEXT_LIMIT, message=f"The narrative must be {TEXT_LIMIT:,} characters or fewer"
            ),
            no_nul,
        ],
    )
    submit = SubmitField("Save value")

    def fields(self) -> dict[str, str | None]:
        return {
            name: getattr(self, name).data
            for name in ("period", "value", "numerator", "denominator", "narrative")
        }


class UploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        widget=GovFileInput(),
        description="Columns: measure, period, value, numerator, denominator, narrative. "
        "Every row is checked first: if any row is wrong, nothing is saved.",
        validators=[InputRequired(message="Choose a CSV file")],
    )
    check = SubmitField("Check the file")
    upload = SubmitField("Save the values")


class TargetForm(FlaskForm):
    """A new target and tolerance from a month: earlier ones are kept."""

    effective_from = _month(
        "In force from", "The first month it applies to, as YYYY-MM (for example 2025-04)."
    )
    target = _number("Target", "Leave blank for no target.")
    tolerance = _number(
        "Tolerance", "The threshold on the worse side of the target (leave blank for none)."
    )
    reason = TextAreaField(
        "Why it changes",
        widget=GovTextArea(),
        validators=[Length(max=1000, message="Keep the reason to 1,000 characters"), no_nul],
    )
    save_target = SubmitField("Record the new target")

    def fields(self) -> dict[str, str | None]:
        return {
            n: getattr(self, n).data for n in ("effective_from", "target", "tolerance", "reason")
        }
