"""Shared reads: every page and API call loads what it needs in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.deadlines import ResponseDeadline, response_deadline
from tracker.domain.dependencies import date_clash, is_blocked
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionState,
    ActionUpdate,
    Inspection,
    Locality,
    Organisation,
    Plan,
    Recommendation,
    UpdateCycle,
    User,
    action_partner,
)
from tracker.services.errors import BadFilter, NotFound
from tracker.services.filters import PLAN_CODES, SORT_KEYS, PlanFilters, parse_filters

__all__ = ["PLAN_CODES", "SORT_KEYS", "PlanFilters", "parse_filters"]  # where callers look

_CLOSED_VALUES = tuple(s.value for s in CLOSED)


def state_for(as_at: datetime | None = None):
    """Where an action's state is read: the current-state projection (`ActionState`), or, for
    the plan as it stood at a past moment, the history (`ActionUpdate`, joined by
    `join_state`). Both have the same column names."""
    return ActionUpdate if as_at is not None else ActionState


def join_state(
    query: Select, action=Action, *, as_at: datetime | None = None, action_ids=None
) -> Select:
    """Join each action in `query` to its state: the projection's row now, or its latest history
    row recorded by `as_at`. Read the columns from `state_for(as_at)`."""
    if as_at is None:
        return query.join(ActionState, ActionState.action_id == action.id)
    return join_latest_update(query, action, as_at=as_at, action_ids=action_ids)


def is_open_clause(state=ActionState):
    """The action's state (as joined) leaves it open: not closed or superseded."""
    return state.lifecycle.not_in(_CLOSED_VALUES)


def overdue_clause(today: date, state=ActionState):
    """SQL for the domain's `is_overdue`: a target date before today, and still open."""
    return and_(Action.target_date.is_not(None), Action.target_date < today, is_open_clause(state))


@dataclass
class ActionRow:
    """One action's fixed fields and its state as of its latest update (or as at a date)."""

    id: int
    ref: str
    plan: str
    plan_name: str
    recommendation: str
    title: str
    description: str
    lead_name: str | None
    lead_email: str | None
    lead_job_title: str | None
    lead_organisation: str
    lead_organisation_name: str
    start_date: date | None
    target_date: date | None
    success_measure: str
    version: int
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    summary: str
    updated_at: datetime
    overdue: bool
    main_action_ref: str | None = None
    lead_user_id: int | None = None
    partners: list[str] = field(default_factory=list)
    partner_names: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)

    @property
    def locality(self) -> str | None:
        """The locality whose plan holds this action (None for the main plan)."""
        return None if self.plan == "main" else self.plan


def latest_versions(as_at: datetime | None = None, action_ref: str | None = None, action_ids=None):
    """Subquery: each action's latest version (recorded by `as_at` when given; only the action
    `action_ref` when given, so loading one action does not group the whole history)."""
    query = select(
        ActionUpdate.action_id.label("action_id"),
        func.max(ActionUpdate.version).label("version"),
    ).group_by(ActionUpdate.action_id)
    if as_at is not None:
        query = query.where(ActionUpdate.recorded_at <= as_at)
    if action_ref is not None:
        one = select(Action.id).where(Action.ref == action_ref).scalar_subquery()
        query = query.where(ActionUpdate.action_id == one)
    if action_ids is not None:
        query = query.where(ActionUpdate.action_id.in_(action_ids))
    return query.subquery("latest")


def join_latest_update(
    query: Select,
    action=Action,
    *,
    as_at: datetime | None = None,
    action_ref: str | None = None,
    action_ids=None,
) -> Select:
    """Join each action in `query` to its latest ActionUpdate (as at a moment, if given): the
    one way the tracker reads an action's current state, since history is append-only."""
    latest = latest_versions(as_at, action_ref, action_ids)
    return query.join(latest, latest.c.action_id == action.id).join(
        ActionUpdate,
        and_(ActionUpdate.action_id == action.id, ActionUpdate.version == latest.c.version),
    )


_lead = aliased(User, name="lead")
_lead_org = aliased(Organisation, name="lead_org")
_main = aliased(Action, name="main_action")


# Plain columns, not ORM objects: a long list builds no identity-mapped entities.
def _row_columns(state) -> tuple:
    return (
        *_ACTION_COLUMNS,
        state.version,
        state.lifecycle,
        state.rag,
        state.impact,
        state.summary,
        state.recorded_at,
        *_JOINED_COLUMNS,
    )


