from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission, Target
from tracker.domain.states import days_overdue
from tracker.http.requests import request_plans
from tracker.services.errors import BadFilter, NotFound
from tracker.services.exchange.exports import export_args
from tracker.services.governance.dashboard import filter_args
from tracker.services.mail import notify
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import queries
from tracker.services.plan.filters import describe_filters
from tracker.services.plan.queries import Plan
from tracker.services.reads import plan_changes as change_reads
from tracker.web import listing
from tracker.web.access import actor_for, allowed, requires
from tracker.web.as_at import AsAt, as_at_from_request, read_as_at
from tracker.web.back import LIST_PAGES, came_from
from tracker.web.challenges import views as challenges
from tracker.web.clean_query import drops_empty_values
from tracker.web.notify.forms import FollowForm
from tracker.web.updates.forms import DependencyForm, RemoveDependencyForm

bp = Blueprint("plans", __name__)


@bp.get("/plans/<code>")
@requires(Permission.READ_PLAN)
@drops_empty_values
def show(code: str):
    try:
        plan = queries.get_plan(code)
    except NotFound:
        abort(404)
    return _action_list(plan)


@bp.get("/actions")
@requires(Permission.READ_PLAN)
@drops_empty_values
def all_actions():
    """Every plan's actions in one list, with the plan pages' filters and a plan filter: where
    the counts across all plans lead."""
    return _action_list(None)


@bp.get("/actions/overdue")
@requires(Permission.READ_PLAN)
@drops_empty_values
def overdue():
    """Overdue actions across all plans, most days overdue first, with the list's other filters."""
    return _action_list(None, overdue_only=True)


# The overdue list is always overdue and always sorted by days overdue (target date, oldest first).
_OVERDUE_FIXED = ("overdue", "sort")


def _action_list(plan: Plan | None, *, overdue_only: bool = False):
    """A plan page, or the all-actions list (`plan` None): filtered, sorted, 100 a page. A date
    that is not understood is shown as an error on the same page, the other filters kept."""
    as_at = read_as_at(plan.code if plan else None)
    day = as_at.day or today_london()
    drop = ("plan",) if plan else _OVERDUE_FIXED if overdue_only else ()
    try:
        args, filters = listing.read_filters(day, drop=drop)
        page = listing.read_page()
        print_all = listing.read_print_all()
    except BadFilter as exc:
        abort(400, description=exc.message)
    if overdue_only:
        filters.overdue, filters.sort, filters.descending = True, "target_date", False
    try:
        rows, total = queries.list_actions(
            today=day,
            plan=plan.code if plan else None,
            filters=filters,
            as_at=as_at.moment,
            page=None if print_all else page,
            per_page=None if print_all else listing.PER_PAGE,
        )
    except BadFilter as exc:  # filters that cannot be read as at a past date
        abort(400, description=exc.message)
    # The print view holds every row on one page (the same statements, without the paging).
    pages = listing.Pages(page=1, total=total, per_page=max(total, 1)) if print_all else None
    pages = pages or listing.Pages(page=page, total=total)
    leads, organisations = queries.list_leads(), queries.list_organisations()
    recommendations, events = queries.list_finding_menus()
    kept = {**args, **_as_at_arg(as_at)}  # every link keeps the filters and the date
    if not print_all and page > pages.count:
        return redirect(_list_url(plan, kept, page=pages.count, overdue_only=overdue_only))
    return render_template(
        "plans/plan.html",
        plan=plan,
        plans=request_plans(),
        overdue_only=overdue_only,
        days_overdue={r.id: days_overdue(r.target_date, r.lifecycle, day) for r in rows}
        if overdue_only
        else {},
        rows=rows,
        pages=pages,
        pagination=pages.component(
            lambda n: _list_url(plan, kept, page=n, overdue_only=overdue_only)
        ),
        downloads=_downloads(plan, kept, filters) if pages.total and not as_at.error else None,
        filters=filters,
        as_at=as_at,
        as_at_day=as_at.day,
        recommendations=recommendations,
        events=events,
        organisations=organisations,
        leads=leads,
        clear_url=_list_url(plan, {}, overdue_only=overdue_only),
        sort_state=_sort_state(plan, kept, filters),
        printed_at=now_utc(),
        print_all=print_all,
        print_url=_list_url(plan, {**kept, "print": "all"}, overdue_only=overdue_only),
        list_url=_list_url(plan, kept, overdue_only=overdue_only),
        applied=describe_filters(
            filters, leads, organisations, show_plan=plan is None, events=events
        ),
        dashboard_url=_dashboard_url(filters) if plan is None else None,
    ), (400 if as_at.error else 200)


