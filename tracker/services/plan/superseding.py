"""Superseding an action: the update that marks it superseded also names the open action that
replaces it, and both are kept (the lifecycle in the update history, the replacement on the
action and in its plan-change history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from tracker.domain.plan_changes import check_replacement
from tracker.domain.states import Lifecycle
from tracker.extensions import db
from tracker.models import Action, ActionEdit, ActionState


def replacement_error(action_ref: str, replacement_ref: str) -> tuple[str, int | None]:
    """('' and the replacement's id) when `replacement_ref` may replace `action_ref`, else the
    message. One query."""
    replacement_ref = replacement_ref.strip().upper()
    found = db.session.execute(
        select(Action.id, ActionState.lifecycle)
        .join(ActionState, ActionState.action_id == Action.id)
        .where(Action.ref == replacement_ref)
    ).first()
    message = check_replacement(
        action_ref=action_ref,
        replacement_ref=replacement_ref,
        found=found is not None,
        replacement_closed=found is not None and Lifecycle(found.lifecycle).is_closed,
    )
    return message, (found.id if found is not None and not message else None)


def record_superseded(
    action_id: int,
    replacement_id: int,
    replacement_ref: str,
    *,
    reason: str,
    author_id: int | None,
    now: datetime,
    cause: str = "person",
) -> None:
    """Name the replacement on the action and in its plan-change history. Does not commit."""
    db.session.execute(
        update(Action)
        .where(Action.id == action_id)
        .values(superseded_by_id=replacement_id, plan_version=Action.plan_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        ActionEdit(
            action_id=action_id,
            kind="superseded",
            field="superseded_by",
            old_value="",
            new_value=replacement_ref.strip().upper(),
            reason=reason.strip(),
            cause=cause,
            author_id=author_id,
            recorded_at=now,
        )
    )
