"""Each person's starting page: their own work, counted, each count a filter of a list.

- A locality head (or named deputy) sees this cycle's return and this month's SEF.
- "My actions": the actions the person leads (the `lead` filter), which they may update. A
  partner agency's people (police, health, the safeguarding board...) also see "my agency's
  actions": the others their organisation leads or partners on (the `involving` filter), which
  they may read; only an action the person may update (the update route's own permission rule)
  is ever marked "Update this cycle". An action complete and awaiting sign-off is marked with
  its age instead: it waits on the chair, not the lead.
- Every count on the page is of open actions (not closed or superseded): open, not updated
  this cycle, overdue (open work past its target date) and due within four weeks.
- A chair sees what awaits sign-off (with its age in working days) and red and overdue
  actions across all plans.
- Everyone sees the plans with their counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from tracker.domain import sef as sef_rules
from tracker.domain.permissions import Actor, Permission, Role, Target, can
from tracker.domain.states import CLOSED
from tracker.extensions import db
from tracker.models import Action, ActionState, Plan
from tracker.services.errors import NotFound
from tracker.services.governance.signoff import AwaitingSignOff, list_awaiting_sign_off
from tracker.services.loop import returns as return_service
from tracker.services.loop import sefs as sef_service
from tracker.services.plan import queries

DUE_SOON_WEEKS = 4
LEAD_BODIES = ("trust", "council")


@dataclass
class LocalityWork:
    """This cycle's return and this month's SEF for the locality the person speaks for."""

    locality_code: str
    locality_name: str
    cycle_number: int | None = None
    return_status: str | None = None  # as the returns service says (not_started, draft, ...)
    return_due_at: datetime | None = None
    return_late: bool = False
    return_overdue: bool = False
    open_actions: int = 0
    actions_left: int = 0
    sef_month: str | None = None
    sef_cell: sef_service.SefCell | None = None
    retired_at: datetime | None = None  # a retired area is asked for no return and no SEF


@dataclass
class MyActions:
    """A group of actions and what each needs this cycle; `filter_args` gives the list."""

    filter_args: dict[str, str]
    organisation_name: str | None  # set for a partner agency's actions (read, not updated)
    rows: list[queries.ActionRow] = field(default_factory=list)
    not_updated: set[int] = field(default_factory=set)  # open, no update this cycle
    due_soon: set[int] = field(default_factory=set)
    may_update: set[int] = field(default_factory=set)
    listed_above: set[int] = field(default_factory=set)  # counted here, shown as "my actions"

    @property
    def shown(self) -> list[queries.ActionRow]:
        return [r for r in self.rows if r.id not in self.listed_above]

    @property
    def open_rows(self) -> list[queries.ActionRow]:
        return [r for r in self.rows if r.lifecycle not in CLOSED]

    @property
    def overdue(self) -> list[queries.ActionRow]:
        return [r for r in self.rows if r.overdue]

    @property
    def awaiting(self) -> list[queries.ActionRow]:
        return [r for r in self.rows if r.awaiting_since is not None]

    def needs_update(self, row: queries.ActionRow) -> bool:
        """'Update this cycle': open work the person may update, not updated this cycle."""
        return (
            row.id in self.not_updated and row.id in self.may_update and row.awaiting_since is None
        )


@dataclass
class PlanCounts:
    code: str
    name: str
    actions: int = 0
    red: int = 0
    overdue: int = 0


@dataclass
class HomeView:
    locality: LocalityWork | None = None
    my_actions: MyActions | None = None
    agency_actions: MyActions | None = None  # a partner agency's, beyond the person's own
    awaiting_sign_off: list[AwaitingSignOff] | None = None
    totals: dict[str, int] = field(default_factory=dict)
    plans: list[PlanCounts] = field(default_factory=list)
    cycle: int | None = None
    due_soon_weeks: int = DUE_SOON_WEEKS


def get_home(
    actor: Actor,
    *,
    organisation_code: str,
    organisation_kind: str,
    organisation_name: str,
    today: date,
    now: datetime,
    cycle: int | None,
    sef_first_month: str,
    sef_due_working_day: int,
) -> HomeView:
    """What this person has to do, in a fixed number of queries for each part they see."""
    view = HomeView(cycle=cycle, plans=_plan_counts(today))
    speaks_for = actor.locality if actor.role is Role.LOCALITY_HEAD else actor.deputy_for
    if speaks_for:
        view.locality = _locality_work(
            speaks_for,
            today=today,
            now=now,
            cycle=cycle,
            sef_first_month=sef_first_month,
            sef_due_working_day=sef_due_working_day,
        )
    mine = MyActions(filter_args={"lead": str(actor.user_id)}, organisation_name=None)
    mine.rows, _ = queries.list_actions(
        today=today, filters=queries.parse_filters(mine.filter_args, cycle=cycle)
    )
    groups = [mine]
    if organisation_kind not in LEAD_BODIES:
        agency = MyActions(
            filter_args={"involving": organisation_code}, organisation_name=organisation_name
        )
        rows, _ = queries.list_actions(
            today=today, filters=queries.parse_filters(agency.filter_args, cycle=cycle)
        )
        # Counted whole (each count is its list's total); the table leaves out the person's own.
        agency.rows = rows
        agency.listed_above = {r.id for r in mine.rows}
        groups.append(agency)
        if agency.rows:
            view.agency_actions = agency
    open_ids = [r.id for g in groups for r in g.open_rows]
    updated = queries.updated_in_cycle(open_ids, cycle)
    soon = today + timedelta(weeks=DUE_SOON_WEEKS)
    for group in groups:
        open_rows = group.open_rows
        group.not_updated = {r.id for r in open_rows if r.id not in updated}
        group.due_soon = {
            r.id for r in open_rows if r.target_date is not None and today <= r.target_date <= soon
        }
        # The update route's own rule: leading the action, or speaking for its locality.
        group.may_update = {
            r.id
            for r in open_rows
            if can(
                actor,
                Permission.UPDATE_ACTION,
                Target(lead_user_id=r.lead_user_id, locality=r.locality),
            )
        }
    if mine.rows or actor.role is Role.ACTION_LEAD:
        view.my_actions = mine
    if can(actor, Permission.SIGN_OFF):
        view.awaiting_sign_off = list_awaiting_sign_off(today)
        view.totals = {
            "red": sum(p.red for p in view.plans),
            "overdue": sum(p.overdue for p in view.plans),
            "actions": sum(p.actions for p in view.plans),
        }
    return view


def _locality_work(
    code: str,
    *,
    today: date,
    now: datetime,
    cycle: int | None,
    sef_first_month: str,
    sef_due_working_day: int,
) -> LocalityWork:
    locality = queries.get_locality(code)
    work = LocalityWork(locality_code=locality.code, locality_name=locality.name)
    if locality.retired_at is not None:
        work.retired_at = locality.retired_at
        return work  # a retired area is asked for no return and no SEF
    if cycle is not None:
        try:
            ret = return_service.get_return(code, cycle, today=today, now=now)
        except NotFound:  # the cycle has no row yet: nothing to return
            ret = None
        if ret is not None:
            work.cycle_number = ret.cycle_number
            work.return_status = ret.status
            work.return_due_at = ret.due_at
            work.return_late = ret.late
            work.return_overdue = ret.overdue
            work.open_actions = len(ret.lines)
            work.actions_left = sum(1 for line in ret.lines if not line.updated_this_cycle)
    month = sef_rules.month_of(today)
    if sef_rules.is_sef_month(month, sef_first_month, today):
        work.sef_month = month
        grid = sef_service.list_sef_grid(
            [month], today, locality=code, due_working_day=sef_due_working_day
        )
        work.sef_cell = grid[0].cells[0] if grid and grid[0].cells else None
    return work


def _plan_counts(today: date) -> list[PlanCounts]:
    """Each plan's actions, red and overdue now: one query."""
    overdue = queries.overdue_clause(today)
    rows = db.session.execute(
        queries.join_state(
            select(
                Plan.code,
                Plan.name,
                func.count(),
                func.sum(case((ActionState.rag == "red", 1), else_=0)),
                func.sum(case((overdue, 1), else_=0)),
            )
        )
        .join(Plan, Plan.id == Action.plan_id)
        .group_by(Plan.id, Plan.code, Plan.name)
        .order_by(Plan.id)
    ).all()
    return [
        PlanCounts(code, name, actions, int(red or 0), int(late or 0))
        for code, name, actions, red, late in rows
    ]