_ACTION_COLUMNS = (
    Action.id,
    Action.ref,
    Action.title,
    Action.description,
    Action.start_date,
    Action.target_date,
    Action.success_measure,
    Action.lead_user_id,
)
_JOINED_COLUMNS = (
    Plan.code.label("plan_code"),
    Plan.name.label("plan_name"),
    Recommendation.ref.label("rec_ref"),
    _lead.name.label("lead_name"),
    _lead.email.label("lead_email"),
    _lead.job_title.label("lead_job_title"),
    _lead_org.code.label("org_code"),
    _lead_org.name.label("org_name"),
    _main.ref.label("main_ref"),
)


def _action_rows_query(as_at: datetime | None, action_ref: str | None = None) -> Select:
    if as_at is None:
        query = join_state(select(*_row_columns(ActionState)))
    else:
        query = join_latest_update(
            select(*_row_columns(ActionUpdate)), as_at=as_at, action_ref=action_ref
        )
    return (
        query.join(Plan, Plan.id == Action.plan_id)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(_lead_org, _lead_org.id == Action.lead_organisation_id)
        .outerjoin(_lead, _lead.id == Action.lead_user_id)
        .outerjoin(_main, _main.id == Action.main_action_id)
    )


def _row(r, today: date) -> ActionRow:
    lifecycle = Lifecycle(r.lifecycle)
    return ActionRow(
        id=r.id,
        ref=r.ref,
        plan=r.plan_code,
        plan_name=r.plan_name,
        recommendation=r.rec_ref,
        title=r.title,
        description=r.description,
        lead_name=r.lead_name,
        lead_email=r.lead_email,
        lead_job_title=r.lead_job_title,
        lead_organisation=r.org_code,
        lead_organisation_name=r.org_name,
        start_date=r.start_date,
        target_date=r.target_date,
        success_measure=r.success_measure,
        version=r.version,
        lifecycle=lifecycle,
        rag=Rag(r.rag) if r.rag else None,
        impact=Impact(r.impact),
        summary=r.summary,
        updated_at=r.recorded_at,
        overdue=is_overdue(r.target_date, lifecycle, today),
        main_action_ref=r.main_ref,
        lead_user_id=r.lead_user_id,
    )


def _attach_partners_and_dependencies(rows: list[ActionRow]) -> None:
    """Two queries for the whole list, whatever its length."""
    if not rows:
        return
    by_id = {r.id: r for r in rows}
    ids = list(by_id)
    partners = db.session.execute(
        select(action_partner.c.action_id, Organisation.code, Organisation.name)
        .join(Organisation, Organisation.id == action_partner.c.organisation_id)
        .where(action_partner.c.action_id.in_(ids))
        .order_by(action_partner.c.action_id, Organisation.code)
    ).all()
    for action_id, code, name in partners:
        by_id[action_id].partners.append(code)
        by_id[action_id].partner_names.append(name)
    prereq = aliased(Action)
    deps = db.session.execute(
        select(ActionDependency.action_id, prereq.ref)
        .join(prereq, prereq.id == ActionDependency.depends_on_id)
        .where(ActionDependency.action_id.in_(ids))
        .order_by(ActionDependency.action_id, prereq.ref)
    ).all()
    for action_id, ref in deps:
        by_id[action_id].depends_on.append(ref)


def _apply_filters(query: Select, f: PlanFilters, today: date, as_at: datetime | None) -> Select:
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
        query = query.where(or_(_lead_org.code == f.involving, exists(partner)))
    if f.due_within is not None:
        query = query.where(
            is_open,
            Action.target_date >= today,
            Action.target_date <= today + timedelta(weeks=f.due_within),
        )
    if f.no_update:
        query = query.where(is_open)
        if f.cycle is not None and as_at is None:
            # The projection knows the cycle of the latest update: updated this cycle or not.
            this_cycle = select(UpdateCycle.id).where(UpdateCycle.number == f.cycle)
            query = query.where(
                or_(ActionState.cycle_id.is_(None), ActionState.cycle_id.not_in(this_cycle))
            )
        elif f.cycle is not None:
            mine = aliased(ActionUpdate)
            this_cycle = select(UpdateCycle.id).where(UpdateCycle.number == f.cycle)
            updated = select(mine.id).where(
                mine.action_id == Action.id, mine.cycle_id.in_(this_cycle)
            )
            if as_at is not None:
                updated = updated.where(mine.recorded_at <= as_at)
            query = query.where(~exists(updated))
    if f.recommendation:
        query = query.where(Recommendation.ref == f.recommendation)
    if f.lead_organisation:
        query = query.where(_lead_org.code == f.lead_organisation)
    if f.rag:
        query = query.where(state.rag == f.rag)
    if f.lifecycle:
        query = query.where(state.lifecycle == f.lifecycle)
    if f.overdue is not None:
        overdue = overdue_clause(today, state)
        query = query.where(overdue if f.overdue else ~overdue)
    return query


