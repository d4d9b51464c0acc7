"""Importing a spreadsheet in any shape: upload it, pick the sheet, map its columns to the
tracker's fields, check (a dry run), then apply all or nothing; and review and send the
invitations a people sheet made.

The file is kept under its SHA-256 (as the plan import keeps it) so that every step reads the
very file that was uploaded; the mapping travels in the form."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from tracker.clock import now_utc
from tracker.domain.mapping import FIELDS, PEOPLE, PLAN, column_letter
from tracker.domain.permissions import ROLE_LABELS, Permission
from tracker.http.access import actor_for
from tracker.http.edge import takes_files
from tracker.services.exchange import imports, mapped_imports
from tracker.web import listing
from tracker.web.access import requires
from tracker.web.admin.imports import (
    _DIGEST,
    PROBLEMS_PER_PAGE,
    _flash_done,
    _start_in_background,
    _store,
    _too_big,
)
from tracker.web.admin.views import bp
from tracker.web.auth.recent import recent_sign_in
from tracker.web.form_helpers import form_errors
from tracker.web.search.views import _pagination as search_pagination

KINDS = {PLAN: "a plan", PEOPLE: "people"}
ROLE_WORDS = {role.value: label for role, label in ROLE_LABELS.items()}


class MappedUploadForm(FlaskForm):
    kind = RadioField(
        "What does the spreadsheet hold?",
        choices=[SelectChoice(PLAN, "Actions of a plan"), SelectChoice(PEOPLE, "People to invite")],
        default=PLAN,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what the spreadsheet holds")],
    )
    file = FileField("Upload a spreadsheet", widget=GovFileInput())
    submit = SubmitField("Upload and choose the columns", widget=GovSubmitInput())


class SheetForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that only chooses what to show next

    sheet = RadioField("Which sheet holds them?", choices=[], widget=GovRadioInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())


class _MappingBase(FlaskForm):
    sheet = HiddenField()
    action = HiddenField(default="check")
    submit = SubmitField("Check the sheet", widget=GovSubmitInput())


def mapping_form_class(kind: str) -> type[_MappingBase]:
    """A form with one list of the sheet's columns per tracker field (a plan's form also asks
    which plan a new action without a plan goes to)."""
    attrs: dict[str, object] = {}
    for f in FIELDS[kind]:
        attrs[f"map_{f.key}"] = SelectField(
            f.label + ("" if f.required else " (optional)"),
            choices=[],
            validate_choice=False,  # the mapping's own check names a wrong column
            widget=GovSelect(),
        )
    if kind == PLAN:
        attrs["default_plan"] = SelectField(
            "Plan for new actions with no plan named",
            choices=[],
            validate_choice=False,
            widget=GovSelect(),
        )
    return type(f"MappingForm_{kind}", (_MappingBase,), attrs)


class SendForm(FlaskForm):
    chosen = SelectMultipleField(
        "Invitations to send",
        choices=[],
        coerce=str,
        widget=GovCheckboxesInput(),
        validators=[InputRequired(message="Choose at least one invitation to send")],
    )
    submit = SubmitField("Send the chosen invitations", widget=GovSubmitInput())


def _limits():
    return imports.limits_from(current_app.config)


def _kept_or_404(kind: str, digest: str) -> tuple[str, bytes]:
    if kind not in KINDS or not _DIGEST.fullmatch(digest):
        abort(404)
    kept = imports.kept(_store(), digest)
    if kept is None:
        abort(404, description="The file is no longer held: upload it again")
    return kept


def _upload_page(form: MappedUploadForm, status: int = 200):
    return render_template(
        "admin/mapped_upload.html",
        form=form,
        errors=form_errors(form),
        max_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024),
        waiting=len(mapped_imports.list_waiting_invitations()),
    ), status


@bp.get("/import/mapped")
@requires(Permission.ADMIN)
def mapped_import():
    return _upload_page(MappedUploadForm(formdata=None))


@bp.post("/import/mapped")
@takes_files
@requires(Permission.ADMIN)
@recent_sign_in
def mapped_import_upload():
    """Keep the file and move on to choosing its sheet and columns."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    form = MappedUploadForm(formdata=None)
    try:
        form = MappedUploadForm()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        form.file.errors = _too_big(limit)
        return _upload_page(form, 413)
    if not form.validate_on_submit():
        return _upload_page(form, 400)
    if upload is None or not upload.filename:
        form.file.errors = ["Choose a CSV or Excel (.xlsx) file to import"]
        return _upload_page(form, 400)
    try:
        data = upload.read(limit + 1)
    finally:
        upload.close()
    if len(data) > limit:
        form.file.errors = _too_big(limit)
        return _upload_page(form, 413)
    if not data:
        form.file.errors = ["The file is empty: choose the file to import"]
        return _upload_page(form, 400)
    filename = Path(upload.filename).name[:200]
    try:
        sheets = mapped_imports.list_sheets(filename, data, _limits())
    except mapped_imports.UnreadableFile as exc:
        form.file.errors = [str(exc)]
        return _upload_page(form, 400)
    digest = imports.digest_of(data)
    imports.keep(_store(), digest, filename, data)
    args = {"sheet": sheets[0]} if len(sheets) == 1 else {}
    return redirect(url_for("admin.mapped_import_map", kind=form.kind.data, digest=digest, **args))


