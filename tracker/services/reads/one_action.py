"""One action: its row, its history and the actions it depends on or that depend on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker.domain.dependencies import date_clash, is_blocked
from tracker.domain.states import Impact, Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionUpdate,
    Plan,
    UpdateCycle,
    User,
)
from tracker.services.errors import NotFound
from tracker.services.reads.action_rows import (
    ActionRow,
    action_rows_query,
    attach_partners_and_dependencies,
    to_row,
)
from tracker.services.reads.state import join_state, state_for

_OTHER = aliased(Action)  # the action at a dependency's other end: built once, not per query


def get_action(ref: str, *, today: date, as_at: datetime | None = None) -> ActionRow:
    query = action_rows_query(as_at, action_ref=ref).where(Action.ref == ref)
    values = db.session.execute(query).first()
    if values is None:
        raise NotFound(f"No action {ref}")
    row = to_row(values, today)
    attach_partners_and_dependencies([row])
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
    no_change: bool = False  # "no change this cycle": the summary carried forward


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
    state = state_for(as_at)
    base = join_state(
        select(_OTHER.ref, _OTHER.title, Plan.code, state.lifecycle, state.rag, _OTHER.target_date),
        _OTHER,
        as_at=as_at,
        action_ids=linked,
    ).join(Plan, Plan.id == _OTHER.plan_id)

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
        base.join(ActionDependency, ActionDependency.depends_on_id == _OTHER.id)
        .where(ActionDependency.action_id == row.id)
        .order_by(_OTHER.ref)
    )
    for p in prereqs:
        p.date_clash = date_clash(row.target_date, p.target_date)
    dependents = related(
        base.join(ActionDependency, ActionDependency.action_id == _OTHER.id)
        .where(ActionDependency.depends_on_id == row.id)
        .order_by(_OTHER.ref)
    )
    blocked = is_blocked(
        {"closed": p.lifecycle.is_closed, "rag": p.rag, "overdue": p.overdue} for p in prereqs
    )
    return prereqs, dependents, blocked