def _order(query: Select, f: PlanFilters, state) -> Select:
    keys = {
        "ref": [Action.ref],
        "recommendation": [Recommendation.number, Action.ref],
        "lead_organisation": [_lead_org.name, Action.ref],
        "lead": [_lead.name, Action.ref],
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
    query = _action_rows_query(as_at)
    plan = plan or f.plan
    if plan is not None:
        if plan not in PLAN_CODES:
            raise BadFilter("plan", "plan must be one of " + ", ".join(PLAN_CODES))
        query = query.where(Plan.code == plan)
    query = _apply_filters(query, f, today, as_at)
    total = None
    if page is not None and per_page is not None:
        total = db.session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
        query = _order(query, f, state_for(as_at)).limit(per_page).offset((page - 1) * per_page)
    else:
        query = _order(query, f, state_for(as_at))
    rows = [_row(values, today) for values in db.session.execute(query).all()]
    _attach_partners_and_dependencies(rows)
    return rows, total if total is not None else len(rows)


def get_action(ref: str, *, today: date, as_at: datetime | None = None) -> ActionRow:
    query = _action_rows_query(as_at, action_ref=ref).where(Action.ref == ref)
    values = db.session.execute(query).first()
    if values is None:
        raise NotFound(f"No action {ref}")
    row = _row(values, today)
    _attach_partners_and_dependencies([row])
    return row


@dataclass
class HistoryEntry:
    version: int
    recorded_at: datetime
    author_name: str | None
    cause: str
    cycle_number: int | None
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    summary: str
    reason: str
    evidence: str
    changed: set[str] = field(default_factory=set)
    no_change: bool = False  # "no change this fortnight": the summary carried forward


def get_history(action_id: int, as_at: datetime | None = None) -> list[HistoryEntry]:
    """The action's updates, newest first, each marked with what changed from the one before."""
    query = (
        select(ActionUpdate, User.name, UpdateCycle.number)
        .outerjoin(User, User.id == ActionUpdate.author_id)
        .outerjoin(UpdateCycle, UpdateCycle.id == ActionUpdate.cycle_id)
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.version)
    )
    if as_at is not None:
        query = query.where(ActionUpdate.recorded_at <= as_at)
    entries: list[HistoryEntry] = []
    previous: HistoryEntry | None = None
    for update, author, cycle in db.session.execute(query).all():
        entry = HistoryEntry(
            version=update.version,
            recorded_at=update.recorded_at,
            author_name=author,
            cause=update.cause,
            cycle_number=cycle,
            lifecycle=Lifecycle(update.lifecycle),
            rag=Rag(update.rag) if update.rag else None,
            impact=Impact(update.impact),
            summary=update.summary,
            reason=update.reason,
            evidence=update.evidence,
            no_change=update.no_change,
        )
        if previous is not None:
            for name in ("lifecycle", "rag", "impact", "summary"):
                if getattr(entry, name) != getattr(previous, name):
                    entry.changed.add(name)
        entries.append(entry)
        previous = entry
    return list(reversed(entries))


@dataclass
class Related:
    ref: str
    title: str
    plan: str
    lifecycle: Lifecycle
    rag: Rag | None
    target_date: date | None
    overdue: bool
    date_clash: bool = False


def get_dependencies(row: ActionRow, *, today: date, as_at: datetime | None = None):
    """(prerequisites, dependents, blocked) for one action, in two queries."""
    linked = (
        select(ActionDependency.depends_on_id)
        .where(ActionDependency.action_id == row.id)
        .union(select(ActionDependency.action_id).where(ActionDependency.depends_on_id == row.id))
    )
    other = aliased(Action)
    state = state_for(as_at)
    base = join_state(
        select(other.ref, other.title, Plan.code, state.lifecycle, state.rag, other.target_date),
        other,
        as_at=as_at,
        action_ids=linked,
    ).join(Plan, Plan.id == other.plan_id)

    def related(query) -> list[Related]:
        out = []
        for ref, title, plan, lifecycle, rag, target in db.session.execute(query).all():
            lc = Lifecycle(lifecycle)
            out.append(
                Related(
                    ref,
                    title,
                    plan,
                    lc,
                    Rag(rag) if rag else None,
                    target,
                    is_overdue(target, lc, today),
                )
            )
        return out

    prereqs = related(
        base.join(ActionDependency, ActionDependency.depends_on_id == other.id)
        .where(ActionDependency.action_id == row.id)
        .order_by(other.ref)
    )
    for p in prereqs:
        p.date_clash = date_clash(row.target_date, p.target_date)
    dependents = related(
        base.join(ActionDependency, ActionDependency.action_id == other.id)
        .where(ActionDependency.depends_on_id == row.id)
        .order_by(other.ref)
    )
    blocked = is_blocked(
        {"closed": p.lifecycle.is_closed, "rag": p.rag, "overdue": p.overdue} for p in prereqs
    )
    return prereqs, dependents, blocked


