"""What changed since a date: first the net change per action (its state at the start, its state
now, how many moves in between), then the detail: RAG moves, newly overdue actions, closures and
new dependencies, each with who made the change and why. A fixed number of queries, whatever the
history's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.changes import (
    CLOSED_STATE,
    NET_OUTCOMES,
    ChangeKind,
    NetMove,
    change_sort_key,
    net_move,
    net_sort_key,
)
from tracker.domain.states import Lifecycle, days_overdue
from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionState, ActionUpdate, Plan, User
from tracker.services.plan.filters import PlanFilters
from tracker.services.reads.action_rows import ActionRow
from tracker.services.reads.plan_changes import plan_changes_between
from tracker.services.reads.plan_lists import list_actions
from tracker.services.reads.state import overdue_clause

# The people and actions a change names, each under its own name: built once, not per query.
_PREV = aliased(ActionUpdate, name="prev")
_AUTHOR = aliased(User, name="author")
_LEAD = aliased(User, name="lead")
_DEPENDENT = aliased(Action, name="dependent")
_PREREQUISITE = aliased(Action, name="prerequisite")
_CREATOR = aliased(User, name="creator")


@dataclass(frozen=True)
class Change:
    """One change to one action. Changes to the plan itself (target dates moved, actions added
    or superseded) are records of the same shape with kinds of their own."""

    kind: str
    action_ref: str
    action_title: str
    plan: str
    on: date  # the London day it happened
    at: datetime | None  # the moment, when one was recorded
    who: str | None  # who made the change
    why: str  # their reason, in their words
    old: str | None = None
    new: str | None = None
    lead: str | None = None  # who must account for the action
    related_ref: str | None = None  # the other action, for a dependency
    field: str | None = None  # the field edited, for an edit to the plan
    version: int | None = None  # the history's version, to order one action's moves
    old_state: str | None = None  # a closure's RAG before it, for the net view

    @property
    def to_red(self) -> bool:
        return self.kind == ChangeKind.RAG_MOVED and self.new == "red"


@dataclass(frozen=True)
class NetChange:
    """One action's net change in the period: its state (RAG, or closed with evidence) before
    its first move and after its last, and how many moves it took."""

    action_ref: str
    action_title: str
    plan: str
    lead: str | None
    net: NetMove

    @property
    def start(self) -> str:
        return self.net.start

    @property
    def end(self) -> str:
        return self.net.end

    @property
    def moves(self) -> int:
        return self.net.moves

    @property
    def outcome(self) -> str:
        return self.net.outcome

    @property
    def to_red(self) -> bool:
        return self.net.to_red


@dataclass
class Changes:
    since: date
    until: date
    items: list[Change] = field(default_factory=list)
    net: list[NetChange] = field(default_factory=list)

    def net_counts(self) -> dict[str, int]:
        """How many actions ended the period each way: "to_red" counts actions red now that
        were not red at the start, whatever moves came between."""
        counts = dict.fromkeys(NET_OUTCOMES, 0)
        for n in self.net:
            counts[n.outcome] = counts.get(n.outcome, 0) + 1
        return counts

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.items if c.kind == kind]

    @property
    def kinds(self) -> list[str]:
        """The kinds present, in reading order."""
        seen: list[str] = []
        for c in self.items:
            if c.kind not in seen:
                seen.append(c.kind)
        return seen


def list_changes(*, since: date, today: date, extra: list[Change] | None = None) -> Changes:
    """Everything that changed from the start of `since` to the end of `today` (London days),
    the plan's own changes included (target dates moved, actions added, superseded, edited):
    six queries whatever the size. `extra` takes changes read elsewhere into the order."""
    start = datetime.combine(since, time.min, tzinfo=LONDON)
    end = datetime.combine(today, time.max, tzinfo=LONDON)
    history = _history_changes(start, end)
    items = [*history, *_newly_overdue(since, today)]
    items += _new_dependencies(start, end)
    items += _plan_changes(start, end)
    items += extra or []
    items.sort(key=lambda c: change_sort_key(c.kind, c.new, c.action_ref, c.on))
    return Changes(since=since, until=today, items=items, net=_net_changes(history))


def _state(c: Change, which: str) -> str:
    """A RAG move's or a closure's state before or after it, for the net view."""
    if c.kind == ChangeKind.CLOSED:
        return CLOSED_STATE if which == "new" else c.old_state or ""
    return (c.new if which == "new" else c.old) or ""


def _net_changes(history: list[Change]) -> list[NetChange]:
    """Each action's moves in the order they happened, folded to one net change per action."""
    by_action: dict[str, list[Change]] = {}
    for c in sorted(history, key=lambda c: (c.action_ref, c.version or 0)):
        by_action.setdefault(c.action_ref, []).append(c)
    nets = [
        NetChange(
            action_ref=ref,
            action_title=moves[0].action_title,
            plan=moves[0].plan,
            lead=moves[0].lead,
            net=net_move([(_state(c, "old"), _state(c, "new")) for c in moves]),
        )
        for ref, moves in by_action.items()
    ]
    nets.sort(key=lambda n: net_sort_key(n.net, n.action_ref))
    return nets


