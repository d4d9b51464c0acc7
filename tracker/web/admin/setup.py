"""The administrator's set-up pages (issue 20.2): the landing page, the organisations and the
areas returns are made for. Each view parses its form and asks one service; a refusal is shown
in the page's error summary and writes nothing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.permissions import Permission
from tracker.services.access import areas as area_service
from tracker.services.access import organisations as org_service
from tracker.services.access import settings as setup_settings
from tracker.services.access import setup as setup_service
from tracker.services.errors import NotFound
from tracker.web.access import requires
from tracker.web.admin.forms import AreaForm, ConfirmForm, OrganisationForm
from tracker.web.admin.views import bp
from tracker.web.auth.recent import recent_sign_in
from tracker.web.form_helpers import form_errors

INCOMPLETE = "The form was incomplete: go back and try again"
# The set-up pages' endpoints: the menu's "Set-up" is marked on each of them.
SETUP_ENDPOINTS = (
    "admin.setup",
    "admin.organisations",
    "admin.add_organisation",
    "admin.organisation",
    "admin.remove_organisation",
    "admin.areas",
    "admin.add_area",
    "admin.area",
    "admin.retire_area",
    "admin.unretire_area",
    "admin.remove_area",
    "admin.setup_rhythm",
    "admin.setup_self_evaluation",
    "admin.setup_chasing",
    "admin.setup_meetings",
    "admin.words",
)


@bp.app_context_processor
def _setup_menu() -> dict:
    return {"setup_endpoints": SETUP_ENDPOINTS}


@bp.get("/setup")
@requires(Permission.ADMIN)
def setup():
    """Where the administrator sets the tracker up: each part on a page of its own, with what is
    set now and whether it is done, still the environment's default or not yet started."""
    in_force = setup_settings.current()
    progress = setup_service.setup_progress(
        setup_settings.chosen(in_force), escalation_named=bool(in_force.chasing.chair_email)
    )
    return render_template("admin/setup.html", progress=progress, in_force=in_force)


# --- Organisations ------------------------------------------------------------------------------


@bp.get("/organisations")
@requires(Permission.ADMIN)
def organisations():
    return render_template("admin/organisations.html", rows=org_service.list_organisations())


def _org_form(**kwargs) -> OrganisationForm:
    form = OrganisationForm(**kwargs)
    form.fill_choices(org_service.KIND_LABELS)
    return form


