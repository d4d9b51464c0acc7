"""Chairs sign off actions marked complete, or return them to the lead with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select

from tracker.domain.calendar import LONDON, working_days_between
from tracker.domain.permissions import Actor, Permission, can
from tracker.domain.states import Lifecycle
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import Action, ActionState, ActionUpdate, Plan, User
from tracker.services.errors import NotFound
from tracker.services.mail import notify
from tracker.services.plan import queries
from tracker.services.plan.updates import (
    ActionContext,
    Conflict,
    Forbidden,
    Rejected,
    changes_since,
    load_contexts,
    record_update,
)


@dataclass
class AwaitingSignOff:
    ref: str
    title: str
    plan_name: str
    lead_name: str | None
    version: int
    since: datetime
    working_days_waiting: int
    evidence: str


def list_awaiting_sign_off(
    today: date, ref: str | None = None, *, scope: Select | None = None
) -> list[AwaitingSignOff]:
    """Actions complete and awaiting sign-off, longest waiting first, with when they were marked
    complete (the first update of the current run of 'complete awaiting sign-off'). `scope`, a
    subquery of action ids, narrows them (the dashboard's filters)."""
    current = (
        queries.join_state(select(Action, ActionState, Plan.name, User.name))
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(User, User.id == Action.lead_user_id)
        .where(ActionState.lifecycle == "complete_awaiting_signoff")
    )
    if ref is not None:
        current = current.where(Action.ref == ref)
    if scope is not None:
        current = current.where(Action.id.in_(scope))
    rows = db.session.execute(current).all()
    if not rows:
        return []
    ids = [a.id for a, *_ in rows]
    # The last update that was not awaiting sign-off: the run started just after it.
    before = dict(
        db.session.execute(
            select(ActionUpdate.action_id, func.max(ActionUpdate.version))
            .where(
                ActionUpdate.action_id.in_(ids),
                ActionUpdate.lifecycle != "complete_awaiting_signoff",
            )
            .group_by(ActionUpdate.action_id)
        ).all()
    )
    marked = {
        (a, v): (t, e)
        for a, v, t, e in db.session.execute(
            select(
                ActionUpdate.action_id,
                ActionUpdate.version,
                ActionUpdate.recorded_at,
                ActionUpdate.evidence,
            ).where(
                ActionUpdate.action_id.in_(ids),
                ActionUpdate.lifecycle == "complete_awaiting_signoff",
            )
        ).all()
    }
    out = []
    for action, upd, plan_name, lead_name in rows:
        start_version = before.get(action.id, 0) + 1
        since, evidence = marked.get((action.id, start_version), (upd.recorded_at, upd.evidence))
        out.append(
            AwaitingSignOff(
                ref=action.ref,
                title=action.title,
                plan_name=plan_name,
                lead_name=lead_name,
                version=upd.version,
                since=since,
                working_days_waiting=max(
                    0, working_days_between(since.astimezone(LONDON).date(), today)
                ),
                evidence=evidence,
            )
        )
    return sorted(out, key=lambda a: (a.since, a.ref))


def may_sign_off(actor: Actor, ctx: ActionContext) -> bool:
    return can(actor, Permission.SIGN_OFF)


def decide_sign_off(
    ref: str,
    *,
    approve: bool,
    reason: str,
    override_prerequisites: bool,
    expected_version: int,
    actor: Actor,
    now: datetime,
    today: date,
    cycle_start: date,
    remote_addr: str = "",
) -> int:
    """A chair closes a completed action with evidence, or returns it to its lead with a reason."""
    contexts = load_contexts(refs=[ref])
    if not contexts:
        raise NotFound(f"No action {ref}")
    ctx = next(iter(contexts.values()))
    current = ctx.current
    if not may_sign_off(actor, ctx):
        raise Forbidden(ref)
    # Before the lifecycle check: an action moved on since the page was drawn is a conflict
    # that shows who changed what, not "only an action marked complete can be signed off".
    if ctx.action.version != expected_version:
        raise Conflict(
            ref,
            expected_version,
            ctx.action.version,
            changes_since(ctx.action.id, expected_version),
        )
    if current.lifecycle is not Lifecycle.COMPLETE_AWAITING_SIGNOFF:
        raise Rejected({"decision": "Only an action marked complete can be signed off"})
    if approve:
        proposal = Proposal(
            # The reason is recorded once, as the reason; the summary says what happened.
            summary="Signed off by the chair." if reason.strip() else "",
            lifecycle=Lifecycle.CLOSED_EVIDENCED,
            rag=None,
            impact=current.impact,
            reason=reason,
            override_prerequisites=override_prerequisites,
        )
    else:
        proposal = Proposal(
            summary="Returned to the lead by the chair." if reason.strip() else "",
            lifecycle=Lifecycle.IN_PROGRESS,
            rag=current.rag,
            impact=current.impact,
            reason=reason,
        )
    try:
        return record_update(
            ref,
            proposal,
            expected_version=expected_version,
            actor=actor,
            now=now,
            today=today,
            cycle_start=cycle_start,
            remote_addr=remote_addr,
            authorise=may_sign_off,
            event="action_signed_off" if approve else "action_returned",
            before_commit=lambda ctx, version: _tell_sign_off(
                ctx, version, approve=approve, reason=reason.strip(), now=now
            ),
        )
    except Rejected as exc:
        errors = dict(exc.errors)
        # The summary exists only when a reason was given, so its errors are the reason's. A
        # reason that was given keeps its own message (the personal-data guard's warning).
        summary_error = errors.pop("summary", None)
        if not reason.strip():
            errors["reason"] = "Give a reason for your decision"
        elif summary_error and "reason" not in errors:
            errors["reason"] = summary_error
        raise Rejected(errors) from None


def _tell_sign_off(
    ctx: ActionContext, version: int, *, approve: bool, reason: str, now: datetime
) -> None:
    """The lead and the locality's head are told, in the decision's transaction: keyed by the
    version the decision made, so it is told once however often it is posted."""
    action = ctx.action
    if approve:
        subject = f"{action.ref} is signed off and closed"
        outcome = f"A chair signed off {action.ref}: it is closed with evidence."
    else:
        subject = f"{action.ref} is returned to its lead: not signed off"
        outcome = f"A chair did not sign off {action.ref}: it is returned to its lead, in progress."
    lines = [f"{action.ref}: {action.title}", outcome]
    if reason:
        lines.append(f"The chair's reason: {reason}")
    notify.tell(
        notify.Notice(
            key=f"sign_off|{action.id}|{version}",
            kind="action_signed_off" if approve else "action_returned",
            subject=subject,
            lines=tuple(lines),
            link=f"/actions/{action.ref}",
        ),
        [action.lead_user_id, *notify.head_for_action(action.id)],
        now=now,
    )
