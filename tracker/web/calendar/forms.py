"""The calendar page's buttons: each a form with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired


class FeedForm(FlaskForm):
    """Make, reset or turn off the link; the hidden field makes an empty POST a 400."""

    confirm = HiddenField(default="yes", validators=[InputRequired(message="Confirm")])
