"""One row per action, its fixed fields and its state: what every action list and the action
page show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON, working_days_between
from tracker.domain.states import Impact, Lifecycle, Rag, is_awaiting_past_target, is_overdue
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionState,
    ActionUpdate,
    Organisation,
    Plan,
    Recommendation,
    User,
    action_partner,
)
from tracker.services.reads.state import join_latest_update, join_state


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
    # Complete and awaiting sign-off: when it was marked complete (the first update of the
    # current run), its age in London working days, and whether its target date has passed.
    awaiting_since: datetime | None = None
    working_days_awaiting: int = 0
    awaiting_past_target: bool = False
    lead_user_id: int | None = None
    partners: list[str] = field(default_factory=list)
    partner_names: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    # The target date first agreed, when an approved request has moved it; the action that
    # replaced this one, when it was superseded; the plan entry's own version (edits).
    baseline_target_date: date | None = None
    superseded_by: str | None = None
    plan_version: int = 1
    plan_kind: str = "locality"

    @property
    def locality(self) -> str | None:
        """The locality whose plan holds this action (None for the main plan): a locality's plan
        has the locality's code."""
        return self.plan if self.plan_kind == "locality" else None


LEAD = aliased(User, name="lead")


LEAD_ORG = aliased(Organisation, name="lead_org")


MAIN_ACTION = aliased(Action, name="main_action")


REPLACEMENT = aliased(Action, name="replacement")


_EARLIER = aliased(ActionUpdate, name="earlier")


_MARKED = aliased(ActionUpdate, name="marked")
_PREREQUISITE = aliased(Action)  # an action's prerequisite, for its "depends on" list


def _awaiting_since(state):
    """When an action awaiting sign-off was marked complete: the update just after the last one
    that was not awaiting sign-off (as the sign-off queue says). Worked out only for the rows
    awaiting sign-off: two steps down the (action, version) key each, in the same statement."""
    awaiting = Lifecycle.COMPLETE_AWAITING_SIGNOFF.value
    last_other = (
        select(func.max(_EARLIER.version))
        .where(
            _EARLIER.action_id == Action.id,
            _EARLIER.version <= state.version,
            _EARLIER.lifecycle != awaiting,
        )
        .correlate(Action, state)
        .scalar_subquery()
    )
    marked = (
        select(_MARKED.recorded_at)
        .where(_MARKED.action_id == Action.id, _MARKED.version == func.coalesce(last_other, 0) + 1)
        .correlate(Action, state)
        .scalar_subquery()
    )
    return case((state.lifecycle == awaiting, marked), else_=None).label("awaiting_since")


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
        _awaiting_since(state),
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
    Action.baseline_target_date,
    Action.plan_version,
)


_JOINED_COLUMNS = (
    Plan.code.label("plan_code"),
    Plan.name.label("plan_name"),
    Plan.kind.label("plan_kind"),
    Recommendation.ref.label("rec_ref"),
    LEAD.name.label("lead_name"),
    LEAD.email.label("lead_email"),
    LEAD.job_title.label("lead_job_title"),
    LEAD_ORG.code.label("org_code"),
    LEAD_ORG.name.label("org_name"),
    # The main action's and the replacement's refs as subqueries on their primary key, not
    # two more joins of `action`: with those, PostgreSQL's planner weighed nine relations and
    # spent 10 to 90 ms planning each list (EXPLAIN at 10x; executing it takes 1 to 2 ms).
    select(MAIN_ACTION.ref)
    .where(MAIN_ACTION.id == Action.main_action_id)
    .correlate(Action)
    .scalar_subquery()
    .label("main_ref"),
    select(REPLACEMENT.ref)
    .where(REPLACEMENT.id == Action.superseded_by_id)
    .correlate(Action)
    .scalar_subquery()
    .label("replacement_ref"),
)


def action_rows_query(as_at: datetime | None, action_ref: str | None = None) -> Select:
    if as_at is None:
        query = join_state(select(*_row_columns(ActionState)))
    else:
        query = join_latest_update(
            select(*_row_columns(ActionUpdate)), as_at=as_at, action_ref=action_ref
        )
    return (
        query.join(Plan, Plan.id == Action.plan_id)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(LEAD_ORG, LEAD_ORG.id == Action.lead_organisation_id)
        .outerjoin(LEAD, LEAD.id == Action.lead_user_id)
    )


def to_row(r, today: date) -> ActionRow:
    lifecycle = Lifecycle(r.lifecycle)
    since = r.awaiting_since
    return ActionRow(
        id=r.id,
        ref=r.ref,
        plan=r.plan_code,
        plan_name=r.plan_name,
        plan_kind=r.plan_kind,
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
        awaiting_since=since,
        working_days_awaiting=max(0, working_days_between(since.astimezone(LONDON).date(), today))
        if since is not None
        else 0,
        awaiting_past_target=is_awaiting_past_target(r.target_date, lifecycle, today),
        main_action_ref=r.main_ref,
        lead_user_id=r.lead_user_id,
        baseline_target_date=r.baseline_target_date,
        superseded_by=r.replacement_ref,
        plan_version=r.plan_version,
    )


def attach_partners_and_dependencies(rows: list[ActionRow]) -> None:
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
    deps = db.session.execute(
        select(ActionDependency.action_id, _PREREQUISITE.ref)
        .join(_PREREQUISITE, _PREREQUISITE.id == ActionDependency.depends_on_id)
        .where(ActionDependency.action_id.in_(ids))
        .order_by(ActionDependency.action_id, _PREREQUISITE.ref)
    ).all()
    for action_id, ref in deps:
        by_id[action_id].depends_on.append(ref)
