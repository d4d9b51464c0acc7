"""Small pieces every form shares."""

from __future__ import annotations

from wtforms.validators import ValidationError


def no_nul(form, field) -> None:
    """PostgreSQL stores no NUL character; refuse it here, the same on every database."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError(f"{field.label.text} must not contain a NUL character")


def form_errors(*forms) -> list[dict[str, str]]:
    """The error summary's list for one or more forms, each linking to its field."""
    return [
        {"text": message, "href": f"#{field.id}"}
        for form in forms
        for field in form
        for message in field.errors
        if isinstance(message, str)  # a list of subforms reports its rows' errors as dicts
    ]