def _history_changes(start: datetime, end: datetime) -> list[Change]:
    """Each history row in the window beside the version before it (one join on the unique
    (action_id, version) index): RAG moves between open states, and closures."""
    closed = Lifecycle.CLOSED_EVIDENCED.value
    rows = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Plan.code,
            ActionUpdate.recorded_at,
            ActionUpdate.version,
            ActionUpdate.lifecycle,
            ActionUpdate.rag,
            ActionUpdate.reason,
            ActionUpdate.summary,
            ActionUpdate.evidence,
            _PREV.lifecycle,
            _PREV.rag,
            _AUTHOR.name,
            _LEAD.name,
        )
        .join(
            _PREV,
            and_(
                _PREV.action_id == ActionUpdate.action_id, _PREV.version == ActionUpdate.version - 1
            ),
        )
        .join(Action, Action.id == ActionUpdate.action_id)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == ActionUpdate.author_id)
        .outerjoin(_LEAD, _LEAD.id == Action.lead_user_id)
        .where(ActionUpdate.recorded_at >= start, ActionUpdate.recorded_at <= end)
        .where(
            (
                ActionUpdate.rag.is_not(None)
                & _PREV.rag.is_not(None)
                & (ActionUpdate.rag != _PREV.rag)
            )
            | ((ActionUpdate.lifecycle == closed) & (_PREV.lifecycle != closed))
        )
    ).all()
    changes = []
    for (
        ref,
        title,
        plan,
        at,
        version,
        lifecycle,
        rag,
        reason,
        summary,
        evidence,
        old_life,
        old_rag,
        who,
        lead_name,
    ) in rows:
        common = dict(
            action_ref=ref,
            action_title=title,
            plan=plan,
            on=at.astimezone(LONDON).date(),
            at=at,
            who=who,
            lead=lead_name,
            version=version,
        )
        if lifecycle == closed:
            changes.append(
                Change(
                    kind=ChangeKind.CLOSED,
                    why=evidence or reason or summary,
                    old=old_life,
                    new=lifecycle,
                    old_state=old_rag,
                    **common,
                )
            )
        else:
            changes.append(
                Change(
                    kind=ChangeKind.RAG_MOVED, why=reason or summary, old=old_rag, new=rag, **common
                )
            )
    return changes