def _refused(form, refused: org_service.Refused) -> None:
    getattr(form, refused.field, form.name).errors.append(refused.message)


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def add_organisation():
    """Add an organisation: the council, a trust, a partner agency."""
    form = _org_form()
    if form.validate_on_submit():
        try:
            org = org_service.add_organisation(
                form.name.data, form.kind.data, actor_id=current_user.id, now=now_utc()
            )
        except org_service.Refused as refused:
            _refused(form, refused)
        else:
            flash(f"{org.name} added.", "success")
            return redirect(url_for("admin.organisations"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/organisation.html", form=form, row=None, errors=form_errors(form)
    ), status


def _load_org(organisation_id: int) -> org_service.OrganisationRow:
    try:
        return org_service.get_organisation(organisation_id)
    except NotFound:
        abort(404)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def organisation(organisation_id: int):
    """Change an organisation's name or kind; remove one nothing points at."""
    row = _load_org(organisation_id)
    form = _org_form(obj=row.organisation if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changes = org_service.change_organisation(
                row.organisation.id,
                form.name.data,
                form.kind.data,
                actor_id=current_user.id,
                now=now_utc(),
            )
        except org_service.Refused as refused:
            _refused(form, refused)
        else:
            flash(f"{form.name.data}: changes saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("admin.organisations"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/organisation.html",
        form=form,
        row=row,
        confirm=ConfirmForm(formdata=None),
        errors=form_errors(form),
    ), status


@bp.post("/organisations/<int:organisation_id>/remove")
@requires(Permission.ADMIN)
@recent_sign_in
def remove_organisation(organisation_id: int):
    """Remove an organisation no person or action points at."""
    row = _load_org(organisation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description=INCOMPLETE)
    try:
        name = org_service.remove_organisation(
            row.organisation.id, actor_id=current_user.id, now=now_utc()
        )
    except org_service.Refused as refused:
        form = _org_form(formdata=None, obj=row.organisation)
        return render_template(
            "admin/organisation.html",
            form=form,
            row=row,
            confirm=ConfirmForm(formdata=None),
            errors=[{"text": refused.message, "href": "#remove"}],
        ), 400
    flash(f"{name} removed.", "success")
    return redirect(url_for("admin.organisations"))


# --- Areas ----------------------------------------------------------------------------------------


@bp.get("/areas")
@requires(Permission.ADMIN)
def areas():
    return render_template("admin/areas.html", rows=area_service.list_areas())


@bp.route("/areas/new", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def add_area():
    """Add an area returns are made for, with its plan."""
    form = AreaForm()
    if form.validate_on_submit():
        try:
            area = area_service.add_area(form.name.data, actor_id=current_user.id, now=now_utc())
        except area_service.Refused as refused:
            _refused(form, refused)
        else:
            flash(f"{area.name} added, with its plan.", "success")
            return redirect(url_for("admin.areas"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/area.html", form=form, row=None, errors=form_errors(form)), status


def _load_area(locality_id: int) -> area_service.AreaRow:
    try:
        return area_service.get_area(locality_id)
    except NotFound:
        abort(404)


def _area_page(row, form: AreaForm, status: int = 200, errors=None):
    return render_template(
        "admin/area.html",
        form=form,
        row=row,
        confirm=ConfirmForm(formdata=None),
        errors=errors if errors is not None else form_errors(form),
    ), status


@bp.route("/areas/<int:locality_id>", methods=["GET", "POST"])
@requires(Permission.ADMIN)
@recent_sign_in
def area(locality_id: int):
    """Rename an area (its plan's name follows); retire, bring back or remove it."""
    row = _load_area(locality_id)
    form = AreaForm(obj=row.locality if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = area_service.rename_area(
                row.locality.id, form.name.data, actor_id=current_user.id, now=now_utc()
            )
        except area_service.Refused as refused:
            _refused(form, refused)
        else:
            flash(f"Renamed {form.name.data}." if changed else "Nothing changed.", "success")
            return redirect(url_for("admin.areas"))
    return _area_page(row, form, 400 if form.is_submitted() else 200)


def _area_action(locality_id: int, act, done: str):
    row = _load_area(locality_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description=INCOMPLETE)
    try:
        name = act(row.locality.id, actor_id=current_user.id, now=now_utc())
    except area_service.Refused as refused:
        form = AreaForm(formdata=None, obj=row.locality)
        return _area_page(row, form, 400, [{"text": refused.message, "href": "#area-actions"}])
    flash(done.format(name=name), "success")
    return redirect(url_for("admin.areas"))


@bp.post("/areas/<int:locality_id>/retire")
@requires(Permission.ADMIN)
@recent_sign_in
def retire_area(locality_id: int):
    """Retire an area: no more returns or SEFs are asked of it; its history stays."""
    return _area_action(
        locality_id,
        area_service.retire_area,
        "{name} is retired: no more returns or SEFs are asked of it.",
    )


@bp.post("/areas/<int:locality_id>/unretire")
@requires(Permission.ADMIN)
@recent_sign_in
def unretire_area(locality_id: int):
    """Bring a retired area back into use."""
    return _area_action(
        locality_id,
        area_service.unretire_area,
        "{name} is back in use: its returns and SEFs are asked for again.",
    )


@bp.post("/areas/<int:locality_id>/remove")
@requires(Permission.ADMIN)
@recent_sign_in
def remove_area(locality_id: int):
    """Remove an area with nothing recorded against it, and its empty plan."""
    return _area_action(locality_id, area_service.remove_area, "{name} removed.")
