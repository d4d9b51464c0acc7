"""What changed since a date: RAG moves, newly overdue actions, closures and new dependencies,
each with who made the change and why. A fixed number of queries, whatever the history's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.changes import ChangeKind, change_sort_key
from tracker.domain.states import Lifecycle, days_overdue
from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionState, ActionUpdate, Plan, User
from tracker.services.filters import PlanFilters
from tracker.services.reads.action_rows import ActionRow
from tracker.services.reads.plan_changes import plan_changes_between
from tracker.services.reads.plan_lists import list_actions
from tracker.services.reads.state import overdue_clause


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

    @property
    def to_red(self) -> bool:
        return self.kind == ChangeKind.RAG_MOVED and self.new == "red"


@dataclass
class Changes:
    since: date
    until: date
    items: list[Change] = field(default_factory=list)

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
    items = [*_history_changes(start, end), *_newly_overdue(since, today)]
    items += _new_dependencies(start, end)
    items += _plan_changes(start, end)
    items += extra or []
    items.sort(key=lambda c: change_sort_key(c.kind, c.new, c.action_ref, c.on))
    return Changes(since=since, until=today, items=items)


def _history_changes(start: datetime, end: datetime) -> list[Change]:
    """Each history row in the window beside the version before it (one join on the unique
    (action_id, version) index): RAG moves between open states, and closures."""
    prev = aliased(ActionUpdate, name="prev")
    author = aliased(User, name="author")
    lead = aliased(User, name="lead")
    closed = Lifecycle.CLOSED_EVIDENCED.value
    rows = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Plan.code,
            ActionUpdate.recorded_at,
            ActionUpdate.lifecycle,
            ActionUpdate.rag,
            ActionUpdate.reason,
            ActionUpdate.summary,
            ActionUpdate.evidence,
            prev.lifecycle,
            prev.rag,
            author.name,
            lead.name,
        )
        .join(
            prev,
            and_(
                prev.action_id == ActionUpdate.action_id, prev.version == ActionUpdate.version - 1
            ),
        )
        .join(Action, Action.id == ActionUpdate.action_id)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(author, author.id == ActionUpdate.author_id)
        .outerjoin(lead, lead.id == Action.lead_user_id)
        .where(ActionUpdate.recorded_at >= start, ActionUpdate.recorded_at <= end)
        .where(
            (ActionUpdate.rag.is_not(None) & prev.rag.is_not(None) & (ActionUpdate.rag != prev.rag))
            | ((ActionUpdate.lifecycle == closed) & (prev.lifecycle != closed))
        )
    ).all()
    changes = []
    for (
        ref,
        title,
        plan,
        at,
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
        )
        if lifecycle == closed:
            changes.append(
                Change(
                    kind=ChangeKind.CLOSED,
                    why=evidence or reason or summary,
                    old=old_life,
                    new=lifecycle,
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
    lead = aliased(User, name="lead")
    rows = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Plan.code,
            Action.target_date,
            ActionState.lifecycle,
            lead.name,
        )
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(lead, lead.id == Action.lead_user_id)
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
    action = aliased(Action, name="dependent")
    prerequisite = aliased(Action, name="prerequisite")
    creator = aliased(User, name="creator")
    lead = aliased(User, name="lead")
    rows = db.session.execute(
        select(
            action.ref,
            action.title,
            Plan.code,
            ActionDependency.created_at,
            prerequisite.ref,
            creator.name,
            lead.name,
        )
        .join(action, action.id == ActionDependency.action_id)
        .join(prerequisite, prerequisite.id == ActionDependency.depends_on_id)
        .join(Plan, Plan.id == action.plan_id)
        .outerjoin(creator, creator.id == ActionDependency.created_by_id)
        .outerjoin(lead, lead.id == action.lead_user_id)
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
    """The plan's own changes in the window, with each action's plan and lead: three queries."""
    changes = plan_changes_between(start, end)
    if not changes:
        return []
    lead = aliased(User, name="lead")
    about = {
        ref: (plan, lead_name)
        for ref, plan, lead_name in db.session.execute(
            select(Action.ref, Plan.code, lead.name)
            .join(Plan, Plan.id == Action.plan_id)
            .outerjoin(lead, lead.id == Action.lead_user_id)
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