def _fill(form: _MappingBase, view: mapped_imports.MappingView) -> None:
    choices = [SelectChoice("", "Not in this sheet")] + [
        SelectChoice(h, f"{column_letter(i)}: {h}") for i, h in enumerate(view.header) if h.strip()
    ]
    for f in FIELDS[view.kind]:
        getattr(form, f"map_{f.key}").choices = choices
    if view.kind == PLAN:
        form.default_plan.choices = [  # type: ignore[attr-defined]
            SelectChoice(code, name) for code, name in view.plans
        ]


def _chosen(form: _MappingBase, kind: str) -> dict[str, str]:
    chosen = {}
    for f in FIELDS[kind]:
        value = getattr(form, f"map_{f.key}").data
        chosen[f.key] = value.strip() if isinstance(value, str) else ""
    return chosen


def _map_page(kind, digest, filename, view, form, *, status=200, result=None, errors=None):
    problems, pagination = [], None
    if result is not None and result.problems:
        key = _problems_key(digest, kind, view.sheet, _chosen(form, kind))
        imports.keep_problems(_store(), key, filename, result.problems)
        problems = result.problems[:PROBLEMS_PER_PAGE]
        pages = listing.Pages(page=1, total=len(result.problems), per_page=PROBLEMS_PER_PAGE)
        pagination = search_pagination(
            pages, lambda n: url_for("admin.import_problems", digest=key, page=n)
        )
        if pagination:
            pagination["landmarkLabel"] = "Pages of the problems"
    return render_template(
        "admin/mapped_map.html",
        kind=kind,
        kind_words=KINDS[kind],
        digest=digest,
        filename=filename,
        view=view,
        form=form,
        fields=FIELDS[kind],
        result=result,
        problems=problems,
        pagination=pagination,
        errors=errors if errors is not None else form_errors(form),
        role_labels=ROLE_WORDS,
    ), status


