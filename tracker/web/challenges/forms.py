"""Forms of the challenge log: raise, respond, accept or escalate. Empty or too-long text is the
service's to refuse (the same words on the page and in the API)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from tracker.domain.challenges import NOTE_LIMIT, QUESTION_LIMIT, RESPONSE_LIMIT
from tracker.web.form_helpers import no_nul

NEVER_A_CHILD = "Kept for good with your name. Never name or describe a child."


class RaiseForm(FlaskForm):
    question = TextAreaField(
        "Your challenge",
        widget=GovTextArea(),
        description=f"The question the lead must answer, up to {QUESTION_LIMIT:,} characters. "
        + NEVER_A_CHILD,
        validators=[no_nul],
    )
    submit = SubmitField("Raise the challenge", widget=GovSubmitInput())


class ResponseForm(FlaskForm):
    response = TextAreaField(
        "Your response",
        widget=GovTextArea(),
        description=f"Up to {RESPONSE_LIMIT:,} characters. " + NEVER_A_CHILD,
        validators=[no_nul],
    )
    submit = SubmitField("Send the response", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description=f"Needed to escalate: say what is still missing. Up to {NOTE_LIMIT:,} "
        "characters. " + NEVER_A_CHILD,
        validators=[no_nul],
    )
    accept = SubmitField("Accept the response", widget=GovSubmitInput())
    escalate = SubmitField("Escalate", widget=GovSubmitInput())
