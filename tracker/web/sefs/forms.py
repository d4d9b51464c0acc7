"""The SEF form: three questions, two sections, evidence and a self-grade."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea
from wtforms import Form, IntegerField, Label, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from tracker.domain.sef import (
    FIELD_HINTS,
    FIELD_LABELS,
    SELF_GRADE,
    TEXT_FIELDS,
    TEXT_LIMIT,
    Grade,
)
from tracker.domain.setup import MAX_OWN_SECTIONS, Words
from tracker.http.edge import INTEGER_MAX

NO_CHILD_DATA = " Never name or describe a child."


def _text(name: str) -> TextAreaField:
    return TextAreaField(
        FIELD_LABELS[name],
        widget=GovTextArea(),
        description=FIELD_HINTS[name] + NO_CHILD_DATA,
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )


class SefForm(FlaskForm):
    # The version the form was drawn from (0 before the first), so a newer save is noticed.
    base_version = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=INTEGER_MAX)]
    )
    what_we_know = _text("what_we_know")
    how_we_know = _text("how_we_know")
    what_we_are_doing = _text("what_we_are_doing")
    management_oversight = _text("management_oversight")
    practice_quality = _text("practice_quality")
    evidence = _text("evidence")
    # A draft may leave the grade unchosen; the domain decides what a submission needs.
    self_grade = RadioField(
        FIELD_LABELS[SELF_GRADE],
        choices=[SelectChoice(g.value, g.label) for g in Grade],
        widget=GovRadioInput(),
        description=FIELD_HINTS[SELF_GRADE],
        validate_choice=False,
    )
    save = SubmitField("Save as draft")
    submit = SubmitField("Submit SEF")

    def name_area(self, words: Words) -> None:
        """The hints name the area in the organisation's word."""
        for name in (*TEXT_FIELDS, SELF_GRADE):
            field = getattr(self, name)
            field.description = field.description.format(area=words.area_lower)

    def ask_own(self, sections: tuple[tuple[str, str], ...]) -> list:
        """The council's own sections asked, (heading, hint) each: their fields, in order."""
        fields = []
        for number, (heading, hint) in enumerate(sections, start=1):
            field = getattr(self, f"own_{number}")
            field.label = Label(field.id, heading)
            field.description = (hint + " " if hint else "") + NO_CHILD_DATA.strip()
            fields.append(field)
        return fields

    def own_values(self, count: int) -> list[str]:
        return [getattr(self, f"own_{n}").data or "" for n in range(1, count + 1)]

    def values(self) -> dict[str, str]:
        fields = {name: getattr(self, name).data or "" for name in TEXT_FIELDS}
        return fields | {SELF_GRADE: self.self_grade.data or ""}


# Places for the council's own sections (set-up, issue 20.2): labelled by SefForm.ask_own.
for _number in range(1, MAX_OWN_SECTIONS + 1):
    setattr(
        SefForm,
        f"own_{_number}",
        TextAreaField(
            f"Section {_number}",
            widget=GovTextArea(),
            validators=[Optional(), Length(max=TEXT_LIMIT)],
        ),
    )


class CompareForm(Form):
    """Which two versions to show side by side (a GET form: nothing is written)."""

    a = SelectField("Earlier version", coerce=int, widget=GovSelect())
    b = SelectField("Later version", coerce=int, widget=GovSelect())
