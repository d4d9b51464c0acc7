"""The admin's forms: a person's details, leaving, reassigning, tokens, resending mail."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from tracker.domain.api_tokens import default_expiry
from tracker.domain.permissions import Role
from tracker.domain.setup import Words, role_label
from tracker.web.form_helpers import no_nul


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value) -> int | None:
    """A list's choice: an id, or None for "not set" (a bad value is not a valid choice)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.isdigit() or len(text) > 12:
        return -1  # never a choice: the field says "not a valid choice"
    return int(text)


class PersonForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired(message="Enter the person's full name"), Length(max=200), no_nul],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=254, message="The email address must be 254 characters or fewer"),
            no_nul,
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    job_title = StringField(
        "Job title",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=200), no_nul],
    )
    organisation_id = SelectField(
        "Organisation", coerce=optional_id, widget=GovSelect(), validators=[InputRequired()]
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.label) for r in Role],
        widget=GovSelect(),
        validators=[InputRequired(message="Choose a role")],
    )
    # The area fields' labels and the roles' names are the organisation's words (name_areas).
    locality_id = SelectField("Area", coerce=optional_id, widget=GovSelect())
    line_manager_id = SelectField(
        "Line manager",
        coerce=optional_id,
        widget=GovSelect(),
        description="Their open actions are chased through their line manager if they leave.",
    )
    deputy_locality_id = SelectField("Deputy", coerce=optional_id, widget=GovSelect())
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def name_areas(self, words: Words) -> None:
        """The area fields and the roles, in the organisation's words."""
        area = words.area_lower
        self.locality_id.label.text = words.area
        self.locality_id.description = f"Required for a head of service: the {area} they lead."
        self.deputy_locality_id.label.text = f"Deputy for {words.an_area}"
        self.deputy_locality_id.description = (
            f"A deputy may do the {area}'s return and SEF while its head is away. Each {area} has "
            "one deputy: naming a new one replaces the old one."
        )
        self.role.choices = [
            choice
            if choice.value != Role.LOCALITY_HEAD
            else SelectChoice(choice.value, role_label(Role.LOCALITY_HEAD, words))
            for choice in self.role.choices
        ]

    def fill_choices(
        self,
        orgs,
        localities,
        people,
        *,
        words: Words,
        person_id: int | None = None,
        manager=None,
        kept=(),
    ) -> None:
        """The lists' choices; a line manager who has since left stays listed, marked, and so
        does a retired area the person is still in (`kept`): no one else is offered it. The
        area fields and roles are named in the organisation's `words`."""
        self.name_areas(words)
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in orgs]
        places = [
            SelectChoice(loc.id, f"{loc.name} (retired)" if loc.retired_at else loc.name)
            for loc in localities
            if loc.retired_at is None or loc.id in kept
        ]
        self.locality_id.choices = [SelectChoice(None, "None"), *places]
        self.deputy_locality_id.choices = [SelectChoice(None, "Not a deputy"), *places]
        self.line_manager_id.choices = [SelectChoice(None, "None")] + [
            SelectChoice(p.id, f"{p.name} ({p.job_title})" if p.job_title else p.name)
            for p in people
            if p.id != person_id
        ]
        if manager is not None and not manager.active:
            self.line_manager_id.choices.append(SelectChoice(manager.id, f"{manager.name} (left)"))


class InviteForm(PersonForm):
    # No role is chosen for the admin: a person is never invited as an administrator by default.
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("", "Choose a role"),
            *(SelectChoice(r.value, r.label) for r in Role),
        ],
        widget=GovSelect(),
        validators=[InputRequired(message="Choose a role")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        if not field.data:
            raise ValidationError("Enter an email address: the invitation is sent there")


class ConfirmForm(FlaskForm):
    """A one-button form; the hidden field makes an empty POST a 400 that writes nothing."""

    confirm = HiddenField(default="yes", validators=[InputRequired(message="Confirm")])


class DayMonthYearField(Field):
    """A GOV.UK date input: three boxes (day, month, year) sent under the field's one name. Its
    errors follow the GOV.UK pattern ("must include a month", "must be a real date")."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, what: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what  # "the date they left": for the error messages

    def process_formdata(self, valuelist):
        parts = [str(v).strip() for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # always three: the widget draws the three boxes from them
        self.data = None
        day, month, year = parts
        if not any(parts) or len(valuelist) != 3:
            raise ValueError(f"Enter {self.what}")
        missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValueError(f"{self.what.capitalize()} must include a {' and a '.join(missing)}")
        if not all(v.isdigit() and len(v) <= 4 for v in parts):
            raise ValueError(f"{self.what.capitalize()} must be a real date")
        if len(year) != 4:
            raise ValueError("The year must include 4 numbers")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.what.capitalize()} must be a real date") from None

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors:
            raise ValidationError(f"Enter {self.what}")

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""


class LeaveForm(FlaskForm):
    left_on = DayMonthYearField(
        "When did they leave?",
        what="the date they left",
        description="Their last working day. For example, 27 3 2025",
    )
    confirm = BooleanField(
        "I understand they can no longer sign in",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm that they can no longer sign in")],
    )
    submit = SubmitField("Mark as left", widget=GovSubmitInput())


def people_choices(people, *, leaving_id: int) -> list[SelectChoice]:
    """Who may take over a leaver's actions: anyone else who has not left."""
    return [SelectChoice(None, "Choose a person")] + [
        SelectChoice(p.id, p.name) for p in people if p.id != leaving_id
    ]


class ReassignForm(FlaskForm):
    to_user_id = SelectField(
        "New lead for their open actions",
        coerce=optional_id,
        widget=GovSelect(),
        validators=[InputRequired(message="Choose who leads these actions now")],
    )
    submit = SubmitField("Reassign actions", widget=GovSubmitInput())


class TokenForm(FlaskForm):
    label = StringField(
        "What the token is for",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired(message="Enter what the token is for"),
            Length(max=100, message="The label must be 100 characters or fewer"),
            no_nul,
        ],
    )
    expires_on = DayMonthYearField(
        "When does it expire?",
        what="the date the token expires",
        description="It works until the end of that day (UK time): today or later, at most a "
        "year from today. For example, 27 3 2025",
    )
    submit = SubmitField("Create API token", widget=GovSubmitInput())

    @classmethod
    def blank(cls, today: date) -> TokenForm:
        """A fresh form, its expiry date filled in as 90 days from today."""
        form = cls(formdata=None)
        form.expires_on.data = default_expiry(today)
        return form


def date_errors(errors: list[dict[str, str]], *names: str) -> list[dict[str, str]]:
    """A date's message leads to its first box (the day), as the GOV.UK date input asks."""
    hrefs = {f"#{name}": f"#{name}-day" for name in names}
    return [e | {"href": hrefs[e["href"]]} if e["href"] in hrefs else e for e in errors]


class OrganisationForm(FlaskForm):
    """An organisation's name and kind (its code is made from the name, never typed)."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired(message="Enter the organisation's name"),
            Length(max=200, message="The organisation's name must be 200 characters or fewer"),
            no_nul,
        ],
    )
    kind = RadioField(
        "What kind of organisation is it?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what kind of organisation it is")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def fill_choices(self, kinds: dict[str, str]) -> None:
        self.kind.choices = list(kinds.items())


class AreaForm(FlaskForm):
    """An area's name: a locality, a service area or a team (its code is made from the name)."""

    name = StringField(
        "Name of the area",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired(message="Enter the area's name"),
            Length(max=100, message="The area's name must be 100 characters or fewer"),
            no_nul,
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
