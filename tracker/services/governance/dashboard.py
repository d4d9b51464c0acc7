"""The chair's dashboard for the board's weekly meeting: what is late, red, stale, blocked
or waiting, the returns and SEFs late or missing, and three charts from the history.

`dashboard_snapshot` answers with plain values only (numbers, strings, lists and dicts), so the
same figures can be shown on a page, sent by the API and frozen in a meeting's snapshot. Counts
come from the current-state projection in one statement; the per-cycle charts read the history
in one more. Every rule is the one the lists use (`reads.state`), so each count equals the total
of the list it links to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select, true

from tracker.domain import sef as sef_rules
from tracker.domain.calendar import LONDON
from tracker.domain.cycles import cycle_number_for
from tracker.domain.states import Lifecycle
from tracker.extensions import db
from tracker.models import Action, ActionState, ActionUpdate, Plan, Recommendation, UpdateCycle
from tracker.services.errors import BadFilter
from tracker.services.governance.challenges import list_open_challenges
from tracker.services.governance.signoff import list_awaiting_sign_off
from tracker.services.loop.return_reads import list_return_statuses
from tracker.services.loop.sefs import list_sef_grid
from tracker.services.plan.filters import PlanFilters, parse_filters
from tracker.services.reads.action_rows import LEAD_ORG
from tracker.services.reads.measure_links import list_green_actions_with_off_target_measures
from tracker.services.reads.plan_lists import apply_filters
from tracker.services.reads.reference import PlanChoice
from tracker.services.reads.state import (
    awaiting_past_target_clause,
    blocked_clause,
    date_clash_clause,
    is_open_clause,
    not_updated_clause,
    overdue_clause,
)

# What the dashboard is filtered by: the plan (or locality), recommendation, inspection event,
# lead organisation and lead. Each count's list takes the same values.
DASHBOARD_PARAMS = ("plan", "recommendation", "event", "lead_organisation", "lead")

# The counts, in the order the page and the API give them. Each is a list of actions (or of
# returns and SEFs) that the page links to.
COUNT_KEYS = (
    "overdue",
    "red",
    "amber",
    "green",
    "watermelons",
    "no_update",
    "blocked",
    "date_clash",
    "awaiting_sign_off",
    "awaiting_past_target",
    "returns_late",
    "returns_missing",
    "sefs_late",
    "sefs_missing",
    "green_off_target",
)
# The counts of actions (read from the projection); the rest are of returns and SEFs.
_PROJECTED = COUNT_KEYS[:10]
_CLOSED_VALUES = ("closed_evidenced", "superseded")
_WAITING = "waiting:"  # the history chart's mark on a RAG held while awaiting sign-off


@dataclass(frozen=True)
class DashboardSettings:
    """The settings the dashboard needs (from config.py, handed in by the caller)."""

    cycle_start: date
    sef_first_month: str
    sef_due_working_day: int
    sef_enabled: bool = True  # no monthly self-evaluation asked: none is late or missing


def parse_dashboard_filters(args: dict[str, str], *, plans: Sequence[PlanChoice]) -> PlanFilters:
    """The dashboard's five filters from query-string values; any other name is refused.
    `plans`: every plan (the database's), which a plan filter must name."""
    unknown = sorted(set(args) - set(DASHBOARD_PARAMS))
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter the dashboard understands")
    return parse_filters(
        {k: v for k, v in args.items() if v not in ("", None)}, plans=[p.code for p in plans]
    )


def filter_args(f: PlanFilters) -> dict[str, str]:
    """The query-string values that give these filters (for links to the lists)."""
    values = {
        "plan": f.plan,
        "recommendation": f.recommendation,
        "event": str(f.event) if f.event is not None else None,
        "lead_organisation": f.lead_organisation,
        "lead": str(f.lead) if f.lead is not None else None,
    }
    return {k: v for k, v in values.items() if v}


def _scoped(f: PlanFilters) -> bool:
    return any(
        (f.plan, f.recommendation, f.lead_organisation, f.lead is not None, f.event is not None)
    )


def _in_scope(query: Select, f: PlanFilters, today: date) -> Select:
    """Join Plan (and what the filters ask about) to a query over Action, narrowed to the
    filters. Unfiltered, nothing is joined that is not needed."""
    query = query.join(Plan, Plan.id == Action.plan_id)
    if f.recommendation or f.event is not None:
        query = query.join(Recommendation, Recommendation.id == Action.recommendation_id)
    if f.lead_organisation:
        query = query.join(LEAD_ORG, LEAD_ORG.id == Action.lead_organisation_id)
    if f.plan is not None:
        query = query.where(Plan.code == f.plan)
    scope = PlanFilters(
        recommendation=f.recommendation, lead_organisation=f.lead_organisation, event=f.event
    )
    scope.lead = f.lead
    return apply_filters(query, scope, today, None)


def _scope_ids(f: PlanFilters, today: date) -> Select | None:
    """Subquery: the ids of the actions the filters choose (None when every action is)."""
    if not _scoped(f):
        return None
    return _in_scope(select(Action.id).select_from(Action), f, today)


def _count(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _counts_by_plan(f: PlanFilters, today: date, cycle: int | None) -> dict[str, dict[str, int]]:
    """Each plan's counts now, from the projection: one statement."""
    columns = {
        "actions": func.count(),
        "open": _count(is_open_clause()),
        "red": _count(and_(is_open_clause(), ActionState.rag == "red")),
        "amber": _count(and_(is_open_clause(), ActionState.rag == "amber")),
        "green": _count(and_(is_open_clause(), ActionState.rag == "green")),
        "closed": _count(ActionState.lifecycle == Lifecycle.CLOSED_EVIDENCED.value),
        "superseded": _count(ActionState.lifecycle == Lifecycle.SUPERSEDED.value),
        "overdue": _count(overdue_clause(today)),
        "watermelons": _count(and_(ActionState.rag == "green", overdue_clause(today))),
        "no_update": _count(not_updated_clause(cycle)),
        "blocked": _count(blocked_clause(today)),
        "date_clash": _count(date_clash_clause()),
        "awaiting_sign_off": _count(
            ActionState.lifecycle == Lifecycle.COMPLETE_AWAITING_SIGNOFF.value
        ),
        # Waiting work, not late work: counted apart from overdue (the chair's queue).
        "awaiting_past_target": _count(awaiting_past_target_clause(today)),
    }
    query = _in_scope(
        select(Plan.code, *(c.label(k) for k, c in columns.items()))
        .select_from(Action)
        .join(ActionState, ActionState.action_id == Action.id),
        f,
        today,
    ).group_by(Plan.id, Plan.code)
    return {
        row[0]: {k: int(getattr(row, k) or 0) for k in columns}
        for row in db.session.execute(query).all()
    }


def _history_by_cycle(
    f: PlanFilters, today: date, before: int
) -> dict[int, dict[str, dict[str, int]]]:
    """For each cycle before number `before`: each plan's RAG mix, closed and overdue actions as
    they stood at that cycle's return deadline, rebuilt from the history. One statement: for
    each cycle and action, one step down the (action, recorded_at, version) index finds the
    history row that held at the deadline, however long the history."""
    # What the held row counts as: closed, superseded, or its RAG. A value, not a row to join,
    # so no plan has to hash the whole history to find it again.
    # Awaiting sign-off keeps its RAG, marked as waiting: it is never overdue (open work only).
    bucket = case(
        (ActionUpdate.lifecycle == Lifecycle.CLOSED_EVIDENCED.value, "closed"),
        (ActionUpdate.lifecycle == Lifecycle.SUPERSEDED.value, "superseded"),
        (
            ActionUpdate.lifecycle == Lifecycle.COMPLETE_AWAITING_SIGNOFF.value,
            literal(_WAITING) + func.coalesce(ActionUpdate.rag, ""),
        ),
        else_=ActionUpdate.rag,
    )
    held = (
        select(bucket)
        .where(ActionUpdate.action_id == Action.id, ActionUpdate.recorded_at <= UpdateCycle.due_at)
        .order_by(ActionUpdate.recorded_at.desc(), ActionUpdate.version.desc())
        .limit(1)
        .correlate(Action, UpdateCycle)
        .scalar_subquery()
    )
    at_deadline = _in_scope(
        select(
            UpdateCycle.number.label("number"),
            UpdateCycle.due_on.label("due_on"),
            Plan.code.label("plan"),
            Action.target_date.label("target_date"),
            held.label("bucket"),
        )
        .select_from(UpdateCycle)
        .join(Action, true()),
        f,
        today,
    )
    # Materialised, so each step down the index is taken once, not again for each use.
    pairs = (
        at_deadline.where(UpdateCycle.number < before)
        .cte("at_deadline")
        .prefix_with("MATERIALIZED")
    )
    # Overdue at the deadline: the domain's rule, on the cycle's due day.
    overdue = and_(
        pairs.c.target_date.is_not(None),
        pairs.c.target_date < pairs.c.due_on,
        pairs.c.bucket.not_in(("closed", "superseded")),
        ~pairs.c.bucket.startswith(_WAITING),
    )
    query = (
        select(pairs.c.number, pairs.c.plan, pairs.c.bucket, func.count(), _count(overdue))
        .where(pairs.c.bucket.is_not(None))  # an action made after the deadline had no row yet
        .group_by(pairs.c.number, pairs.c.plan, pairs.c.bucket)
    )
    out: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for number, plan, bucket_name, n, late in db.session.execute(query).all():
        bucket_name = bucket_name.removeprefix(_WAITING)
        cell = out[number][plan]
        cell[bucket_name] = cell.get(bucket_name, 0) + int(n)
        cell["actions"] = cell.get("actions", 0) + int(n)
        cell["overdue"] = cell.get("overdue", 0) + int(late or 0)
    return out


def _cycles_with_planned(f: PlanFilters, today: date) -> list[tuple[int, date, datetime, int]]:
    """Every cycle with how many actions (of those chosen) are due by its due day: two small
    statements (the cycles, and the chosen actions counted by target date)."""
    cycles = db.session.execute(
        select(UpdateCycle.number, UpdateCycle.due_on, UpdateCycle.due_at).order_by(
            UpdateCycle.number
        )
    ).all()
    by_date = db.session.execute(
        _in_scope(select(Action.target_date, func.count()).select_from(Action), f, today)
        .where(Action.target_date.is_not(None))
        .group_by(Action.target_date)
    ).all()
    return [
        (n, due_on, due_at, sum(int(k) for day, k in by_date if day <= due_on))
        for n, due_on, due_at in cycles
    ]


def _plans_shown(f: PlanFilters, plans: Sequence[PlanChoice]) -> list[PlanChoice]:
    return [p for p in plans if f.plan in (None, p.code)]


def _returns_and_sefs(
    f: PlanFilters,
    plans: Sequence[PlanChoice],
    *,
    today: date,
    now: datetime,
    cycle: int | None,
    settings: DashboardSettings,
) -> tuple[list[dict], list[dict]]:
    """Returns and SEFs late or missing, newest first, as the returns and SEF pages say. They
    are a locality's: only the plan filter narrows them (a plan of no locality has none)."""
    locality = None
    if f.plan is not None:
        locality = next((p.locality_code for p in plans if p.code == f.plan), None)
        if locality is None:
            return [], []
    returns = []
    for row in list_return_statuses(today=today, now=now, upto=cycle or 0):
        for r in row:
            if (locality and r.locality_code != locality) or not (r.late or r.overdue):
                continue
            if r.retired:  # a retired area owes nothing now; its history is on the returns page
                continue
            returns.append(
                {
                    "locality": r.locality_code,
                    "locality_name": r.locality_name,
                    "cycle": r.cycle_number,
                    "due_at": r.due_at.isoformat(),
                    "status": "missing" if r.overdue else "late",
                    "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                }
            )
    months = sef_rules.sef_months(settings.sef_first_month, today) if settings.sef_enabled else []
    sefs = []
    grid = list_sef_grid(
        months, today, locality=locality, due_working_day=settings.sef_due_working_day
    )
    for month_row in grid:
        for cell in month_row.cells:
            if (cell.late or cell.missing) and not cell.retired:
                sefs.append(
                    {
                        "locality": cell.locality_code,
                        "locality_name": cell.locality_name,
                        "month": cell.month,
                        "month_label": month_row.month_label,
                        "due_on": cell.due_on.isoformat(),
                        "status": "missing" if cell.missing else "late",
                    }
                )
    return returns, sefs


def _sum(by_plan: dict[str, dict[str, int]], key: str) -> int:
    return sum(cell.get(key, 0) for cell in by_plan.values())


def _charts(
    f: PlanFilters,
    *,
    today: date,
    cycle: int | None,
    now_by_plan: dict[str, dict[str, int]],
    total: int,
    plans: Sequence[PlanChoice],
) -> dict[str, Any]:
    """The three charts' figures: RAG mix per cycle, the burn-down and overdue by locality."""
    cycles = _cycles_with_planned(f, today)
    current = cycle or 0
    past = _history_by_cycle(f, today, before=current) if current > 1 else {}
    shown = _plans_shown(f, plans)
    rag_mix, overdue_by_plan, burn_down = [], [], []
    # The cycles so far, and on to the first by which every chosen action with a date is due.
    all_due = max((planned for *_, planned in cycles), default=0)
    last = max(current, next((n for n, *_, planned in cycles if planned == all_due), current))
    for number, due_on, _due_at, planned in cycles:
        if number > last:
            break
        point: dict[str, Any] = {
            "cycle": number,
            "due_on": due_on.isoformat(),
            "planned_open": total - planned,
            "actual_open": None,
            "closed": None,
        }
        burn_down.append(point)
        if number > current:
            continue
        # Past cycles as they stood at their return deadline; this one as it stands today.
        by_plan = now_by_plan if number == current else past.get(number, {})
        as_at = (today if number == current else due_on).isoformat()
        closed = _sum(by_plan, "closed") + _sum(by_plan, "superseded")
        point |= {"actual_open": _sum(by_plan, "actions") - closed, "closed": closed}
        rag_mix.append(
            {
                "cycle": number,
                "as_at": as_at,
                "so_far": number == current,
                "red": _sum(by_plan, "red"),
                "amber": _sum(by_plan, "amber"),
                "green": _sum(by_plan, "green"),
                "closed": closed,
            }
        )
        overdue_by_plan.append(
            {
                "cycle": number,
                "as_at": as_at,
                "so_far": number == current,
                "counts": {p.code: by_plan.get(p.code, {}).get("overdue", 0) for p in shown},
            }
        )
    # A retired area's plan is charted only while it has overdue actions (or is the one chosen):
    # a line of noughts for an area that no longer makes returns is noise.
    shown = [
        p
        for p in shown
        if not p.retired
        or f.plan == p.code
        or any(point["counts"].get(p.code) for point in overdue_by_plan)
    ]
    for point in overdue_by_plan:
        point["counts"] = {p.code: point["counts"][p.code] for p in shown}
    due = next((due_at for n, _, due_at, _ in cycles if n == current), None)
    return {
        "cycle_due_at": due.isoformat() if due else None,
        "rag_mix": rag_mix,
        "burn_down": burn_down,
        "overdue_by_plan": {
            "plans": [{"code": p.code, "name": p.name} for p in shown],
            "cycles": overdue_by_plan,
        },
    }


def dashboard_snapshot(
    today: date,
    filters: PlanFilters | None = None,
    *,
    now: datetime,
    settings: DashboardSettings,
    plans: Sequence[PlanChoice],
) -> dict[str, Any]:
    """The chair's dashboard as plain values (JSON as it is): the counts, what each list needs
    to show beside them, and the charts' figures. A fixed number of statements, whatever the
    size of the plan or its history."""
    f = filters or PlanFilters()
    cycle = cycle_number_for(settings.cycle_start, today)
    by_plan = _counts_by_plan(f, today, cycle)
    counts = {k: _sum(by_plan, k) for k in _PROJECTED}
    awaiting = list_awaiting_sign_off(today, scope=_scope_ids(f, today))
    returns, sefs = _returns_and_sefs(
        f, plans, today=today, now=now, cycle=cycle, settings=settings
    )
    counts |= {
        "returns_late": sum(1 for r in returns if r["status"] == "late"),
        "returns_missing": sum(1 for r in returns if r["status"] == "missing"),
        "sefs_late": sum(1 for s in sefs if s["status"] == "late"),
        "sefs_missing": sum(1 for s in sefs if s["status"] == "missing"),
    }
    total = _sum(by_plan, "actions")
    # Watermelons of another kind: green while a measure the action evidences is off target.
    # Across every plan (a measure is the contract's, not a locality's), three statements.
    green_off = list_green_actions_with_off_target_measures(today)
    if f.plan is not None:
        green_off = [g for g in green_off if g.plan == f.plan]
    counts["green_off_target"] = len({g.action_ref for g in green_off})
    charts = _charts(f, today=today, cycle=cycle, now_by_plan=by_plan, total=total, plans=plans)
    return {
        "today": today.isoformat(),
        "cycle": cycle,
        "cycle_due_at": charts.pop("cycle_due_at"),
        "filters": filter_args(f),
        "actions": total,
        "open": _sum(by_plan, "open"),
        "closed": _sum(by_plan, "closed"),
        "superseded": _sum(by_plan, "superseded"),
        "counts": {k: counts[k] for k in COUNT_KEYS},
        "awaiting_sign_off": [
            {
                "ref": a.ref,
                "title": a.title,
                "plan_name": a.plan_name,
                "lead_name": a.lead_name,
                "since": a.since.isoformat(),
                "working_days_waiting": a.working_days_waiting,
            }
            for a in awaiting
        ],
        # The challenge log (services/governance/challenges.py): what awaits an answer or the
        # challenger, oldest first, with its age in London days. One statement.
        "open_challenges": [
            {
                "id": c.id,
                "subject": c.subject,
                "question": c.question,
                "raised_by": c.raised_by,
                "raised_on": c.raised_at.astimezone(LONDON).date().isoformat(),
                "age_days": c.age_days(today),
                "status": c.status.value,
                "status_label": c.status.label,
                "plan": c.plan,
            }
            for c in list_open_challenges()
            if f.plan is None or c.plan == f.plan
        ],
        "returns": returns,
        "sefs": sefs,
        "green_off_target": [
            {
                "ref": g.action_ref,
                "title": g.action_title,
                "measure": g.measure_code,
                "measure_title": g.measure_title,
                "period": g.period.strftime("%Y-%m"),
                "period_label": g.period_label,
                "value": float(g.value),
                "unit": g.unit,
                "value_text": g.value_text,
            }
            for g in green_off
        ],
        "charts": charts,
    }
