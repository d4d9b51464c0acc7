"""Recording a change to an action: the rules, the version check and the append-only history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from tracker.domain.cycles import cycle_number_for
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag
from tracker.domain.updates import (
    CurrentState,
    Proposal,
    carry_forward,
    check_update,
    is_no_change,
)
from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionUpdate, Plan, UpdateCycle
from tracker.models.org import Locality
from tracker.services.errors import NotFound
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import projection, queries, superseding
from tracker.services.platform.audit import add_event

FREE_TEXT = ("summary", "reason", "evidence")


class Forbidden(Exception):
    """The person may not update this action."""


class Rejected(Exception):
    """The change breaks a rule: field -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Conflict(Exception):
    """Someone else changed the action since the form was drawn. Nothing was written."""

    ref: str
    expected_version: int
    current_version: int
    changes: list[queries.HistoryEntry] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.ref} is at version {self.current_version}, not {self.expected_version}"


@dataclass
class ActionContext:
    """What the rules need to know about one action, loaded in a fixed number of queries."""

    action: Action
    plan_code: str
    locality: str | None
    current: CurrentState
    open_prerequisites: list[str]


def load_contexts(
    action_ids: list[int] | None = None, refs: list[str] | None = None, *, reread: bool = False
):
    """Actions with their latest state, plan locality and open prerequisites: three queries.
    `reread` refreshes actions already in the session (their version included) from the rows."""
    query = (
        queries.join_latest_update(select(Action, ActionUpdate, Plan.code, Locality.code))
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(Locality, Locality.id == Plan.locality_id)
    )
    if reread:
        query = query.execution_options(populate_existing=True)
    if action_ids is not None:
        query = query.where(Action.id.in_(action_ids))
    if refs is not None:
        query = query.where(Action.ref.in_(refs))
    contexts: dict[int, ActionContext] = {}
    for action, upd, plan_code, locality in db.session.execute(query).all():
        contexts[action.id] = ActionContext(
            action=action,
            plan_code=plan_code,
            locality=locality,
            current=CurrentState(
                Lifecycle(upd.lifecycle),
                Rag(upd.rag) if upd.rag else None,
                Impact(upd.impact),
                upd.summary,
            ),
            open_prerequisites=[],
        )
    if contexts:
        latest = queries.latest_versions()
        prereq = select(Action.id.label("id"), Action.ref.label("ref")).subquery("prereq")
        rows = db.session.execute(
            select(ActionDependency.action_id, prereq.c.ref, ActionUpdate.lifecycle)
            .join(prereq, prereq.c.id == ActionDependency.depends_on_id)
            .join(latest, latest.c.action_id == ActionDependency.depends_on_id)
            .join(
                ActionUpdate,
                and_(
                    ActionUpdate.action_id == ActionDependency.depends_on_id,
                    ActionUpdate.version == latest.c.version,
                ),
            )
            .where(ActionDependency.action_id.in_(list(contexts)))
            .order_by(prereq.c.ref)
        ).all()
        closed = {s.value for s in CLOSED}
        for action_id, ref, lifecycle in rows:
            if lifecycle not in closed:
                contexts[action_id].open_prerequisites.append(ref)
    return contexts


def target_for(ctx: ActionContext) -> Target:
    return Target(lead_user_id=ctx.action.lead_user_id, locality=ctx.locality)


def may_update(actor: Actor, ctx: ActionContext) -> bool:
    return can(actor, Permission.UPDATE_ACTION, target_for(ctx))


def validate(
    ctx: ActionContext, proposal: Proposal, actor: Actor, *, evidence_added: int = 0
) -> dict[str, str]:
    """The domain rules plus the personal-data guard on every free-text field. `evidence_added`
    items come with the change (and count towards closing with evidence)."""
    proposal = carry_forward(ctx.current, proposal)
    closing = (
        proposal.lifecycle is Lifecycle.CLOSED_EVIDENCED
        and ctx.current.lifecycle is not Lifecycle.CLOSED_EVIDENCED
    )
    errors = check_update(
        ctx.current,
        proposal,
        can_sign_off=can(actor, Permission.SIGN_OFF),
        open_prerequisites=ctx.open_prerequisites,
        # Counted only when closing: one query, on the rare update that closes an action.
        evidence_items=(
            evidence_service.count_live(ctx.action.id) + evidence_added if closing else None
        ),
    )
    for name in FREE_TEXT:
        # Child-level data is the more serious problem: its warning wins over any other.
        message = personal_data_message(getattr(proposal, name))
        if message:
            errors[name] = message
    return errors


def cycle_id_for(day: date, cycle_start: date) -> int | None:
    number = cycle_number_for(cycle_start, day)
    if number is None:
        return None
    return db.session.execute(
        select(UpdateCycle.id).where(UpdateCycle.number == number)
    ).scalar_one_or_none()


