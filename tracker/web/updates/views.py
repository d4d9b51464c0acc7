"""Updating one action, its dependencies, and chairs' sign-off."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.evidence import ALLOWED_EXTENSIONS, megabytes
from tracker.domain.permissions import Permission
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.http import evidence_files
from tracker.http.edge import takes_files
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.governance import signoff
from tracker.services.plan import dependencies as dependency_service
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import queries
from tracker.services.plan import updates as update_service
from tracker.services.plan.update_evidence import record_update_with_evidence
from tracker.web.access import actor_for, allowed, refuse, requires
from tracker.web.evidence.forms import new_evidence_from
from tracker.web.updates.forms import (
    LIFECYCLE_CHOICES,
    ActionUpdateForm,
    DependencyForm,
    RemoveDependencyForm,
    SignOffForm,
    lifecycle_choices,
)

bp = Blueprint("updates", __name__)

# Forms that take evidence files beside the update: their bodies may be EVIDENCE_MAX_BYTES.
UPLOADS = frozenset({"updates.update", "returns.show", "api.create_update"})


@bp.record_once
def _first_before_every_request(state) -> None:
    # Before CSRF reads the form, as on the evidence page.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_evidence_files)


def _allow_evidence_files():
    if request.endpoint not in UPLOADS or request.method != "POST":
        return None
    if evidence_files.allow_evidence_upload():
        return None
    abort(413, description=evidence_files.too_big_message())


def evidence_field_settings() -> dict[str, str]:
    """What templates/evidence/_new_item_fields.html shows: the kinds and size taken."""
    return {
        "evidence_accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS),
        "evidence_max_size": megabytes(evidence_files.max_bytes()),
    }


def _context(ref: str) -> update_service.ActionContext:
    contexts = update_service.load_contexts(refs=[ref])
    if not contexts:
        abort(404)
    return next(iter(contexts.values()))


def _require_may_update(ref: str) -> update_service.ActionContext:
    """The action's context, or 404; a person who may not update this action gets 403 first."""
    ctx = _context(ref)
    if not update_service.may_update(actor_for(current_user), ctx):
        refuse(Permission.UPDATE_ACTION, request.path)
    return ctx


def _try_write(write, form, permission: Permission):
    """Run one write service call: (rule errors, conflict, saved). A stale version carries the
    current one into the form so the person can resubmit after reading what changed."""
    try:
        write()
    except update_service.Rejected as exc:
        return exc.errors, None, False
    except update_service.Conflict as exc:
        _carry_version(form, exc.current_version)
        return {}, exc, False
    except update_service.Forbidden:
        refuse(permission, request.path)
    except NotFound:
        abort(404)
    return {}, None, True


def _proposal(form: ActionUpdateForm) -> Proposal:
    return Proposal(
        summary=form.summary.data or "",
        lifecycle=Lifecycle(form.lifecycle.data),
        rag=Rag(form.rag.data) if form.rag.data else None,
        impact=Impact(form.impact.data),
        reason=form.reason.data or "",
        evidence=form.evidence.data or "",
        confirm_unchanged=bool(form.confirm_unchanged.data),
        override_prerequisites=bool(form.override_prerequisites.data),
        superseded_by=(form.superseded_by.data or "").strip(),
    )


def _carry_version(form, version: int) -> None:
    """Draw the hidden field with the current version: a field renders what was posted
    (raw_data) before its data, so setting data alone would keep the stale version."""
    form.version.data = version
    form.version.raw_data = [str(version)]


def _error_list(form) -> list[dict[str, str]]:
    """The GOV.UK error summary: one line per field in error, linking to the field."""
    return [{"text": field.errors[0], "href": f"#{field.id}"} for field in form if field.errors]


@bp.route("/actions/<ref>/update", methods=["GET", "POST"])
@takes_files
@requires(Permission.UPDATE_ACTION)
def update(ref: str):
    ctx = _require_may_update(ref)
    actor = actor_for(current_user)
    row = queries.get_action(ref, today=today_london())
    form = ActionUpdateForm()
    can_sign_off = allowed(Permission.SIGN_OFF)
    # Any lifecycle is accepted as a choice: the version check comes first and then the rules
    # say which moves are allowed, so a move overtaken by someone else's change is a conflict.
    form.lifecycle.choices = LIFECYCLE_CHOICES
    if request.method == "GET":
        form.version.data = ctx.action.version
        form.lifecycle.data = ctx.current.lifecycle.value
        form.rag.data = ctx.current.rag.value if ctx.current.rag else ""
        form.impact.data = ctx.current.impact.value
    rule_errors: dict[str, str] = {}
    conflict = None
    if request.method == "POST" and set(request.files) - {"evidence_file"}:
        abort(400, description="Send the form's fields as text: a text field does not take files.")
    valid = form.validate_on_submit()
    item, item_errors = new_evidence_from(form, evidence_files.read_upload) if valid else (None, {})
    if item_errors:
        # The update's own rules too, so every problem is shown at once (nothing is written).
        rule_errors = update_service.validate(ctx, _proposal(form), actor) | item_errors
    elif valid:
        rule_errors, conflict, saved = _try_write(
            lambda: record_update_with_evidence(
                ref,
                _proposal(form),
                evidence=[item] if item else [],
                store=evidence_files.evidence_store(),
                expected_version=form.version.data,
                actor=actor,
                now=now_utc(),
                today=today_london(),
                cycle_start=setup_settings.schedule(),
                remote_addr=request.remote_addr or "",
            ),
            form,
            Permission.UPDATE_ACTION,
        )
        if saved:
            flash(f"{ref} updated.", "success")
            return redirect(url_for("plans.action", ref=ref))
    form.lifecycle.choices = lifecycle_choices(ctx.current.lifecycle, can_sign_off)
    for name, message in rule_errors.items():
        getattr(form, name).errors = [message]
    errors = _error_list(form)
    status = 409 if conflict else (400 if errors else 200)
    return render_template(
        "updates/update.html",
        form=form,
        row=row,
        ctx=ctx,
        errors=errors,
        conflict=conflict,
        can_sign_off=can_sign_off,
        **evidence_field_settings(),
    ), status


