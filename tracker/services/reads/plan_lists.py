"""Which actions a plan list shows: filters, sort order, paging and its count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.states import Lifecycle
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Organisation,
    Plan,
    Recommendation,
    UpdateCycle,
    action_finding,
    action_partner,
)
from tracker.services.errors import BadFilter
from tracker.services.plan.filters import PlanFilters
from tracker.services.reads.action_rows import (
    LEAD,
    LEAD_ORG,
    ActionRow,
    action_rows_query,
    attach_partners_and_dependencies,
    to_row,
)
from tracker.services.reads.state import (
    awaiting_past_target_clause,
    blocked_clause,
    date_clash_clause,
    is_open_clause,
    not_updated_clause,
    overdue_clause,
    state_for,
)

_LINKED = aliased(Recommendation, name="linked_finding")
_CYCLE_UPDATE = aliased(ActionUpdate)  # an update in the cycle asked about (no_update as at)


def answers_finding_clause(ref: str):
    """The action answers the finding `ref`: its own (Recommendation, joined by the caller) or
    one linked beside it."""
    linked = (
        select(action_finding.c.action_id)
        .join(_LINKED, _LINKED.id == action_finding.c.recommendation_id)
        .where(action_finding.c.action_id == Action.id, _LINKED.ref == ref)
    )
    return or_(Recommendation.ref == ref, exists(linked))


def answers_event_clause(event_id: int):
    """The action answers a finding of the inspection event `event_id`: its own finding
    (Recommendation, joined by the caller) or one linked beside it."""
    linked = (
        select(action_finding.c.action_id)
        .join(_LINKED, _LINKED.id == action_finding.c.recommendation_id)
        .where(action_finding.c.action_id == Action.id, _LINKED.inspection_id == event_id)
    )
    return or_(Recommendation.inspection_id == event_id, exists(linked))


def apply_filters(query: Select, f: PlanFilters, today: date, as_at: datetime | None) -> Select:
    state = state_for(as_at)
    is_open = is_open_clause(state)
    if f.lead is not None:
        query = query.where(Action.lead_user_id == f.lead)
    if f.involving:
        partner = (
            select(action_partner.c.action_id)
            .join(Organisation, Organisation.id == action_partner.c.organisation_id)
            .where(action_partner.c.action_id == Action.id, Organisation.code == f.involving)
        )
        query = query.where(or_(LEAD_ORG.code == f.involving, exists(partner)))
    if f.due_within is not None:
        query = query.where(
            is_open,
            Action.target_date >= today,
            Action.target_date <= today + timedelta(weeks=f.due_within),
        )
    if (f.blocked or f.date_clash) and as_at is not None:
        name = "blocked" if f.blocked else "date_clash"
        raise BadFilter(name, f"{name} shows the plan as it is now: it cannot be used with as_at")
    if f.blocked:
        query = query.where(blocked_clause(today))
    if f.date_clash:
        query = query.where(date_clash_clause())
    if f.no_update:
        query = query.where(not_updated_clause(f.cycle) if as_at is None else is_open)
        if as_at is not None and f.cycle is not None:
            # As at a moment: no history row of this cycle recorded by then.
            this_cycle = select(UpdateCycle.id).where(UpdateCycle.number == f.cycle)
            updated = select(_CYCLE_UPDATE.id).where(
                _CYCLE_UPDATE.action_id == Action.id,
                _CYCLE_UPDATE.cycle_id.in_(this_cycle),
                _CYCLE_UPDATE.recorded_at <= as_at,
            )
            query = query.where(~exists(updated))
    if f.recommendation:
        query = query.where(answers_finding_clause(f.recommendation))
    if f.event is not None:
        query = query.where(answers_event_clause(f.event))
    if f.lead_organisation:
        query = query.where(LEAD_ORG.code == f.lead_organisation)
    if f.rag:
        query = query.where(state.rag == f.rag)
    if f.lifecycle:
        query = query.where(state.lifecycle == f.lifecycle)
    if f.overdue is not None:
        overdue = overdue_clause(today, state)
        query = query.where(overdue if f.overdue else ~overdue)
    if f.awaiting_past_target:
        query = query.where(awaiting_past_target_clause(today, state))
    if f.open:
        query = query.where(is_open)
    return query


def order_by_sort(query: Select, f: PlanFilters, state) -> Select:
    keys = {
        "ref": [Action.ref],
        "recommendation": [Recommendation.number, Action.ref],
        "lead_organisation": [LEAD_ORG.name, Action.ref],
        "lead": [LEAD.name, Action.ref],
        "rag": [
            case({"red": 0, "amber": 1, "green": 2}, value=state.rag, else_=3),
            Action.ref,
        ],
        "lifecycle": [
            case({v.value: i for i, v in enumerate(Lifecycle)}, value=state.lifecycle, else_=9),
            Action.ref,
        ],
        "target_date": [Action.target_date, Action.ref],
    }[f.sort]
    first, *rest = keys
    return query.order_by(first.desc() if f.descending else first, *rest)


def list_actions(
    *,
    today: date,
    plan: str | None = None,
    filters: PlanFilters | None = None,
    as_at: datetime | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> tuple[list[ActionRow], int]:
    """Actions with their current (or as-at) state, filtered, sorted and optionally paged."""
    f = filters or PlanFilters()
    query = action_rows_query(as_at)
    plan = plan or f.plan
    if plan is not None:  # checked by parse_filters, or a plan's own page
        query = query.where(Plan.code == plan)
    query = apply_filters(query, f, today, as_at)
    total = None
    if page is not None and per_page is not None:
        total = db.session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
        query = (
            order_by_sort(query, f, state_for(as_at)).limit(per_page).offset((page - 1) * per_page)
        )
    else:
        query = order_by_sort(query, f, state_for(as_at))
    rows = [to_row(values, today) for values in db.session.execute(query).all()]
    attach_partners_and_dependencies(rows)
    return rows, total if total is not None else len(rows)


def updated_in_cycle(action_ids: list[int], cycle: int | None) -> set[int]:
    """Which of these actions have an update recorded in cycle number `cycle`: one query."""
    if not action_ids or cycle is None:
        return set()
    return set(
        db.session.execute(
            select(ActionUpdate.action_id)
            .join(UpdateCycle, UpdateCycle.id == ActionUpdate.cycle_id)
            .where(ActionUpdate.action_id.in_(action_ids), UpdateCycle.number == cycle)
            .distinct()
        ).scalars()
    )


def get_history_start(plan: str | None = None) -> date | None:
    """The London day of the first recorded history (of one plan, when given): there is no
    plan to show before it."""
    query = select(func.min(ActionUpdate.recorded_at))
    if plan is not None:
        query = (
            query.join(Action, Action.id == ActionUpdate.action_id)
            .join(Plan, Plan.id == Action.plan_id)
            .where(Plan.code == plan)
        )
    first = db.session.execute(query).scalar_one_or_none()
    return first.astimezone(LONDON).date() if first is not None else None
