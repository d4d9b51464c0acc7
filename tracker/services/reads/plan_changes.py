"""What changed in the plan itself, and when: actions added, edited and superseded, and target
date requests and their decisions. `plan_changes_between` answers "what changed since" for any
window in two queries, whatever its size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from tracker.domain.plan_changes import FIELD_LABELS
from tracker.domain.states import Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import Action, ActionEdit, ActionState, Plan, TargetDateRequest, User
from tracker.services.errors import NotFound

# The people a change names, aliased once (a select built against a fresh alias on every call
# costs about half a millisecond more).
_AUTHOR, _ASKER, _DECIDER = aliased(User), aliased(User), aliased(User)

KINDS = ("added", "edited", "superseded", "date_requested", "date_approved", "date_refused")
KIND_LABELS = {
    "added": "Added to the plan",
    "edited": "Edited",
    "superseded": "Superseded",
    "date_requested": "New target date requested",
    "date_approved": "New target date approved",
    "date_refused": "New target date refused",
}


@dataclass(frozen=True)
class PlanChange:
    """One change to the plan: when, what kind, to which action, by whom, and why."""

    when: datetime
    kind: str  # one of KINDS
    action_ref: str
    action_title: str
    who: str | None
    field: str
    old: str
    new: str
    reason: str
    cause: str = "person"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field.replace("_", " ").capitalize())


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _changes(
    edit_filter,
    request_filter,
    window: tuple[datetime, datetime] | None,
    pending: list | None = None,
) -> list[PlanChange]:
    """Edits, then requests and decisions, merged newest first: two queries. Requests still
    pending are also added to `pending`, when given, as DateRequestRows."""
    author = _AUTHOR
    out: list[PlanChange] = []
    for edit, ref, title, who in db.session.execute(
        select(ActionEdit, Action.ref, Action.title, author.name)
        .join(Action, Action.id == ActionEdit.action_id)
        .outerjoin(author, author.id == ActionEdit.author_id)
        .where(edit_filter)
    ).all():
        out.append(
            PlanChange(
                when=edit.recorded_at,
                kind=edit.kind,
                action_ref=ref,
                action_title=title,
                who=who,
                field=edit.field,
                old=edit.old_value,
                new=edit.new_value,
                reason=edit.reason,
                cause=edit.cause,
            )
        )
    asker, decider = _ASKER, _DECIDER
    for request, ref, title, asked_by, decided_by in db.session.execute(
        select(TargetDateRequest, Action.ref, Action.title, asker.name, decider.name)
        .join(Action, Action.id == TargetDateRequest.action_id)
        .outerjoin(asker, asker.id == TargetDateRequest.requested_by_id)
        .outerjoin(decider, decider.id == TargetDateRequest.decided_by_id)
        .where(request_filter)
    ).all():
        common = {
            "action_ref": ref,
            "action_title": title,
            "field": "target_date",
            "old": _day(request.old_date),
            "new": _day(request.new_date),
        }
        if window is None or window[0] <= request.requested_at <= window[1]:
            out.append(
                PlanChange(
                    when=request.requested_at,
                    kind="date_requested",
                    who=asked_by,
                    reason=request.reason,
                    **common,
                )
            )
        if pending is not None and request.status == "pending":
            pending.append(_request_row(request, ref, title, "", asked_by, decided_by))
        decided = request.decided_at
        if decided is not None and (window is None or window[0] <= decided <= window[1]):
            out.append(
                PlanChange(
                    when=decided,
                    kind=f"date_{request.status}",
                    who=decided_by,
                    reason=request.decision_note,
                    **common,
                )
            )
    out.sort(key=lambda c: (c.when, KINDS.index(c.kind)), reverse=True)
    return out


def plan_changes_between(start: datetime, end: datetime) -> list[PlanChange]:
    """Every change to the plan recorded from `start` to `end` (inclusive), newest first."""
    return _changes(
        ActionEdit.recorded_at.between(start, end),
        or_(
            TargetDateRequest.requested_at.between(start, end),
            TargetDateRequest.decided_at.between(start, end),
        ),
        (start, end),
    )


def action_plan_changes(action_id: int, as_at: datetime | None = None) -> list[PlanChange]:
    """One action's plan changes (as at a moment, if given), newest first: two queries."""
    return action_plan_history(action_id, as_at)[0]