def changes_since(action_id: int, version: int) -> list[queries.HistoryEntry]:
    """What happened to an action after `version`, newest first (to show on a conflict)."""
    return [h for h in queries.get_history(action_id) if h.version > version]


def append_update(
    ctx: ActionContext,
    proposal: Proposal,
    *,
    expected_version: int,
    actor: Actor,
    now: datetime,
    cycle_id: int | None,
    cause: str = "person",
) -> ActionUpdate:
    """Bump the version only if it is still `expected_version`, then add the update row.
    Does not commit: the calling service commits once for everything it writes."""
    bumped = db.session.execute(
        update(Action)
        .where(Action.id == ctx.action.id, Action.version == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        raise Conflict(ctx.action.ref, expected_version, _current_version(ctx.action.id))
    no_change = is_no_change(ctx.current, proposal)
    proposal = carry_forward(ctx.current, proposal)
    closed = proposal.lifecycle in CLOSED
    row = ActionUpdate(
        action_id=ctx.action.id,
        version=expected_version + 1,
        cycle_id=cycle_id,
        author_id=actor.user_id,
        cause=cause,
        recorded_at=now,
        lifecycle=proposal.lifecycle.value,
        rag=None if closed or proposal.rag is None else proposal.rag.value,
        impact=proposal.impact.value,
        summary=proposal.summary.strip(),
        reason=proposal.reason.strip(),
        evidence=proposal.evidence.strip(),
        no_change=no_change,
    )
    db.session.add(row)
    db.session.flush()
    projection.project(row)
    return row


def _supersedes(ctx: ActionContext, proposal: Proposal) -> bool:
    return (
        proposal.lifecycle is Lifecycle.SUPERSEDED
        and ctx.current.lifecycle is not Lifecycle.SUPERSEDED
    )


def _current_version(action_id: int) -> int:
    db.session.rollback()
    return db.session.execute(select(Action.version).where(Action.id == action_id)).scalar_one()


def record_update(
    ref: str,
    proposal: Proposal,
    *,
    expected_version: int,
    actor: Actor,
    now: datetime,
    today: date,
    cycle_start: date,
    remote_addr: str = "",
    authorise: Callable[[Actor, ActionContext], bool] | None = None,
    event: str = "action_updated",
    evidence_added: int = 0,
    with_change: Callable[[], None] | None = None,
    before_commit: Callable[[ActionContext, int], None] | None = None,
) -> int:
    """One person's change to one action: allowed, valid, not stale; committed once.
    Returns the new version. Raises NotFound, Forbidden, Conflict or Rejected (nothing written).
    `with_change` adds what comes with the change (its `evidence_added` evidence items) to the
    same transaction (tracker/services/plan/update_evidence.py); `before_commit(ctx, new_version)`
    writes more in it too (a decision's mail)."""
    contexts = load_contexts(refs=[ref])
    if not contexts:
        raise NotFound(f"No action {ref}")
    ctx = next(iter(contexts.values()))
    if not (authorise or may_update)(actor, ctx):
        raise Forbidden(ref)
    if ctx.action.version != expected_version:
        raise Conflict(
            ref,
            expected_version,
            ctx.action.version,
            changes_since(ctx.action.id, expected_version),
        )
    errors = validate(ctx, proposal, actor, evidence_added=evidence_added)
    replacement_id = None
    if _supersedes(ctx, proposal) and not errors:
        message, replacement_id = superseding.replacement_error(ref, proposal.superseded_by)
        if message:
            errors["superseded_by"] = message
    if errors:
        raise Rejected(errors)
    try:
        append_update(
            ctx,
            proposal,
            expected_version=expected_version,
            actor=actor,
            now=now,
            cycle_id=cycle_id_for(today, cycle_start),
        )
        if replacement_id is not None:
            superseding.record_superseded(
                ctx.action.id,
                replacement_id,
                proposal.superseded_by,
                reason=proposal.reason,
                author_id=actor.user_id,
                now=now,
            )
        if with_change is not None:
            with_change()
        add_event(
            event,
            now=now,
            user_id=actor.user_id,
            target=ref,
            detail={
                "version": expected_version + 1,
                "lifecycle": proposal.lifecycle.value,
                "rag": proposal.rag.value if proposal.rag else None,
                **(
                    {"superseded_by": proposal.superseded_by.strip().upper()}
                    if replacement_id
                    else {}
                ),
            },
            remote_addr=remote_addr,
        )
        if before_commit is not None:
            before_commit(ctx, expected_version + 1)
        db.session.commit()
    except Conflict as conflict:
        conflict.changes = changes_since(ctx.action.id, expected_version)
        raise
    except IntegrityError:
        # Another writer took this version between our check and our insert.
        db.session.rollback()
        current = _current_version(ctx.action.id)
        raise Conflict(
            ref, expected_version, current, changes_since(ctx.action.id, expected_version)
        ) from None
    return expected_version + 1
