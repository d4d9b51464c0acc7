"""Adding and removing dependencies between actions: never a cycle, clashes flagged, dates kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker.domain.dependencies import date_clash, find_cycle
from tracker.domain.permissions import Actor
from tracker.extensions import db
from tracker.models import Action, ActionDependency
from tracker.services.errors import NotFound
from tracker.services.plan.updates import Forbidden, load_contexts, may_update
from tracker.services.platform.audit import add_event

# The two ends of a dependency: built once, not per query.
_DEPENDENT, _PREREQ = aliased(Action), aliased(Action)


class DependencyRefused(Exception):
    """The dependency cannot be added: the message says why (a cycle names its actions)."""


@dataclass
class DependencyAdded:
    ref: str
    prerequisite: str
    date_clash: bool


def _action(ref: str) -> Action:
    action = db.session.execute(select(Action).where(Action.ref == ref)).scalar_one_or_none()
    if action is None:
        raise NotFound(f"No action {ref}")
    return action


def _check_may_edit(ref: str, actor: Actor) -> None:
    contexts = load_contexts(refs=[ref])
    if not contexts:
        raise NotFound(f"No action {ref}")
    if not may_update(actor, next(iter(contexts.values()))):
        raise Forbidden(ref)


def add_dependency(
    ref: str, prerequisite_ref: str, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> DependencyAdded:
    """`ref` depends on `prerequisite_ref`. Refuses a loop, naming the actions in it."""
    _check_may_edit(ref, actor)
    prerequisite_ref = prerequisite_ref.strip().upper()
    action = _action(ref)
    try:
        prerequisite = _action(prerequisite_ref)
    except NotFound:
        raise DependencyRefused(f"There is no action {prerequisite_ref}") from None
    if prerequisite.id == action.id:
        raise DependencyRefused("An action cannot depend on itself")
    edges = db.session.execute(
        select(_DEPENDENT.ref, _PREREQ.ref)
        .select_from(ActionDependency)
        .join(_DEPENDENT, _DEPENDENT.id == ActionDependency.action_id)
        .join(_PREREQ, _PREREQ.id == ActionDependency.depends_on_id)
    ).all()
    if (action.ref, prerequisite.ref) in {tuple(e) for e in edges}:
        raise DependencyRefused(f"{action.ref} already depends on {prerequisite.ref}")
    loop = find_cycle([tuple(e) for e in edges], (action.ref, prerequisite.ref))
    if loop:
        raise DependencyRefused(
            "That would make a loop of dependencies: " + " depends on ".join(loop)
        )
    db.session.add(
        ActionDependency(
            action_id=action.id,
            depends_on_id=prerequisite.id,
            created_at=now,
            created_by_id=actor.user_id,
        )
    )
    clash = date_clash(action.target_date, prerequisite.target_date)
    add_event(
        "dependency_added",
        now=now,
        user_id=actor.user_id,
        target=action.ref,
        detail={"depends_on": prerequisite.ref, "date_clash": clash},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return DependencyAdded(action.ref, prerequisite.ref, clash)


def remove_dependency(
    ref: str, prerequisite_ref: str, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> None:
    _check_may_edit(ref, actor)
    action, prerequisite = _action(ref), _action(prerequisite_ref)
    link = db.session.execute(
        select(ActionDependency).where(
            ActionDependency.action_id == action.id,
            ActionDependency.depends_on_id == prerequisite.id,
        )
    ).scalar_one_or_none()
    if link is None:
        raise NotFound(f"{ref} does not depend on {prerequisite_ref}")
    db.session.delete(link)
    add_event(
        "dependency_removed",
        now=now,
        user_id=actor.user_id,
        target=action.ref,
        detail={"depends_on": prerequisite.ref},
        remote_addr=remote_addr,
    )
    db.session.commit()