def _problems_key(digest: str, kind: str, sheet: str, chosen: dict[str, str]) -> str:
    text = json.dumps([digest, kind, sheet, chosen], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@bp.get("/import/mapped/<kind>/<digest>")
@requires(Permission.ADMIN)
def mapped_import_map(kind: str, digest: str):
    """Pick the sheet (a workbook with several), then map its columns."""
    filename, data = _kept_or_404(kind, digest)
    try:
        sheets = mapped_imports.list_sheets(filename, data, _limits())
        sheet = request.args.get("sheet", "")
        if sheet not in sheets:
            if len(sheets) > 1:
                picker = SheetForm(formdata=None)
                picker.sheet.choices = [SelectChoice(s, s) for s in sheets]
                status = 400 if sheet else 200
                if sheet:
                    picker.sheet.errors = ["Choose a sheet from the list"]
                return render_template(
                    "admin/mapped_sheet.html",
                    form=picker,
                    kind=kind,
                    kind_words=KINDS[kind],
                    digest=digest,
                    filename=filename,
                    errors=form_errors(picker),
                ), status
            sheet = sheets[0]
        view = mapped_imports.get_mapping_view(kind, filename, data, sheet, _limits())
    except mapped_imports.UnreadableFile as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.mapped_import"))
    form = mapping_form_class(kind)(formdata=None)
    _fill(form, view)
    form.sheet.data = view.sheet
    for key, header in view.chosen.items():
        getattr(form, f"map_{key}").data = header
    if kind == PLAN and view.plans:
        form.default_plan.data = view.plans[0][0]  # type: ignore[attr-defined]
    return _map_page(kind, digest, filename, view, form)


@bp.post("/import/mapped/<kind>/<digest>")
@requires(Permission.ADMIN)
@recent_sign_in
def mapped_import_check(kind: str, digest: str):
    """Check the mapped sheet (a dry run: every problem by row and column, nothing written),
    or apply it: all of it, or nothing."""
    filename, data = _kept_or_404(kind, digest)
    form = mapping_form_class(kind)()
    sheet = form.sheet.data or ""
    try:
        if sheet not in mapped_imports.list_sheets(filename, data, _limits()):
            abort(400, description="Choose the sheet again: the form named no sheet of the file")
        view = mapped_imports.get_mapping_view(kind, filename, data, sheet, _limits())
    except mapped_imports.UnreadableFile as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.mapped_import"))
    _fill(form, view)
    if not form.validate_on_submit():
        return _map_page(kind, digest, filename, view, form, status=400)
    chosen = _chosen(form, kind)
    apply = form.action.data == "apply"
    common = {
        "sheet": sheet,
        "chosen": chosen,
        "dry_run": not apply,
        "actor": actor_for(current_user),
        "now": now_utc(),
        "remote_addr": request.remote_addr or "",
        "limits": _limits(),
    }
    try:
        if kind == PLAN:
            plans = {code for code, _ in view.plans}
            default_plan = form.default_plan.data  # type: ignore[attr-defined]
            if default_plan not in plans:
                form.default_plan.errors = ["Choose a plan from the list"]  # type: ignore[attr-defined]
                return _map_page(kind, digest, filename, view, form, status=400)
            if apply and not mapped_imports.mapping_problems(view, chosen):
                running = imports.status_now(_store(), digest)
                if running is not None and running["state"] == "running":
                    return redirect(url_for("admin.import_progress", digest=digest))
                changes = request.form.get("changes", "")
                threshold = current_app.config["IMPORT_BACKGROUND_CHANGES"]
                if changes.isdigit() and len(changes) < 9 and int(changes) >= threshold:
                    _apply_in_background(digest, filename, data, default_plan, common)
                    return redirect(url_for("admin.import_progress", digest=digest))
            result = mapped_imports.run_plan_import(
                filename,
                data,
                default_plan=default_plan,
                max_bytes=current_app.config["IMPORT_MAX_BYTES"],
                **common,
            )
        else:
            result = mapped_imports.run_people_import(filename, data, **common)
    except mapped_imports.MappingRefused as refused:
        for key, message in refused.problems:
            getattr(form, f"map_{key}").errors.append(message)
        return _map_page(kind, digest, filename, view, form, status=400)
    if result.refused:
        flash(result.refused, "error")
        return redirect(url_for("admin.mapped_import"))
    if apply and result.applied:
        if kind == PLAN:
            _flash_done(filename, result.plan.summary())
            return redirect(url_for("admin.import_page"))
        flash(
            f"{len(result.people)} people added from {filename}. They cannot sign in until "
            "you send their invitations: check them below, then send them.",
            "success",
        )
        return redirect(url_for("admin.imported_invitations"))
    if apply and kind == PLAN and result.ok and not result.plan.changes:
        done = imports.applied_import(digest)
        if done is not None and done.get("mapped") and done.get("sheet") == view.sheet[:100]:
            flash(
                f"{filename} was already applied: nothing was written again. Each change is in "
                "the action's history.",
                "success",
            )
            return redirect(url_for("admin.import_page"))
    status = 200 if result.ok else (409 if apply else 400)
    return _map_page(kind, digest, filename, view, form, status=status, result=result)


def _apply_in_background(digest, filename, data, default_plan, common) -> None:
    """A long apply runs as the plan import's does: in its own thread, with progress and a
    heartbeat on the plan import's progress page."""
    app = current_app._get_current_object()
    max_bytes = app.config["IMPORT_MAX_BYTES"]
    settings = {**common, "dry_run": False}

    def run(progress):
        return mapped_imports.run_plan_import(
            filename,
            data,
            default_plan=default_plan,
            max_bytes=max_bytes,
            progress=progress,
            **{**settings, "now": now_utc()},
        )

    _start_in_background(digest, filename, data, run)


@bp.get("/import/invitations")
@requires(Permission.ADMIN)
def imported_invitations():
    """The invitations people sheets made, waiting for the admin to send them."""
    waiting = mapped_imports.list_waiting_invitations()
    form = SendForm(formdata=None)
    form.chosen.choices = [SelectChoice(str(w.id), w.email) for w in waiting]
    form.chosen.data = [str(w.id) for w in waiting]
    return _invitations_page(form, waiting)


def _invitations_page(form: SendForm, waiting, status: int = 200):
    return render_template(
        "admin/imported_invitations.html",
        form=form,
        waiting=waiting,
        errors=form_errors(form),
        hours=current_app.config["INVITATION_HOURS"],
        role_labels=ROLE_WORDS,
    ), status


@bp.post("/import/invitations")
@requires(Permission.ADMIN)
@recent_sign_in
def send_imported_invitations():
    """Send the chosen invitations: each a one-time link through the outbox."""
    from datetime import timedelta

    waiting = mapped_imports.list_waiting_invitations()
    form = SendForm()
    form.chosen.choices = [SelectChoice(str(w.id), w.email) for w in waiting]
    if not form.validate_on_submit():
        return _invitations_page(form, waiting, 400)
    sent = mapped_imports.send_waiting_invitations(
        [int(i) for i in form.chosen.data],
        actor_id=current_user.id,
        now=now_utc(),
        lifetime=timedelta(hours=current_app.config["INVITATION_HOURS"]),
        base_url=current_app.config["BASE_URL"],
    )
    flash(
        f"{sent} {'invitation' if sent == 1 else 'invitations'} sent: each link works once, "
        f"for {current_app.config['INVITATION_HOURS']} hours.",
        "success",
    )
    return redirect(url_for("admin.imported_invitations"))
