"""Each person's notification settings (immediate mail or the daily digest, and the actions they
follow), and the Follow and Stop following buttons on an action's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.permissions import Permission
from tracker.services.errors import NotFound
from tracker.services.mail import notify
from tracker.services.plan.updates import Rejected
from tracker.web.access import requires
from tracker.web.form_helpers import form_errors
from tracker.web.notify.forms import FollowForm, PreferenceForm

bp = Blueprint("notify", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@requires(Permission.READ_PLAN)
def settings():
    form = PreferenceForm()
    if request.method == "GET":
        form.preference.data = current_user.mail_preference
        form.reminder.data = str(current_user.reminder_days)
    elif form.validate_on_submit():
        try:
            notify.set_mail_preference(
                current_user.id,
                form.preference.data,
                now=now_utc(),
                remote_addr=request.remote_addr or "",
                reminder=form.reminder.data,
            )
        except Rejected as exc:
            for name, message in exc.errors.items():
                field = getattr(form, name, form.preference)
                field.errors = [*field.errors, message]
        else:
            flash("Your choice is saved.", "success")
            return redirect(url_for("notify.settings"))
    errors = form_errors(form)
    return render_template(
        "notify/settings.html",
        form=form,
        errors=errors,
        followed=notify.list_followed(current_user.id),
        follow_form=FollowForm(),
    ), (400 if errors else 200)


def _back(ref: str) -> str:
    if request.form.get("next") == "settings":
        return url_for("notify.settings")
    return url_for("plans.action", ref=ref) + "#follow"


@bp.post("/actions/<ref>/follow")
@requires(Permission.READ_PLAN)
def follow(ref: str):
    """Anyone who may read an action may follow it."""
    if not FollowForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    try:
        notify.follow(current_user.id, ref, now=now_utc())
    except NotFound:
        abort(404)
    flash(f"You follow {ref}: its changes come in your daily digest.", "success")
    return redirect(_back(ref))


@bp.post("/actions/<ref>/unfollow")
@requires(Permission.READ_PLAN)
def unfollow(ref: str):
    if not FollowForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    try:
        notify.unfollow(current_user.id, ref)
    except NotFound:
        abort(404)
    flash(f"You no longer follow {ref}.", "success")
    return redirect(_back(ref))