def action_plan_history(
    action_id: int, as_at: datetime | None = None
) -> tuple[list[PlanChange], DateRequestRow | None]:
    """(one action's plan changes newest first, its request waiting for a chair or None), as
    at a moment if given (nothing is waiting in the past): two queries."""
    edits = ActionEdit.action_id == action_id
    requests = TargetDateRequest.action_id == action_id
    if as_at is None:
        waiting: list[DateRequestRow] = []
        return _changes(edits, requests, None, waiting), (waiting[0] if waiting else None)
    changes = _changes(
        and_(edits, ActionEdit.recorded_at <= as_at),
        and_(requests, TargetDateRequest.requested_at <= as_at),
        (datetime.min.replace(tzinfo=as_at.tzinfo), as_at),
    )
    return changes, None


@dataclass(frozen=True)
class DateRequestRow:
    id: int
    action_ref: str
    action_title: str
    plan: str
    requested_by: str | None
    requested_at: datetime
    old_date: date | None
    new_date: date
    reason: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


def _request_rows(where) -> list[DateRequestRow]:
    asker, decider = _ASKER, _DECIDER
    rows = db.session.execute(
        select(TargetDateRequest, Action.ref, Action.title, Plan.code, asker.name, decider.name)
        .join(Action, Action.id == TargetDateRequest.action_id)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(asker, asker.id == TargetDateRequest.requested_by_id)
        .outerjoin(decider, decider.id == TargetDateRequest.decided_by_id)
        .where(where)
        .order_by(TargetDateRequest.requested_at.desc(), TargetDateRequest.id.desc())
    ).all()
    return [_request_row(*row) for row in rows]


def _request_row(r, ref, title, plan, asked_by, decided_by) -> DateRequestRow:
    return DateRequestRow(
        id=r.id,
        action_ref=ref,
        action_title=title,
        plan=plan,
        requested_by=asked_by,
        requested_at=r.requested_at,
        old_date=r.old_date,
        new_date=r.new_date,
        reason=r.reason,
        status=r.status,
        decided_by=decided_by,
        decided_at=r.decided_at,
        decision_note=r.decision_note,
    )


def list_pending_date_requests() -> list[DateRequestRow]:
    """Requests waiting for a chair, oldest first: one query."""
    return list(reversed(_request_rows(TargetDateRequest.status == "pending")))


def get_date_request(request_id: int) -> DateRequestRow | None:
    rows = _request_rows(TargetDateRequest.id == request_id)
    return rows[0] if rows else None


def list_date_requests(action_ref: str) -> list[DateRequestRow]:
    """One action's requests, newest first: one query (two when it has none). NotFound when
    there is no such action."""
    rows = _request_rows(Action.ref == action_ref)
    if (
        not rows
        and db.session.execute(select(Action.id).where(Action.ref == action_ref)).first() is None
    ):
        raise NotFound(f"No action {action_ref}")
    return rows


@dataclass(frozen=True)
class RebaselinedRow:
    ref: str
    title: str
    plan: str
    baseline_target_date: date
    target_date: date | None
    lifecycle: Lifecycle
    rag: Rag | None
    overdue: bool

    @property
    def days_moved(self) -> int | None:
        if self.target_date is None:
            return None
        return (self.target_date - self.baseline_target_date).days


def _rebaselined_clause():
    return and_(
        Action.baseline_target_date.is_not(None),
        or_(Action.target_date.is_(None), Action.target_date != Action.baseline_target_date),
    )


def list_rebaselined(today: date) -> list[RebaselinedRow]:
    """Actions whose target date an approved request has moved, with the date first agreed and
    the date now: one query, in ref order."""
    rows = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Plan.code,
            Action.baseline_target_date,
            Action.target_date,
            ActionState.lifecycle,
            ActionState.rag,
        )
        .join(Plan, Plan.id == Action.plan_id)
        .join(ActionState, ActionState.action_id == Action.id)
        .where(_rebaselined_clause())
        .order_by(Plan.id, Action.ref)
    ).all()
    return [
        RebaselinedRow(
            ref=ref,
            title=title,
            plan=plan,
            baseline_target_date=baseline,
            target_date=target,
            lifecycle=Lifecycle(lifecycle),
            rag=Rag(rag) if rag else None,
            overdue=is_overdue(target, lifecycle, today),
        )
        for ref, title, plan, baseline, target, lifecycle, rag in rows
    ]


def count_rebaselined() -> int:
    return db.session.execute(
        select(func.count()).select_from(Action).where(_rebaselined_clause())
    ).scalar_one()


def count_pending_date_requests() -> int:
    return db.session.execute(
        select(func.count())
        .select_from(TargetDateRequest)
        .where(TargetDateRequest.status == "pending")
    ).scalar_one()
