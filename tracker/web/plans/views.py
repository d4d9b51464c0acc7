from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from tracker.clock import today_london
from tracker.domain.permissions import Permission, Target
from tracker.services import queries
from tracker.services.errors import BadFilter, NotFound
from tracker.web.access import allowed, requires
from tracker.web.as_at import as_at_from_request
from tracker.web.updates.forms import DependencyForm, RemoveDependencyForm

bp = Blueprint("plans", __name__)


@bp.get("/plans/<code>")
@requires(Permission.READ_PLAN)
def show(code: str):
    if code not in queries.PLAN_CODES:
        abort(404)
    plan = queries.get_plan(code)
    as_at, as_at_day = as_at_from_request()
    args = {k: v for k, v in request.args.items() if k != "as_at"}
    try:
        filters = queries.parse_filters(args)
    except BadFilter as exc:
        abort(400, description=exc.message)
    rows, _ = queries.list_actions(
        today=as_at_day or today_london(), plan=code, filters=filters, as_at=as_at
    )
    return render_template(
        "plans/plan.html",
        plan=plan,
        rows=rows,
        filters=filters,
        args=args,
        as_at_day=as_at_day,
        recommendations=queries.list_recommendation_refs(),
        organisations=queries.list_organisations(),
        sort_state=_sort_state(code, args, filters),
    )


def _sort_state(code: str, args: dict[str, str], filters: queries.PlanFilters):
    """Links for the sortable column headers, keeping the filters, with aria-sort states."""

    def state(key: str) -> dict[str, str]:
        current = filters.sort == key
        descending = current and not filters.descending
        link_args = {**args, "sort": ("-" if descending else "") + key}
        if as_at := request.args.get("as_at"):
            link_args["as_at"] = as_at
        aria = "none"
        if current:
            aria = "descending" if filters.descending else "ascending"
        return {
            "href": url_for("plans.show", code=code, **link_args),
            "aria": aria,
            "hint": f"sort {'descending' if descending else 'ascending'}",
        }

    return state


@bp.get("/actions/<ref>")
@requires(Permission.READ_PLAN)
def action(ref: str):
    return render_action(ref)


def render_action(ref: str, dependency_form=None) -> str:
    """The action page (also re-rendered with errors by the dependency form)."""
    as_at, as_at_day = as_at_from_request()
    today = as_at_day or today_london()
    try:
        row = queries.get_action(ref, today=today, as_at=as_at)
    except NotFound:
        abort(404)
    prerequisites, dependents, blocked = queries.get_dependencies(row, today=today, as_at=as_at)
    history = queries.get_history(row.id, as_at=as_at)
    target = Target(lead_user_id=row.lead_user_id, locality=row.locality)
    return render_template(
        "plans/action.html",
        row=row,
        prerequisites=prerequisites,
        dependents=dependents,
        blocked=blocked,
        history=history,
        as_at_day=as_at_day,
        may_update=allowed(Permission.UPDATE_ACTION, target),
        may_sign_off=allowed(Permission.SIGN_OFF),
        dependency_form=dependency_form or DependencyForm(),
        remove_form=RemoveDependencyForm(),
    )