def _newly_overdue(since: date, today: date) -> list[Change]:
    """Open actions whose target date passed in the window: overdue now, and not before it."""
    rows = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Plan.code,
            Action.target_date,
            ActionState.lifecycle,
            _LEAD.name,
        )
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(_LEAD, _LEAD.id == Action.lead_user_id)
        .where(Action.target_date >= since, Action.target_date < today)
        .where(overdue_clause(today))  # open work: awaiting sign-off is not overdue
    ).all()
    return [
        Change(
            kind=ChangeKind.NEWLY_OVERDUE,
            action_ref=ref,
            action_title=title,
            plan=plan,
            on=target,
            at=None,
            who=None,
            why="",
            new=f"{days_overdue(target, lifecycle, today)} days overdue",
            lead=lead_name,
        )
        for ref, title, plan, target, lifecycle, lead_name in rows
    ]


def _new_dependencies(start: datetime, end: datetime) -> list[Change]:
    rows = db.session.execute(
        select(
            _DEPENDENT.ref,
            _DEPENDENT.title,
            Plan.code,
            ActionDependency.created_at,
            _PREREQUISITE.ref,
            _CREATOR.name,
            _LEAD.name,
        )
        .join(_DEPENDENT, _DEPENDENT.id == ActionDependency.action_id)
        .join(_PREREQUISITE, _PREREQUISITE.id == ActionDependency.depends_on_id)
        .join(Plan, Plan.id == _DEPENDENT.plan_id)
        .outerjoin(_CREATOR, _CREATOR.id == ActionDependency.created_by_id)
        .outerjoin(_LEAD, _LEAD.id == _DEPENDENT.lead_user_id)
        .where(ActionDependency.created_at >= start, ActionDependency.created_at <= end)
        # Added by a person: dependencies loaded with the plan are not news.
        .where(ActionDependency.created_by_id.is_not(None))
    ).all()
    return [
        Change(
            kind=ChangeKind.DEPENDENCY_ADDED,
            action_ref=ref,
            action_title=title,
            plan=plan,
            on=at.astimezone(LONDON).date(),
            at=at,
            who=who,
            why="",
            new=other,
            lead=lead_name,
            related_ref=other,
        )
        for ref, title, plan, at, other, who, lead_name in rows
    ]


@dataclass(frozen=True)
class ExceptionLine:
    """One line of the exception list: an open action that is red or overdue, and its lead."""

    row: ActionRow
    days_overdue: int


def list_exceptions(*, today: date) -> list[ExceptionLine]:
    """Open actions that are red or overdue, most days overdue first (then red ones not yet
    overdue, by ref): the overdue list's reads, twice, whatever the plan's size."""
    overdue, _ = list_actions(today=today, filters=PlanFilters(overdue=True, sort="target_date"))
    red, _ = list_actions(today=today, filters=PlanFilters(rag="red", overdue=False))
    lines = [ExceptionLine(r, days_overdue(r.target_date, r.lifecycle, today)) for r in overdue]
    lines.sort(key=lambda e: (-e.days_overdue, e.row.ref))
    return lines + [ExceptionLine(r, 0) for r in red]


def _plan_changes(start: datetime, end: datetime) -> list[Change]:
    """The plan's own changes in the window, with each action's plan and lead: three queries,
    whether or not there were any (a pack's statements do not depend on its window)."""
    changes = plan_changes_between(start, end)
    about = {
        ref: (plan, lead_name)
        for ref, plan, lead_name in db.session.execute(
            select(Action.ref, Plan.code, _LEAD.name)
            .join(Plan, Plan.id == Action.plan_id)
            .outerjoin(_LEAD, _LEAD.id == Action.lead_user_id)
            .where(Action.ref.in_({c.action_ref for c in changes}))
        ).all()
    }
    out = []
    for c in changes:
        plan, lead_name = about.get(c.action_ref, ("", None))
        out.append(
            Change(
                kind=c.kind,
                action_ref=c.action_ref,
                action_title=c.action_title,
                plan=plan,
                on=c.when.astimezone(LONDON).date(),
                at=c.when,
                who=c.who,
                why=c.reason,
                old=c.old or None,
                new=c.new or None,
                lead=lead_name,
                field=c.field_label if c.kind == "edited" else None,
            )
        )
    return out