@bp.post("/actions/<ref>/dependencies")
@requires(Permission.UPDATE_ACTION)
def add_dependency(ref: str):
    _require_may_update(ref)
    form = DependencyForm()
    actor = actor_for(current_user)
    if form.validate_on_submit():
        try:
            added = dependency_service.add_dependency(
                ref,
                form.prerequisite.data,
                actor=actor,
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except update_service.Forbidden:
            refuse(Permission.UPDATE_ACTION, f"/actions/{ref}/dependencies")
        except NotFound:
            abort(404)
        except dependency_service.DependencyRefused as exc:
            form.prerequisite.errors = [str(exc)]
        else:
            message = f"{ref} now depends on {added.prerequisite}."
            if added.date_clash:
                message += (
                    f" Date clash: {ref} is due before {added.prerequisite}. "
                    "Dates are never moved automatically: agree new dates with the leads."
                )
            flash(message, "success")
            return redirect(url_for("plans.action", ref=ref) + "#dependencies")
    return _action_page_with(ref, dependency_form=form), 400


@bp.post("/actions/<ref>/dependencies/remove")
@requires(Permission.UPDATE_ACTION)
def remove_dependency(ref: str):
    _require_may_update(ref)
    form = RemoveDependencyForm()
    if not form.validate_on_submit():
        abort(400, description="Choose a dependency to remove")
    try:
        dependency_service.remove_dependency(
            ref,
            form.prerequisite.data,
            actor=actor_for(current_user),
            now=now_utc(),
            remote_addr=request.remote_addr or "",
        )
    except update_service.Forbidden:
        refuse(Permission.UPDATE_ACTION, f"/actions/{ref}/dependencies/remove")
    except NotFound:
        abort(404)
    flash(f"{ref} no longer depends on {form.prerequisite.data}.", "success")
    return redirect(url_for("plans.action", ref=ref) + "#dependencies")


def _action_page_with(ref: str, **extra):
    from tracker.web.plans.views import render_action

    return render_action(ref, **extra)


@bp.get("/sign-off")
@requires(Permission.SIGN_OFF)
def sign_off_list():
    return render_template(
        "updates/sign_off.html", waiting=signoff.list_awaiting_sign_off(today_london())
    )


@bp.route("/actions/<ref>/sign-off", methods=["GET", "POST"])
@requires(Permission.SIGN_OFF)
def sign_off(ref: str):
    ctx = _context(ref)
    row = queries.get_action(ref, today=today_london())
    form = SignOffForm()
    if request.method == "GET":
        form.version.data = ctx.action.version
    rule_errors: dict[str, str] = {}
    conflict = None
    if form.validate_on_submit():
        rule_errors, conflict, saved = _try_write(
            lambda: signoff.decide_sign_off(
                ref,
                approve=form.decision.data == "close",
                reason=form.reason.data or "",
                override_prerequisites=bool(form.override_prerequisites.data),
                expected_version=form.version.data,
                actor=actor_for(current_user),
                now=now_utc(),
                today=today_london(),
                cycle_start=setup_settings.schedule(),
                remote_addr=request.remote_addr or "",
            ),
            form,
            Permission.SIGN_OFF,
        )
        if saved:
            done = (
                "signed off and closed" if form.decision.data == "close" else "returned to its lead"
            )
            flash(f"{ref} {done}.", "success")
            return redirect(url_for("plans.action", ref=ref))
    for name, message in rule_errors.items():
        field = getattr(form, name, None) or form.decision
        field.errors = [message]
    errors = _error_list(form)
    waiting = signoff.list_awaiting_sign_off(today_london(), ref=ref)
    status = 409 if conflict else (400 if errors else 200)
    return render_template(
        "updates/sign_off_action.html",
        form=form,
        row=row,
        ctx=ctx,
        errors=errors,
        conflict=conflict,
        waiting=waiting[0] if waiting else None,
        evidence=evidence_service.list_for_action(ctx.action.id),
        evidence_for=ref,
        add_url=url_for("evidence.add_to_action", ref=ref),  # a chair may add evidence
        may_withdraw=False,
    ), status
