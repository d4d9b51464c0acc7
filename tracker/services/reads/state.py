"""How an action's state is read: the current-state projection now, its history 'as at' a moment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from tracker.domain.states import CLOSED, OPEN_WORK, Lifecycle
from tracker.models import (
    Action,
    ActionDependency,
    ActionState,
    ActionUpdate,
    UpdateCycle,
)

_CLOSED_VALUES = tuple(s.value for s in CLOSED)
_OPEN_WORK_VALUES = tuple(sorted(s.value for s in OPEN_WORK))
AWAITING = Lifecycle.COMPLETE_AWAITING_SIGNOFF.value


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


def overdue_clause(today: date, state=ActionState, action=Action):
    """SQL for the domain's `is_overdue`: open work (not started or in progress) with a target
    date before today."""
    return and_(
        action.target_date.is_not(None),
        action.target_date < today,
        state.lifecycle.in_(_OPEN_WORK_VALUES),
    )


def awaiting_past_target_clause(today: date, state=ActionState, action=Action):
    """SQL for the domain's `is_awaiting_past_target`: complete, awaiting sign-off, with a
    target date before today."""
    return and_(
        action.target_date.is_not(None),
        action.target_date < today,
        state.lifecycle == AWAITING,
    )


def not_updated_clause(cycle: int | None):
    """Open now, with no update recorded in cycle number `cycle` (every open action when there
    is no cycle yet): the projection knows the cycle of each action's latest update."""
    if cycle is None:
        return is_open_clause()
    this_cycle = select(UpdateCycle.id).where(UpdateCycle.number == cycle)
    return and_(
        is_open_clause(),
        or_(ActionState.cycle_id.is_(None), ActionState.cycle_id.not_in(this_cycle)),
    )


def _depending_on_open(condition_of):
    """`Action.id IN (...)`: the actions with an open prerequisite meeting a condition. The
    subquery does not depend on the outer row, so it is worked out once for a whole list (a
    few hundred dependencies) rather than once for each action."""
    ids = (
        select(ActionDependency.action_id)
        .join(_DEPENDENT, _DEPENDENT.id == ActionDependency.action_id)
        .join(_PREREQ, _PREREQ.id == ActionDependency.depends_on_id)
        .join(_PREREQ_STATE, _PREREQ_STATE.action_id == _PREREQ.id)
        .where(is_open_clause(_PREREQ_STATE), condition_of(_DEPENDENT, _PREREQ, _PREREQ_STATE))
    )
    return Action.id.in_(ids)


# Made once: making an alias of a mapped class costs milliseconds, each time.
_DEPENDENT = aliased(Action, name="dependent")
_PREREQ = aliased(Action, name="prereq")
_PREREQ_STATE = aliased(ActionState, name="prereq_state")


def blocked_clause(today: date):
    """SQL for the domain's `is_blocked`, now: an open action with an open prerequisite that is
    red or overdue."""
    return and_(
        is_open_clause(),
        _depending_on_open(
            lambda _, prereq, state: or_(state.rag == "red", overdue_clause(today, state, prereq))
        ),
    )


def date_clash_clause():
    """SQL for the domain's `date_clash`, now: an open action due before an open prerequisite
    is due (a clash that still matters: neither is finished)."""
    return and_(
        is_open_clause(),
        _depending_on_open(
            lambda dependent, prereq, _: and_(
                dependent.target_date.is_not(None),
                prereq.target_date.is_not(None),
                dependent.target_date < prereq.target_date,
            )
        ),
    )


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
