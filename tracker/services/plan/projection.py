"""The current-state projection (`action_state`): a copy of each action's latest history row.

The history (`action_update`) is the source of truth. Every service that appends a history row
calls `project` in the same transaction, so the projection can never be seen out of step; bulk
loads (the seed, an import, the benchmark's data) call `rebuild` for the actions they wrote.
`differences` compares the projection with the history, row by row."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, func, insert, select, update

from tracker.extensions import db
from tracker.models import Action, ActionState, ActionUpdate

STATE_FIELDS = (
    "version",
    "lifecycle",
    "rag",
    "impact",
    "summary",
    "reason",
    "evidence",
    "no_change",
    "cause",
    "author_id",
    "recorded_at",
    "cycle_id",
)


def project(row: ActionUpdate) -> None:
    """Make `row` (just added, not yet committed) the action's current state. The caller has
    already won the action's version (a conditional UPDATE of `action.version`), so no other
    writer can be projecting the same action at the same time. Does not commit."""
    values = {name: getattr(row, name) for name in STATE_FIELDS}
    if values["no_change"] is None:
        values["no_change"] = False
    moved = db.session.execute(
        update(ActionState)
        .where(ActionState.action_id == row.action_id, ActionState.version < row.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 0:
        exists = db.session.execute(
            select(ActionState.version).where(ActionState.action_id == row.action_id)
        ).scalar_one_or_none()
        if exists is None:
            db.session.execute(insert(ActionState).values(action_id=row.action_id, **values))


def _latest_rows():
    """Each action's latest history row: the one whose version is the action's version."""
    return (
        select(ActionUpdate.action_id, *(getattr(ActionUpdate, n) for n in STATE_FIELDS))
        .join(
            Action,
            and_(Action.id == ActionUpdate.action_id, Action.version == ActionUpdate.version),
        )
        .order_by(ActionUpdate.action_id)
    )


def rebuild(action_ids: Iterable[int] | None = None) -> int:
    """Make the projection again from history (for `action_ids`, or every action) in one
    INSERT ... SELECT. Does not commit. Returns the number of rows written."""
    ids = None if action_ids is None else list(action_ids)
    gone = delete(ActionState)
    latest = _latest_rows()
    if ids is not None:
        if not ids:
            return 0
        gone = gone.where(ActionState.action_id.in_(ids))
        latest = latest.where(ActionUpdate.action_id.in_(ids))
    db.session.execute(gone.execution_options(synchronize_session=False))
    db.session.execute(insert(ActionState).from_select(["action_id", *STATE_FIELDS], latest))
    written = select(func.count()).select_from(ActionState)
    if ids is not None:
        written = written.where(ActionState.action_id.in_(ids))
    return db.session.execute(written).scalar_one()  # (rowcount of INSERT ... SELECT varies)


def differences() -> list[str]:
    """Every way the projection differs from what the history says, as sentences (empty when
    they agree): two queries, whatever the size of the plan."""
    truth = {r.action_id: r for r in db.session.execute(_latest_rows())}
    held = {
        r.action_id: r
        for r in db.session.execute(
            select(ActionState.action_id, *(getattr(ActionState, n) for n in STATE_FIELDS))
        )
    }
    problems = []
    for action_id in sorted(truth.keys() - held.keys()):
        problems.append(f"action {action_id} has history but no current state")
    for action_id in sorted(held.keys() - truth.keys()):
        problems.append(f"action {action_id} has a current state but no matching history row")
    for action_id in sorted(truth.keys() & held.keys()):
        expected, actual = truth[action_id], held[action_id]
        for name in STATE_FIELDS:
            if getattr(expected, name) != getattr(actual, name):
                problems.append(
                    f"action {action_id}: {name} is {getattr(actual, name)!r} in the projection "
                    f"but {getattr(expected, name)!r} in history"
                )
    return problems


def rebuild_and_commit() -> int:
    """Rebuild every action's current state from history, committed as one transaction."""
    written = rebuild()
    db.session.commit()
    return written
