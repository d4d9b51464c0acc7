"""Changing the plan: add an action, edit one, ask for a new target date and decide on it, and
the lists of pending requests and re-baselined actions."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.domain.plan_changes import NewAction, PlanEntry
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.plan import plan_changes as service
from tracker.services.plan import queries
from tracker.services.plan import updates as update_service
from tracker.services.plan.updates import Conflict, Forbidden, Rejected
from tracker.services.reads import plan_changes as reads
from tracker.services.reads.reference import list_active_people
from tracker.web.access import actor_for, refuse, requires
from tracker.web.form_helpers import form_errors
from tracker.web.plan_changes.forms import (
    AddActionForm,
    DateRequestForm,
    DecisionForm,
    EditActionForm,
    SupersedeForm,
)

bp = Blueprint("plan_changes", __name__)


def _apply(form, errors: dict[str, str], fallback: str) -> None:
    """Put the service's rule errors on the form's fields (an unknown name on `fallback`)."""
    for name, message in errors.items():
        field = getattr(form, name, None) or getattr(form, fallback)
        field.errors = [*field.errors, message] if field.errors else [message]


def _page(template: str, form, conflict=None, **context):
    """The form's page again: 409 when someone else changed the action first, 400 with the
    error summary when the form is wrong, 200 when it is first shown."""
    errors = form_errors(form)
    status = 409 if conflict else (400 if errors else 200)
    return render_template(template, form=form, errors=errors, conflict=conflict, **context), status


def _entry(form) -> PlanEntry:
    return PlanEntry(
        title=form.title.data or "",
        description=form.description.data or "",
        lead=form.lead.data or "",
        lead_organisation=form.lead_organisation.data or "",
        partners=tuple(form.partners.data or ()),
        success_measure=form.success_measure.data or "",
    )


@bp.route("/plans/<code>/actions/new", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def add_action(code: str):
    try:
        plan = queries.get_plan(code)
    except NotFound:
        abort(404)
    form = AddActionForm()
    form.fill_choices(list_active_people(), queries.list_organisations())
    form.fill_recommendations(queries.list_recommendation_refs())
    if form.validate_on_submit():
        try:
            ref = service.add_action(
                code,
                NewAction(
                    recommendation=form.recommendation.data,
                    title=form.title.data or "",
                    description=form.description.data or "",
                    lead_organisation=form.lead_organisation.data or "",
                    start_date=form.start_date.day,
                    target_date=form.target_date.day,
                    success_measure=form.success_measure.data or "",
                    reason=form.reason.data or "",
                ),
                lead_user_id=int(form.lead.data) if form.lead.data else None,
                partners=tuple(form.partners.data or ()),
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except Rejected as exc:
            _apply(form, exc.errors, "title")
        except Forbidden:
            refuse(Permission.EDIT_PLAN)
        else:
            flash(f"{ref} added to the {plan.name}.", "success")
            return redirect(url_for("plans.action", ref=ref))
    return _page("plan_changes/add_action.html", form, plan=plan)


@bp.route("/actions/<ref>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_PLAN)
def edit_action(ref: str):
    try:
        ctx = service.load_edit_context(ref)
    except NotFound:
        abort(404)
    form = EditActionForm()
    form.fill_choices(list_active_people(), queries.list_organisations())
    if request.method == "GET":
        entry = ctx.entry
        form.plan_version.data = ctx.action.plan_version
        form.title.data, form.description.data = entry.title, entry.description
        form.lead.data, form.lead_organisation.data = entry.lead, entry.lead_organisation
        form.partners.data = list(entry.partners)
        form.success_measure.data = entry.success_measure
    conflict = None
    if form.validate_on_submit():
        try:
            service.edit_action(
                ref,
                _entry(form),
                reason=form.reason.data or "",
                expected_plan_version=form.plan_version.data,
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except Rejected as exc:
            _apply(form, exc.errors, "title")
        except service.PlanConflict as exc:
            conflict = exc
            form.plan_version.data = exc.current_version
            form.plan_version.raw_data = [str(exc.current_version)]
        except Forbidden:
            refuse(Permission.EDIT_PLAN)
        else:
            flash(f"{ref} changed.", "success")
            return redirect(url_for("plans.action", ref=ref) + "#history")
    return _page("plan_changes/edit_action.html", form, conflict, ctx=ctx)


@bp.route("/actions/<ref>/target-date", methods=["GET", "POST"])
@requires(Permission.REQUEST_DATE_CHANGE)
def request_date(ref: str):
    try:
        ctx = service.load_edit_context(ref)
    except NotFound:
        abort(404)
    actor = actor_for(current_user)
    if not service.may_request_date(actor, ctx):
        refuse(Permission.REQUEST_DATE_CHANGE)
    form = DateRequestForm()
    if form.validate_on_submit():
        try:
            service.request_target_date(
                ref,
                form.new_date.day,
                reason=form.reason.data or "",
                actor=actor,
                now=now_utc(),
                today=today_london(),
                remote_addr=request.remote_addr or "",
            )
        except Rejected as exc:
            _apply(form, exc.errors, "new_date")
        except Forbidden:
            refuse(Permission.REQUEST_DATE_CHANGE)
        else:
            flash(
                f"Your request to move {ref}'s target date has been sent to the chairs.", "success"
            )
            return redirect(url_for("plans.action", ref=ref) + "#target-date")
    return _page("plan_changes/request_date.html", form, ctx=ctx)


@bp.get("/date-requests")
@requires(Permission.DECIDE_DATE_CHANGE)
def date_requests():
    return render_template(
        "plan_changes/date_requests.html", pending=reads.list_pending_date_requests()
    )


@bp.route("/date-requests/<int:request_id>", methods=["GET", "POST"])
@requires(Permission.DECIDE_DATE_CHANGE)
def decide(request_id: int):
    if request_id > 2_147_483_647:
        abort(404)
    row = reads.get_date_request(request_id)
    if row is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            ref = service.decide_target_date(
                request_id,
                approve=approve,
                note=form.note.data or "",
                actor=actor_for(current_user),
                now=now_utc(),
                remote_addr=request.remote_addr or "",
            )
        except Rejected as exc:
            _apply(form, exc.errors, "decision")
        except Forbidden:
            refuse(Permission.DECIDE_DATE_CHANGE)
        except NotFound:
            abort(404)
        else:
            done = "approved: the target date has moved" if approve else "refused"
            flash(f"The request to move {ref}'s target date was {done}.", "success")
            return redirect(url_for("plan_changes.date_requests"))
    return _page("plan_changes/decide.html", form, row=row)


@bp.get("/actions/rebaselined")
@requires(Permission.READ_PLAN)
def rebaselined():
    return render_template(
        "plan_changes/rebaselined.html", rows=reads.list_rebaselined(today_london())
    )


@bp.route("/actions/<ref>/supersede", methods=["GET", "POST"])
@requires(Permission.SIGN_OFF)
def supersede(ref: str):
    """A chair marks an action superseded, naming the action that replaces it."""
    contexts = update_service.load_contexts(refs=[ref])
    if not contexts:
        abort(404)
    ctx = next(iter(contexts.values()))
    form = SupersedeForm()
    if request.method == "GET":
        form.version.data = ctx.action.version
    conflict = None
    if form.validate_on_submit():
        try:
            service.supersede_action(
                ref,
                form.superseded_by.data or "",
                reason=form.reason.data or "",
                expected_version=form.version.data,
                actor=actor_for(current_user),
                now=now_utc(),
                today=today_london(),
                cycle_start=setup_settings.schedule(),
                remote_addr=request.remote_addr or "",
            )
        except Rejected as exc:
            _apply(form, exc.errors, "superseded_by")
        except Conflict as exc:
            conflict = exc
            form.version.data = exc.current_version
            form.version.raw_data = [str(exc.current_version)]
        except Forbidden:
            refuse(Permission.SIGN_OFF)
        else:
            flash(f"{ref} superseded by {form.superseded_by.data.upper()}.", "success")
            return redirect(url_for("plans.action", ref=ref))
    return _page("plan_changes/supersede.html", form, conflict, ctx=ctx)
