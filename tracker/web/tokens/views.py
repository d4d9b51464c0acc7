"""A person's own API tokens (issue 18.4): anyone who may export makes read-only tokens for
themselves (shown once, hashed at rest, expiring on a day they choose) and revokes their own."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.api_tokens import latest_expiry
from tracker.domain.permissions import Permission
from tracker.services.access import auth as auth_service
from tracker.services.errors import NotFound
from tracker.web.access import requires
from tracker.web.admin.forms import ConfirmForm, TokenForm, date_errors
from tracker.web.auth.recent import recent_sign_in
from tracker.web.form_helpers import form_errors

bp = Blueprint("tokens", __name__)


def _page(form: TokenForm | None = None, *, new_token: str | None = None, status: int = 200):
    form = form or TokenForm.blank(today_london())
    response = current_app.make_response(
        (
            render_template(
                "tokens/mine.html",
                tokens=auth_service.tokens_of(current_user.id),
                form=form,
                confirm=ConfirmForm(formdata=None),
                new_token=new_token,
                latest=latest_expiry(today_london()),
                now=now_utc(),
                errors=date_errors(form_errors(form), "expires_on"),
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # it may hold a new token, a secret
    return response


@bp.get("/account/api-tokens")
@requires(Permission.EXPORT)
def mine():
    """Your API tokens: make a read-only one, see when each expires, revoke one."""
    return _page()


@bp.post("/account/api-tokens")
@requires(Permission.EXPORT)
@recent_sign_in
def create():
    """Make a read-only token for yourself and show it once."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token = auth_service.create_token_for(
                current_user.id,
                now=now_utc(),
                label=form.label.data,
                expires_on=form.expires_on.data,
                read_only=True,
            )
        except auth_service.TokenRefused as exc:
            getattr(form, exc.field, form.label).errors.append(exc.message)
        else:
            return _page(new_token=token)
    return _page(form, status=400)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@requires(Permission.EXPORT)
def revoke(token_id: int):
    """Revoke one of your own tokens (anyone else's is not found)."""
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    try:
        row = auth_service.revoke_own_token(current_user.id, token_id, now=now_utc())
    except NotFound:
        abort(404)
    flash(f"Your API token “{row.label}” is revoked: it no longer works.", "success")
    return redirect(url_for("tokens.mine"))