def _dashboard_url(filters) -> str | None:
    """The chair's dashboard with this list's plan, recommendation, lead organisation and
    lead (the filters it has), for people who may read it: the way back after narrowing the
    list the dashboard led to."""
    if not allowed(Permission.READ_DASHBOARD):
        return None
    return url_for("dashboard.show", **filter_args(filters))


def _as_at_arg(as_at: AsAt) -> dict[str, str]:
    return {"as_at": as_at.day.isoformat()} if as_at.day else {}


def _downloads(plan: Plan | None, args: dict[str, str], filters) -> dict[str, str] | None:
    """The files of exactly this list (every page of it, in its order, with its as-at date) for
    people who may export: the workbook, the workbook with the history, the CSV and the
    board pack (PDF)."""
    if not allowed(Permission.EXPORT):
        return None
    fixed = {"sort": ("-" if filters.descending else "") + filters.sort}
    if filters.overdue is not None:
        fixed["overdue"] = "true" if filters.overdue else "false"
    if plan is not None:
        fixed["plan"] = plan.code
    asked = export_args({**args, **fixed})
    return {
        "xlsx": url_for("api.plan_xlsx", **asked),
        "xlsx_history": url_for("api.plan_xlsx", **asked, history="true"),
        "csv": url_for("api.plan_csv", **asked),
        "pdf": url_for("api.board_pack_pdf", **asked),
    }


def _list_url(
    plan: Plan | None, args: dict[str, str], page: int = 1, *, overdue_only: bool = False
) -> str:
    if page > 1:
        args = {**args, "page": str(page)}
    if overdue_only:
        return url_for("plans.overdue", **args)
    if plan is None:
        return url_for("plans.all_actions", **args)
    return url_for("plans.show", code=plan.code, **args)


def _sort_state(plan: Plan | None, args: dict[str, str], filters: queries.PlanFilters):
    """Links for the sortable column headers, keeping the filters, with aria-sort states."""

    def state(key: str) -> dict[str, str]:
        current = filters.sort == key
        descending = current and not filters.descending
        link_args = {**args, "sort": ("-" if descending else "") + key}
        aria = "none"
        if current:
            aria = "descending" if filters.descending else "ascending"
        return {
            "href": _list_url(plan, link_args),
            "aria": aria,
            "hint": f"sort {'descending' if descending else 'ascending'}",
        }

    return state


@bp.get("/actions/<ref>")
@requires(Permission.READ_PLAN)
def action(ref: str):
    return render_action(ref)


def _timeline(history, plan_changes) -> list[tuple[str, object]]:
    """The fortnightly updates and the plan's own changes in one list, newest first."""
    merged = [(h.recorded_at, 0, "update", h) for h in history]
    merged += [(c.when, 1, "plan", c) for c in plan_changes]
    merged.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(kind, item) for _, _, kind, item in merged]


def _back_link(row) -> dict[str, str]:
    """Back to the list the action was opened from (its filters kept), or to its plan."""
    plan_text = "Back to the " + row.plan_name
    came = came_from({**LIST_PAGES, "plans.show": plan_text})
    if came is None or (came[2] == "plans.show" and came[3].get("code") != row.plan):
        return {"href": url_for("plans.show", code=row.plan), "text": plan_text}
    return {"href": came[0], "text": came[1]}


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
    plan_changes, pending = change_reads.action_plan_history(row.id, as_at=as_at)
    target = Target(lead_user_id=row.lead_user_id, locality=row.locality)
    subject = evidence_service.Subject(
        action_id=row.id, action_ref=row.ref, lead_user_id=row.lead_user_id, locality=row.locality
    )
    may_add_evidence = not as_at_day and evidence_service.may_add(actor_for(current_user), subject)
    return render_template(
        "plans/action.html",
        row=row,
        further_findings=queries.list_further_findings(row.id),
        back=_back_link(row),
        prerequisites=prerequisites,
        dependents=dependents,
        blocked=blocked,
        history=history,
        timeline=_timeline(history, plan_changes),
        pending_request=pending,
        may_edit_plan=allowed(Permission.EDIT_PLAN),
        may_request_date=allowed(Permission.REQUEST_DATE_CHANGE, target),
        may_decide_date=allowed(Permission.DECIDE_DATE_CHANGE),
        as_at_day=as_at_day,
        may_update=allowed(Permission.UPDATE_ACTION, target),
        may_sign_off=allowed(Permission.SIGN_OFF),
        dependency_form=dependency_form or DependencyForm(),
        remove_form=RemoveDependencyForm(),
        **challenges.section_for(action_ref=row.ref),
        evidence=evidence_service.list_for_action(row.id, as_at=as_at),
        evidence_for=row.ref,
        add_url=url_for("evidence.add_to_action", ref=row.ref) if may_add_evidence else None,
        may_withdraw=may_add_evidence,
        following=notify.is_following(current_user.id, row.id) if not as_at_day else False,
        follow_form=FollowForm(),
    )