@dataclass
class RecommendationSummary:
    id: int
    ref: str
    number: int
    title: str
    text: str
    judgement_area: str
    lead_body: str
    partners: list[str]
    action_count: int = 0
    lifecycle_counts: dict[str, int] = field(default_factory=dict)
    rag_counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0


def list_recommendations(
    *, today: date, as_at: datetime | None = None
) -> list[RecommendationSummary]:
    """Every recommendation with its actions counted by lifecycle, RAG and overdue: two queries."""
    recs = db.session.execute(select(Recommendation).order_by(Recommendation.number)).scalars()
    summaries = {
        r.id: RecommendationSummary(
            r.id,
            r.ref,
            r.number,
            r.title,
            r.text,
            r.judgement_area,
            r.lead_body,
            list(r.partners or []),
        )
        for r in recs
    }
    state = state_for(as_at)
    overdue_expr = overdue_clause(today, state)
    counts = db.session.execute(
        join_state(
            select(
                Action.recommendation_id,
                state.lifecycle,
                state.rag,
                overdue_expr.label("overdue"),
                func.count(),
            ),
            as_at=as_at,
        ).group_by(Action.recommendation_id, state.lifecycle, state.rag, overdue_expr)
    ).all()
    for rec_id, lifecycle, rag, overdue, n in counts:
        s = summaries[rec_id]
        s.action_count += n
        s.lifecycle_counts[lifecycle] = s.lifecycle_counts.get(lifecycle, 0) + n
        if rag:
            s.rag_counts[rag] = s.rag_counts.get(rag, 0) + n
        if overdue:
            s.overdue += n
    return list(summaries.values())


def get_recommendation(ref: str) -> Recommendation:
    rec = db.session.execute(
        select(Recommendation).where(Recommendation.ref == ref.upper())
    ).scalar_one_or_none()
    if rec is None:
        raise NotFound(f"No recommendation {ref}")
    return rec


def list_plans() -> list[Plan]:
    return list(db.session.execute(select(Plan).order_by(Plan.id)).scalars())


def get_plan(code: str) -> Plan:
    plan = db.session.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"No plan {code}")
    return plan


def get_locality(code: str) -> Locality:
    locality = db.session.execute(
        select(Locality).where(Locality.code == code)
    ).scalar_one_or_none()
    if locality is None:
        raise NotFound(f"No locality {code}")
    return locality


def get_inspection() -> Inspection | None:
    return db.session.execute(select(Inspection).order_by(Inspection.id)).scalars().first()


def get_deadline(inspection: Inspection | None, default_anchor: str) -> ResponseDeadline | None:
    if inspection is None:
        return None
    return response_deadline(
        published=inspection.report_published,
        received=inspection.report_received,
        anchor=inspection.deadline_anchor or default_anchor,
    )


def list_organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def totals(summaries: list[RecommendationSummary]) -> dict[str, int]:
    """Overall counts for the overview, from the per-recommendation counts (no extra query)."""
    out: dict[str, int] = defaultdict(int)
    for s in summaries:
        out["actions"] += s.action_count
        out["overdue"] += s.overdue
        for k, v in s.lifecycle_counts.items():
            out[k] += v
        for k, v in s.rag_counts.items():
            out[k] += v
    return dict(out)


def list_recommendation_refs() -> list[tuple[str, str]]:
    """(ref, title) for filter menus."""
    return [
        (ref, title)
        for ref, title in db.session.execute(
            select(Recommendation.ref, Recommendation.title).order_by(Recommendation.number)
        ).all()
    ]


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


def list_leads() -> list[tuple[int, str]]:
    """(user id, name) of everyone who leads an action, for the filter menus."""
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            select(User.id, User.name)
            .where(exists(select(Action.id).where(Action.lead_user_id == User.id)))
            .order_by(User.name)
        ).all()
    ]


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
