from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.calendar import LONDON
from tracker.domain.dates import DATE_FORMAT_HINT, parse_day
from tracker.domain.permissions import Permission
from tracker.services import audit_log, invitations
from tracker.services import auth as auth_service
from tracker.services import outbox as outbox_service
from tracker.services import people as people_service
from tracker.services.errors import BadFilter, NotFound
from tracker.services.exports import record_export
from tracker.web import listing
from tracker.web.access import requires
from tracker.web.admin.forms import (
    ConfirmForm,
    InviteForm,
    LeaveForm,
    PersonForm,
    ReassignForm,
    TokenForm,
    people_choices,
)
from tracker.web.auth.recent import recent_sign_in
from tracker.web.form_helpers import form_errors
from tracker.web.search.views import _pagination as search_pagination

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
    form.fill_choices(*people_service.list_choices())
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
    token = forms.get("token") or TokenForm(formdata=None)
    errors = form_errors(form, reassign, token)
    return render_template(
        "admin/person.html",
        page=page,
        form=form,
        reassign=reassign,
        token=token,
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
    form.fill_choices(orgs, localities, people, person_id=page.user.id, manager=page.line_manager)
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
                message += f" They replace {replaced[0]} as the locality's deputy."
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
        *people_service.list_choices(), person_id=page.user.id, manager=page.line_manager
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
                page.user.id, now=now_utc(), label=form.label.data, actor_id=current_user.id
            )
        except ValueError as exc:
            form.label.errors.append(str(exc))
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


def _audit_filters(
    directory: audit_log.Directory,
) -> tuple[audit_log.AuditFilters, int, dict[str, str], list[dict[str, str]]]:
    """The audit page's filters from the query string: (filters, page, the values as typed,
    the error summary's list)."""
    typed = {k: (request.args.get(k) or "").strip()[:100] for k in AUDIT_ARGS}
    errors: list[dict[str, str]] = []
    person_id = None
    if typed["person"]:
        if typed["person"].isdecimal() and len(typed["person"]) <= 12:
            person_id = int(typed["person"])
        else:
            errors.append({"text": "Choose a person from the list", "href": "#person"})
    days: dict[str, date | None] = {"from": None, "to": None}
    for name in days:
        if typed[name]:
            try:
                days[name] = parse_day(typed[name])
            except ValueError:
                errors.append(
                    {"text": f"Enter the ‘{name}’ date as {DATE_FORMAT_HINT}", "href": f"#{name}"}
                )
    filters = audit_log.AuditFilters(
        person_id=person_id,
        kind=typed["kind"] or None,
        from_day=days["from"],
        to_day=days["to"],
    )
    try:
        audit_log.check_filters(filters, directory.people)
    except BadFilter as exc:
        if not any(e["href"] == f"#{exc.parameter}" for e in errors):
            errors.append({"text": exc.message, "href": f"#{exc.parameter}"})
    page = 1
    try:
        page = listing.read_page()
    except BadFilter as exc:
        errors.append({"text": exc.message, "href": "#person"})
    return filters, page, typed, errors


AUDIT_ARGS = ("person", "kind", "from", "to")


@bp.get("/audit")
@requires(Permission.ADMIN)
def audit():
    """The audit log in words, newest first, 50 a page: filtered by who did it or whom it was
    about, by kind and by London days."""
    directory = audit_log.get_directory()
    filters, page, typed, errors = _audit_filters(directory)
    chosen = {k: v for k, v in typed.items() if v}
    events = None
    pagination = None
    if not errors:
        events = audit_log.list_events(filters, directory, page=page)
        pages = listing.Pages(page=page, total=events.total, per_page=audit_log.PER_PAGE)
        if page > pages.count:
            return redirect(url_for("admin.audit", **chosen, page=pages.count))
        pagination = search_pagination(pages, lambda n: url_for("admin.audit", **chosen, page=n))
        if pagination:
            pagination["landmarkLabel"] = "Pages of the audit log"
    return render_template(
        "admin/audit.html",
        events=events,
        pages=pages if events is not None else None,
        pagination=pagination,
        typed=typed,
        chosen=chosen,
        errors=errors,
        people=directory.people,
        kinds=audit_log.kind_choices(),
    ), (400 if errors else 200)


@bp.get("/audit.csv")
@requires(Permission.ADMIN)
def audit_csv():
    """The same events as the page (the same filters, every page) as CSV; recorded as an export."""
    directory = audit_log.get_directory()
    filters, _, typed, errors = _audit_filters(directory)
    if errors:
        abort(400, description=" ".join(e["text"] for e in errors))
    chosen = {k: v for k, v in typed.items() if v}
    now = now_utc()
    record_export(
        "audit.csv",
        {"format": "csv", "filters": chosen},
        user_id=current_user.id,
        now=now,
        remote_addr=request.remote_addr or "",
    )
    filename = f"audit-log-{now.astimezone(LONDON).date().isoformat()}.csv"
    return Response(
        stream_with_context(audit_log.csv_chunks(filters, directory)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


STATUSES = ("pending", "sent", "failed")


@bp.get("/outbox")
@requires(Permission.ADMIN)
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
