from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SubmitField

from tracker.web.updates.forms import ReturnEntryForm

# A guard against a POST of endless entries, far above any locality plan (38 actions in the
# seed; 380 in the benchmark's ten-times data set).
MOST_ENTRIES = 2000


class ReturnForm(FlaskForm):
    entries = FieldList(FormField(ReturnEntryForm), min_entries=0, max_entries=MOST_ENTRIES)
    save = SubmitField("Save as draft")
    submit = SubmitField("Submit return")
    # Saves what was typed, then asks to confirm "no change" for every action not touched.
    no_change = SubmitField("No change for every action I have not touched")


class ReopenForm(FlaskForm):
    """Reopen a submitted return for amendment: the button and its CSRF token."""


class NoChangeForm(FlaskForm):
    """Confirm "no change this cycle" for the actions listed: the button and its CSRF token
    (the actions shown are sent as `action` values, "REF:version")."""
