from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.services.access import auth as auth_service
from tracker.services.access import invitations, settings
from tracker.services.access import people as people_service
from tracker.services.errors import NotFound
from tracker.services.mail import outbox as outbox_service
from tracker.web.access import requires
from tracker.web.admin.forms import (
    ConfirmForm,
    InviteForm,
    LeaveForm,
    PersonForm,
    ReassignForm,
    TokenForm,
    date_errors,
    people_choices,
)
from tracker.web.auth.recent import recent_sign_in
from tracker.web.clean_query import drops_empty_values
from tracker.web.form_helpers import form_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(Permission.ADMIN)
def users():
    return render_template("admin/users.html", people=people_service.list_people())


def _details(form: PersonForm) -> people_service.PersonDetails:
    return people_service.PersonDetails(
        name=form.name.data,
        email=form.email.data or "",
        job_title=form.job_title.data or "",
        organisation_id=form.organisation_id.data,
        role=form.role.data,
        locality_id=form.locality_id.data,
        line_manager_id=form.line_manager_id.data,
        deputy_locality_id=form.deputy_locality_id.data,
    )


def _lifetime() -> timedelta:
    return timedelta(hours=current_app.config["INVITATION_HOURS"])


@bp.route("/users/invite", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def invite():
    """Add a person and email them a one-time link to set their password."""
    form = InviteForm()
    form.fill_choices(*people_service.list_choices(), words=settings.current().words)
    if not form.is_submitted():
        form.organisation_id.data = current_user.organisation_id  # most invite their own staff
    if form.validate_on_submit():
        try:
            person = invitations.invite_person(
                _details(form),
                actor_id=current_user.id,
                now=now_utc(),
                lifetime=_lifetime(),
                base_url=current_app.config["BASE_URL"],
            )
        except people_service.Refused as refused:
            getattr(form, refused.field, form.name).errors.append(refused.message)
        else:
            flash(
                f"Invitation sent to {person.email}: the link works once, for "
                f"{current_app.config['INVITATION_HOURS']} hours.",
                "success",
            )
            return redirect(url_for("admin.person", user_id=person.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/invite.html", form=form, errors=form_errors(form)), status


def _load_person(user_id: int) -> people_service.PersonPage:
    try:
        return people_service.get_person(user_id)
    except NotFound:
        abort(404)


def _person_page(page, form: PersonForm, status: int = 200, **forms):
    reassign = forms.get("reassign") or ReassignForm(formdata=None)
    people = forms.pop("people", None)
    if people is None:
        people = people_service.list_choices()[2]
    reassign.to_user_id.choices = people_choices(people, leaving_id=page.user.id)
    token = forms.get("token") or TokenForm.blank(today_london())
    errors = date_errors(form_errors(form, reassign, token), "expires_on")
    return render_template(
        "admin/person.html",
        page=page,
        form=form,
        reassign=reassign,
        token=token,
        now=now_utc(),
        confirm=ConfirmForm(formdata=None),
        new_token=forms.get("new_token"),
        errors=errors,
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def person(user_id: int):
    """One person: change their details, role, locality, line manager and deputy place."""
    page = _load_person(user_id)
    orgs, localities, people = people_service.list_choices()
    form = PersonForm(
        obj=page.user if request.method == "GET" else None,
    )
    form.fill_choices(
        orgs,
        localities,
        people,
        words=settings.current().words,
        person_id=page.user.id,
        manager=page.line_manager,
        kept=(page.user.locality_id, page.user.deputy_locality_id),
    )
    if form.validate_on_submit():
        try:
            changes = people_service.change_person(
                page.user.id, _details(form), actor_id=current_user.id, now=now_utc()
            )
        except people_service.Refused as refused:
            getattr(form, refused.field, form.name).errors.append(refused.message)
        else:
            replaced = changes.pop("replaced_deputy", None)
            message = f"{page.user.name}: changes saved." if changes else "Nothing changed."
            if replaced:
                area = settings.current().words.area_lower
                message += f" They replace {replaced[0]} as the {area}'s deputy."
            if "email" in changes and changes["email"][0] and page.user.active:
                message += f" {changes['email'][0]} has been told of the new address."
            flash(message, "success")
            return redirect(url_for("admin.person", user_id=page.user.id))
    status = 400 if form.is_submitted() else 200
    return _person_page(page, form, status, people=people)


@bp.route("/users/<int:user_id>/leave", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def leave(user_id: int):
    """Mark a person as left, after a page that says what that does."""
    page = _load_person(user_id)
    form = LeaveForm()
    refused = None
    if form.validate_on_submit():
        try:
            people_service.mark_left(
                page.user.id, actor_id=current_user.id, now=now_utc(), left_on=form.left_on.data
            )
        except people_service.Refused as exc:
            if exc.field == "left_on":
                form.left_on.errors = [exc.message]
            else:
                refused = exc.message
        else:
            flash(f"{page.user.name} is marked as left and can no longer sign in.", "success")
            return redirect(url_for("admin.person", user_id=page.user.id))
    errors = [
        # The date's message leads to its first box, as the GOV.UK date input asks.
        e | {"href": "#left_on-day"} if e["href"] == "#left_on" else e
        for e in form_errors(form)
    ]
    if refused:
        errors.append({"text": refused, "href": "#confirm"})
    status = 400 if form.is_submitted() else 200
    return render_template("admin/leave.html", page=page, form=form, errors=errors), status


@bp.post("/users/<int:user_id>/reassign")
@requires(Permission.ADMIN)
@recent_sign_in
def reassign(user_id: int):
    """Give every open action this person leads to someone else."""
    page = _load_person(user_id)
    people = people_service.list_choices()[2]
    form = ReassignForm()
    form.to_user_id.choices = people_choices(people, leaving_id=page.user.id)
    if form.validate_on_submit() and form.to_user_id.data is not None:
        try:
            refs = people_service.reassign_actions(
                page.user.id, form.to_user_id.data, actor_id=current_user.id, now=now_utc()
            )
        except people_service.Refused as refused:
            form.to_user_id.errors.append(refused.message)
        else:
            flash(f"{len(refs)} action(s) reassigned: {', '.join(refs)}.", "success")
            return redirect(url_for("admin.person", user_id=page.user.id))
    elif form.is_submitted() and not form.to_user_id.errors:
        form.to_user_id.errors.append("Choose who leads these actions now")
    return _person_page(
        page, _filled(page), 400, reassign=form, people=people_service.list_choices()[2]
    )


def _filled(page) -> PersonForm:
    form = PersonForm(formdata=None, obj=page.user)
    form.fill_choices(
        *people_service.list_choices(),
        words=settings.current().words,
        person_id=page.user.id,
        manager=page.line_manager,
        kept=(page.user.locality_id, page.user.deputy_locality_id),
    )
    return form


@bp.post("/users/<int:user_id>/reinvite")
@requires(Permission.ADMIN)
@recent_sign_in
def reinvite(user_id: int):
    """Send a new invitation link; older links stop working."""
    page = _load_person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    try:
        invitations.reinvite_person(
            page.user.id,
            actor_id=current_user.id,
            now=now_utc(),
            lifetime=_lifetime(),
            base_url=current_app.config["BASE_URL"],
        )
    except people_service.Refused as refused:
        flash(refused.message, "error")
    else:
        flash(f"A new invitation was sent to {page.user.email}.", "success")
    return redirect(url_for("admin.person", user_id=page.user.id))


@bp.post("/users/<int:user_id>/tokens")
@requires(Permission.ADMIN)
@recent_sign_in
def create_token(user_id: int):
    """Create an API token and show it once."""
    page = _load_person(user_id)
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = auth_service.create_token_for(
                page.user.id,
                now=now_utc(),
                label=form.label.data,
                expires_on=form.expires_on.data,
                actor_id=current_user.id,
            )
        except auth_service.TokenRefused as exc:
            getattr(form, exc.field, form.label).errors.append(exc.message)
        else:
            page = _load_person(user_id)  # now listing the new token
            return _person_page(page, _filled(page), 200, new_token=new_token)
    return _person_page(page, _filled(page), 400, token=form)


@bp.post("/users/<int:user_id>/tokens/revoke")
@requires(Permission.ADMIN)
@recent_sign_in
def revoke_tokens(user_id: int):
    """Revoke every live API token of a person."""
    page = _load_person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    count = auth_service.revoke_tokens_for(page.user.id, now=now_utc(), actor_id=current_user.id)
    flash(f"{count} API token(s) revoked.", "success")
    return redirect(url_for("admin.person", user_id=page.user.id))


STATUSES = ("pending", "sent", "failed")


@bp.get("/outbox")
@requires(Permission.ADMIN)
@drops_empty_values
def outbox():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description="status must be pending, sent or failed")
    return render_template(
        "admin/outbox.html",
        rows=outbox_service.list_outbox(status),
        status=status,
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
    )


@bp.get("/outbox/<int:message_id>")
@requires(Permission.ADMIN)
def message(message_id: int):
    """One message as sent: subject, text and HTML bodies, links, status and attempts."""
    try:
        page = outbox_service.get_message(message_id)
    except NotFound:
        abort(404)
    return render_template("admin/message.html", page=page, confirm=ConfirmForm(formdata=None))


@bp.post("/outbox/<int:message_id>/resend")
@requires(Permission.ADMIN)
@recent_sign_in
def resend(message_id: int):
    """Make a failed message pending again: a new attempt of the same message."""
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form was incomplete: go back and try again")
    try:
        outbox_service.resend_message(message_id, actor_id=current_user.id, now=now_utc())
    except NotFound:
        abort(404)
    except outbox_service.NotResendable as exc:
        flash(str(exc), "error")
    else:
        flash("The message will be sent again on the sender's next run.", "success")
    return redirect(url_for("admin.message", message_id=message_id))
