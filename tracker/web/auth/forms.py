from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from tracker.domain.people import PASSWORD_MAX


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            InputRequired(message="Enter your email address"),
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=200)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    """"Forgot your password?": the email address only."""

    email = SignInForm.email
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        description="At least 12 characters. A few words you will remember work well.",
        validators=[InputRequired(message="Enter a password"), Length(max=PASSWORD_MAX)],
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter the password again"), Length(max=PASSWORD_MAX)],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=200)],
    )
    submit = SubmitField("Confirm and continue", widget=GovSubmitInput())
