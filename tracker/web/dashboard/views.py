"""The chair's dashboard for the board: each count a link to the list it counts."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.requests import dashboard_settings, request_plans
from tracker.services.errors import BadFilter
from tracker.services.governance.dashboard import (
    dashboard_snapshot,
    filter_args,
    parse_dashboard_filters,
)
from tracker.services.plan import queries
from tracker.web.access import allowed, requires
from tracker.web.clean_query import drops_empty_values

bp = Blueprint("dashboard", __name__)

# Where each count leads: the list of exactly those actions, most days overdue first (the
# overdue list always is; the others are sorted by target date, oldest first).
_BY_DATE = {"sort": "target_date"}
ACTION_LISTS = {
    "overdue": ("plans.overdue", {}),
    "watermelons": ("plans.overdue", {"rag": "green"}),
    "red": ("plans.all_actions", {"rag": "red", **_BY_DATE}),
    "amber": ("plans.all_actions", {"rag": "amber", **_BY_DATE}),
    "green": ("plans.all_actions", {"rag": "green", **_BY_DATE}),
    "no_update": ("plans.all_actions", {"no_update": "true", **_BY_DATE}),
    "blocked": ("plans.all_actions", {"blocked": "true", **_BY_DATE}),
    "date_clash": ("plans.all_actions", {"date_clash": "true", **_BY_DATE}),
    "awaiting_sign_off": (
        "plans.all_actions",
        {"lifecycle": "complete_awaiting_signoff", **_BY_DATE},
    ),
    "awaiting_past_target": ("plans.all_actions", {"awaiting_past_target": "true", **_BY_DATE}),
}


def list_links(scope: dict[str, str]) -> dict[str, str]:
    """The list behind each count, with the dashboard's filters kept."""
    links = {
        key: url_for(endpoint, **{**scope, **fixed})
        for key, (endpoint, fixed) in ACTION_LISTS.items()
    }
    # Returns and SEFs have their own pages, by locality and cycle or month.
    for key in ("returns", "returns_late", "returns_missing"):
        links[key] = url_for("returns.index")
    for key in ("sefs", "sefs_late", "sefs_missing"):
        links[key] = url_for("sefs.index")
    return links


def _downloads(scope: dict[str, str]) -> dict[str, str] | None:
    """The files of exactly the actions the dashboard counts (its filters; the plan as it stands
    today), for people who may export: the workbook, the CSV and the group's board pack."""
    if not allowed(Permission.EXPORT):
        return None
    return {
        "xlsx": url_for("api.plan_xlsx", **scope),
        "csv": url_for("api.plan_csv", **scope),
        "pdf": url_for("api.board_pack_pdf", **scope),
    }


@bp.get("/dashboard")
@requires(Permission.READ_DASHBOARD)
@drops_empty_values
def show():
    """Counts, lists and charts for the board's weekly meeting."""
    today = today_london()
    plans = request_plans()
    try:
        filters = parse_dashboard_filters(dict(request.args.items()), plans=plans)
    except BadFilter as exc:
        abort(400, description=exc.message)
    snapshot = dashboard_snapshot(
        today, filters, now=now_utc(), settings=dashboard_settings(), plans=plans
    )
    scope = filter_args(filters)
    recommendations, events = queries.list_finding_menus()
    return render_template(
        "dashboard/show.html",
        snap=snapshot,
        counts=snapshot["counts"],
        links=list_links(scope),
        filters=filters,
        plans=plans,
        filtered_plan=next((p for p in plans if p.code == filters.plan), None),
        filtered=bool(scope),
        downloads=_downloads(scope),
        may_sign_off=allowed(Permission.SIGN_OFF),
        recommendations=recommendations,
        events=events,
        organisations=queries.list_organisations(),
        leads=queries.list_leads(),
    )
