from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SubmitField

from tracker.web.updates.forms import ReturnEntryForm


class ReturnForm(FlaskForm):
    entries = FieldList(FormField(ReturnEntryForm), min_entries=0, max_entries=200)
    save = SubmitField("Save as draft")
    submit = SubmitField("Submit return")


class ReopenForm(FlaskForm):
    """Reopen a submitted return for amendment: the button and its CSRF token."""
