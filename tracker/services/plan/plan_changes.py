"""Changing the plan itself: adding an action, editing its fields with a reason, and moving a
target date by a request a chair decides. Each service loads, asks the domain, writes the change
and its history row, and commits once. `record_edits` is the one way an edit reaches the
history, for a person (cause 'person') or an importer (cause 'import')."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tracker.domain import plan_changes as rules
from tracker.domain.chasing import day_text
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.plan_changes import FieldChange, NewAction, PlanEntry
from tracker.domain.states import Lifecycle
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionEdit,
    ActionState,
    ActionUpdate,
    Locality,
    Organisation,
    Plan,
    Recommendation,
    TargetDateRequest,
    User,
    action_partner,
)
from tracker.services import search
from tracker.services.errors import NotFound
from tracker.services.mail import notify
from tracker.services.plan import projection
from tracker.services.plan.updates import Forbidden, Rejected
from tracker.services.platform.audit import add_event


@dataclass
class PlanConflict(Exception):
    """Someone else changed the action's plan entry since the form was drawn: nothing written."""

    ref: str
    expected_version: int
    current_version: int
    changes: list = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.ref} was changed by someone else while you were editing it. Nothing was "
            "saved: read their change, then make yours again if it is still needed."
        )


@dataclass
class EditContext:
    action: Action
    plan_code: str
    locality: str | None
    lifecycle: Lifecycle
    entry: PlanEntry


def _guard_text(errors: dict[str, str], values: dict[str, str]) -> None:
    """Child-level data is the more serious problem: its warning wins over any other."""
    for name, value in values.items():
        message = personal_data_message(value)
        if message:
            errors[name] = message


def load_edit_context(ref: str) -> EditContext:
    """The action, its plan's locality, its lifecycle and its editable fields: two queries."""
    found = db.session.execute(
        select(Action, Plan.code, Locality.code, ActionState.lifecycle, Organisation.code)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(Locality, Locality.id == Plan.locality_id)
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Organisation, Organisation.id == Action.lead_organisation_id)
        .where(Action.ref == ref)
    ).first()
    if found is None:
        raise NotFound(f"No action {ref}")
    action, plan_code, locality, lifecycle, org_code = found
    partners = db.session.execute(
        select(Organisation.code)
        .join(action_partner, action_partner.c.organisation_id == Organisation.id)
        .where(action_partner.c.action_id == action.id)
    ).scalars()
    entry = PlanEntry(
        title=action.title,
        description=action.description or "",
        lead=str(action.lead_user_id or ""),
        lead_organisation=org_code,
        partners=tuple(sorted(partners)),
        success_measure=action.success_measure or "",
    )
    return EditContext(action, plan_code, locality, Lifecycle(lifecycle), entry)


def date_target(ctx: EditContext) -> Target:
    return Target(lead_user_id=ctx.action.lead_user_id, locality=ctx.locality)


def may_request_date(actor: Actor | None, ctx: EditContext) -> bool:
    return can(actor, Permission.REQUEST_DATE_CHANGE, date_target(ctx))


def _display(changes: list[FieldChange]) -> list[FieldChange]:
    """Lead and organisations as people read them (names), not ids and codes: one query each."""
    ids = {int(v) for c in changes if c.field == "lead" for v in (c.old, c.new) if v}
    codes = {
        code
        for c in changes
        if c.field in ("lead_organisation", "partners")
        for v in (c.old, c.new)
        for code in v.split(", ")
        if code
    }
    names = (
        dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
        if ids
        else {}
    )
    orgs = (
        dict(
            db.session.execute(
                select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes))
            ).all()
        )
        if codes
        else {}
    )

    def show(name: str, value: str) -> str:
        if name == "lead":
            return names.get(int(value), value) if value else ""
        if name in ("lead_organisation", "partners"):
            return ", ".join(orgs.get(v, v) for v in value.split(", ") if v)
        return value

    return [FieldChange(c.field, show(c.field, c.old), show(c.field, c.new)) for c in changes]


def record_edits(
    action_id: int,
    changes: list[FieldChange],
    *,
    reason: str,
    author_id: int | None,
    now: datetime,
    cause: str = "person",
    kind: str = "edited",
) -> None:
    """Add one history row per changed field (values as people read them). Does not commit:
    the person's edit service and an importer each commit once for everything they write."""
    for change in _display(changes):
        db.session.add(
            ActionEdit(
                action_id=action_id,
                kind=kind,
                field=change.field,
                old_value=change.old,
                new_value=change.new,
                reason=reason.strip(),
                cause=cause,
                author_id=author_id,
                recorded_at=now,
            )
        )


def _resolve(
    proposed: PlanEntry, errors: dict[str, str]
) -> tuple[int | None, int | None, list[int]]:
    """(lead id, lead organisation id, partner ids) for the codes and id in `proposed`."""
    codes = {proposed.lead_organisation, *proposed.partners} - {""}
    orgs = dict(
        db.session.execute(
            select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes))
        ).all()
    )
    for code in proposed.partners:
        if code not in orgs:
            errors["partners"] = f"There is no organisation {code}"
    if proposed.lead_organisation and proposed.lead_organisation not in orgs:
        errors["lead_organisation"] = "Choose the lead organisation from the list"
    lead_id = None
    if proposed.lead:
        lead_id = db.session.execute(
            select(User.id).where(User.id == int(proposed.lead), User.active.is_(True))
        ).scalar_one_or_none()
        if lead_id is None:
            errors["lead"] = "Choose the lead from the list of people"
    return (
        lead_id,
        orgs.get(proposed.lead_organisation),
        [orgs[c] for c in proposed.partners if c in orgs],
    )


def edit_action(
    ref: str,
    proposed: PlanEntry,
    *,
    reason: str,
    expected_plan_version: int,
    actor: Actor | None,
    now: datetime,
    cause: str = "person",
    remote_addr: str = "",
    commit: bool = True,
) -> int:
    """Change an action's plan entry: allowed, valid, not stale; each changed field recorded
    with the reason; committed once. Returns the new plan version. Raises NotFound, Forbidden,
    PlanConflict or Rejected (nothing written). An importer calls it with cause 'import' and
    `commit=False`, and commits once for the whole file."""
    ctx = load_edit_context(ref)
    if cause == "person" and not can(actor, Permission.EDIT_PLAN):
        raise Forbidden(ref)
    if ctx.action.plan_version != expected_plan_version:
        raise PlanConflict(
            ref,
            expected_plan_version,
            ctx.action.plan_version,
            _edits_since(ctx.action.id, expected_plan_version),
        )
    proposed = PlanEntry(
        title=proposed.title.strip(),
        description=proposed.description.strip(),
        lead=proposed.lead,
        lead_organisation=proposed.lead_organisation,
        partners=tuple(sorted(set(proposed.partners))),
        success_measure=proposed.success_measure.strip(),
    )
    errors = rules.check_edit(ctx.entry, proposed, reason, lifecycle=ctx.lifecycle)
    lead_id, org_id, partner_ids = _resolve(proposed, errors)
    _guard_text(
        errors,
        {
            "title": proposed.title,
            "description": proposed.description,
            "success_measure": proposed.success_measure,
            "reason": reason,
        },
    )
    if errors:
        raise Rejected(errors)
    changes = rules.changed_fields(ctx.entry, proposed)
    author_id = actor.user_id if actor else None
    won = db.session.execute(
        update(Action)
        .where(Action.id == ctx.action.id, Action.plan_version == expected_plan_version)
        .values(
            plan_version=expected_plan_version + 1,
            title=proposed.title,
            description=proposed.description,
            lead_user_id=lead_id,
            lead_organisation_id=org_id,
            success_measure=proposed.success_measure,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        db.session.rollback()
        current = db.session.execute(
            select(Action.plan_version).where(Action.id == ctx.action.id)
        ).scalar_one()
        raise PlanConflict(
            ref, expected_plan_version, current, _edits_since(ctx.action.id, expected_plan_version)
        )
    if any(c.field == "partners" for c in changes):
        db.session.execute(
            delete(action_partner).where(action_partner.c.action_id == ctx.action.id)
        )
        if partner_ids:
            db.session.execute(
                insert(action_partner),
                [{"action_id": ctx.action.id, "organisation_id": p} for p in partner_ids],
            )
    if any(c.field in _SEARCHED for c in changes):  # an UPDATE statement: no flush indexes it
        search.reindex(Action, Action.id == ctx.action.id)
    record_edits(ctx.action.id, changes, reason=reason, author_id=author_id, now=now, cause=cause)
    add_event(
        "action_edited",
        now=now,
        user_id=author_id,
        target=ref,
        detail={"fields": [c.field for c in changes], "cause": cause},
        remote_addr=remote_addr,
    )
    if commit:
        db.session.commit()
    return expected_plan_version + 1


# The fields of an action its search document reads (tracker/services/search/sources.py).
_SEARCHED = frozenset({"title", "description", "success_measure"})


def _edits_since(action_id: int, version: int) -> list:
    """The latest plan changes to show beside a conflict (newest first)."""
    from tracker.services.reads.plan_changes import action_plan_changes

    return action_plan_changes(action_id)[:5]


def add_action(
    plan_code: str,
    new: NewAction,
    *,
    lead_user_id: int | None,
    partners: tuple[str, ...],
    actor: Actor | None,
    now: datetime,
    cause: str = "person",
    remote_addr: str = "",
    ref: str | None = None,
    commit: bool = True,
    first_state: tuple[str, str, str] | None = None,
) -> str:
    """Add an action to a plan with the next ref in its sequence, its first (not started) state
    and an 'added' history row with the reason; committed once. Returns the new ref. An
    importer names the ref itself and passes `commit=False` (it commits once for the file),
    and may give the first state (lifecycle, RAG, summary; blank parts keep the defaults)."""
    if cause == "person" and not can(actor, Permission.EDIT_PLAN):
        raise Forbidden(plan_code)
    plan = db.session.execute(select(Plan).where(Plan.code == plan_code)).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"No plan {plan_code}")
    errors = rules.check_new_action(new)
    entry = PlanEntry(
        title=new.title.strip(),
        description=new.description.strip(),
        lead=str(lead_user_id or ""),
        lead_organisation=new.lead_organisation,
        partners=tuple(sorted(set(partners))),
        success_measure=new.success_measure.strip(),
    )
    lead_id, org_id, partner_ids = _resolve(entry, errors)
    recommendation_id = None
    if new.recommendation:
        recommendation_id = db.session.execute(
            select(Recommendation.id).where(Recommendation.ref == new.recommendation)
        ).scalar_one_or_none()
        if recommendation_id is None:
            errors["recommendation"] = "Choose the recommendation from the list"
    _guard_text(
        errors,
        {
            "title": new.title,
            "description": new.description,
            "success_measure": new.success_measure,
            "reason": new.reason,
        },
    )
    if errors:
        raise Rejected(errors)
    if ref is None:
        existing = db.session.execute(select(Action.ref).where(Action.plan_id == plan.id)).scalars()
        ref = rules.next_ref(plan.kind, plan.code, existing)
    author_id = actor.user_id if actor else None
    action = Action(
        ref=ref,
        plan_id=plan.id,
        recommendation_id=recommendation_id,
        title=entry.title,
        description=entry.description,
        lead_user_id=lead_id,
        lead_organisation_id=org_id,
        start_date=new.start_date,
        target_date=new.target_date,
        success_measure=entry.success_measure,
        version=1,
        plan_version=1,
        created_at=now,
    )
    try:
        db.session.add(action)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another chair took this ref a moment ago
        raise Rejected(
            {"title": f"Someone added {ref} to this plan at the same moment: save again"}
        ) from None
    if partner_ids:
        db.session.execute(
            insert(action_partner),
            [{"action_id": action.id, "organisation_id": p} for p in partner_ids],
        )
    lifecycle, rag, summary = first_state or ("", "", "")
    first = ActionUpdate(
        action_id=action.id,
        version=1,
        cycle_id=None,
        author_id=author_id,
        cause=cause,
        recorded_at=now,
        lifecycle=lifecycle or Lifecycle.NOT_STARTED.value,
        rag=rag or "green",
        impact="not_yet_evidenced",
        summary=summary or "Added to the plan.",
        reason=new.reason.strip(),
        evidence="",
        no_change=False,
    )
    db.session.add(first)
    db.session.flush()
    projection.project(first)
    db.session.add(
        ActionEdit(
            action_id=action.id,
            kind="added",
            field="",
            old_value="",
            new_value=entry.title,
            reason=new.reason.strip(),
            cause=cause,
            author_id=author_id,
            recorded_at=now,
        )
    )
    add_event(
        "action_added",
        now=now,
        user_id=author_id,
        target=ref,
        detail={"plan": plan.code, "cause": cause},
        remote_addr=remote_addr,
    )
    if commit:
        db.session.commit()
    return ref


def _pending_for(action_id: int) -> bool:
    return (
        db.session.execute(
            select(TargetDateRequest.id).where(
                TargetDateRequest.action_id == action_id, TargetDateRequest.status == "pending"
            )
        ).first()
        is not None
    )


def request_target_date(
    ref: str,
    new_date: date,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    today: date,
    remote_addr: str = "",
) -> int:
    """The action's lead (or its locality's head or deputy) asks a chair to move its target
    date, with a reason; committed once. Returns the request's id."""
    ctx = load_edit_context(ref)
    if not may_request_date(actor, ctx):
        raise Forbidden(ref)
    errors = rules.check_date_request(
        current=ctx.action.target_date,
        start=ctx.action.start_date,
        new=new_date,
        reason=reason,
        lifecycle=ctx.lifecycle,
        pending=_pending_for(ctx.action.id),
        today=today,
    )
    _guard_text(errors, {"reason": reason})
    if errors:
        raise Rejected(errors)
    request = TargetDateRequest(
        action_id=ctx.action.id,
        requested_by_id=actor.user_id,
        requested_at=now,
        old_date=ctx.action.target_date,
        new_date=new_date,
        reason=reason.strip(),
        status="pending",
        decision_note="",
    )
    try:
        db.session.add(request)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the partial unique index: someone else asked a moment ago
        raise Rejected(
            {
                "new_date": "A request to move this action's target date is already waiting for "
                "a chair's decision"
            }
        ) from None
    add_event(
        "target_date_requested",
        now=now,
        user_id=actor.user_id,
        target=ref,
        detail={"from": _iso(ctx.action.target_date), "to": new_date.isoformat()},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return request.id


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def decide_target_date(
    request_id: int,
    *,
    approve: bool,
    note: str,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> str:
    """A chair approves (the target date moves; the first agreed date is kept as the baseline)
    or refuses (the date stays) a pending request; committed once. Returns the action's ref."""
    if not can(actor, Permission.DECIDE_DATE_CHANGE):
        raise Forbidden(str(request_id))
    found = db.session.execute(
        select(TargetDateRequest, Action)
        .join(Action, Action.id == TargetDateRequest.action_id)
        .where(TargetDateRequest.id == request_id)
    ).first()
    if found is None:
        raise NotFound(f"No target date request {request_id}")
    request, action = found
    errors = rules.check_decision(status=request.status, approve=approve, note=note)
    _guard_text(errors, {"note": note})
    if errors:
        raise Rejected(errors)
    status = "approved" if approve else "refused"
    # Claim the request: if two chairs decide at once, one wins and the other is told.
    claimed = db.session.execute(
        update(TargetDateRequest)
        .where(TargetDateRequest.id == request_id, TargetDateRequest.status == "pending")
        .values(
            status=status, decided_by_id=actor.user_id, decided_at=now, decision_note=note.strip()
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise Rejected({"decision": "Another chair decided this request a moment ago"})
    if approve:
        moved = rules.decide(
            target=action.target_date,
            baseline=action.baseline_target_date,
            requested=request.new_date,
            approve=True,
        )
        db.session.execute(
            update(Action)
            .where(Action.id == action.id)
            .values(
                target_date=moved.target_date,
                baseline_target_date=moved.baseline_target_date,
                plan_version=Action.plan_version + 1,
            )
            .execution_options(synchronize_session=False)
        )
    add_event(
        f"target_date_{status}",
        now=now,
        user_id=actor.user_id,
        target=action.ref,
        detail={
            "request": request_id,
            "from": _iso(request.old_date),
            "to": _iso(request.new_date),
        },
        remote_addr=remote_addr,
    )
    _tell_date_decision(request, action, approve=approve, note=note.strip(), now=now)
    db.session.commit()
    return action.ref


def _tell_date_decision(
    request: TargetDateRequest, action: Action, *, approve: bool, note: str, now: datetime
) -> None:
    """The requester and the action's lead are told, in the decision's transaction."""
    asked = day_text(request.new_date)
    if approve:
        subject = f"{action.ref}: the target date is moved to {asked}"
        outcome = (
            f"A chair approved the request to move the target date of {action.ref} to {asked}."
        )
    else:
        kept = day_text(request.old_date) if request.old_date else "unchanged"
        subject = f"{action.ref}: the request to move the target date was refused"
        outcome = (
            f"A chair refused the request to move the target date of {action.ref} to {asked}. "
            f"The target date stays {kept}."
        )
    lines = [f"{action.ref}: {action.title}", outcome]
    if note:
        lines.append(f"The chair's note: {note}")
    notify.tell(
        notify.Notice(
            key=f"target_date|{request.id}",
            kind=f"target_date_{'approved' if approve else 'refused'}",
            subject=subject,
            lines=tuple(lines),
            link=f"/actions/{action.ref}",
        ),
        [request.requested_by_id, action.lead_user_id],
        now=now,
    )


def supersede_action(
    ref: str,
    replacement_ref: str,
    *,
    reason: str,
    expected_version: int,
    actor: Actor,
    now: datetime,
    today: date,
    cycle_start: date,
    remote_addr: str = "",
) -> int:
    """A chair marks an action superseded, naming the open action that replaces it: the same
    update (and rules, and version check) as the update form, whoever leads the action."""
    from tracker.services.plan.updates import load_contexts, record_update

    contexts = load_contexts(refs=[ref])
    if not contexts:
        raise NotFound(f"No action {ref}")
    ctx = next(iter(contexts.values()))
    replacement_ref = replacement_ref.strip().upper()
    proposal = Proposal(
        summary=f"Superseded by {replacement_ref}." if replacement_ref else "Superseded.",
        lifecycle=Lifecycle.SUPERSEDED,
        rag=None,
        impact=ctx.current.impact,
        reason=reason,
        superseded_by=replacement_ref,
    )
    return record_update(
        ref,
        proposal,
        expected_version=expected_version,
        actor=actor,
        now=now,
        today=today,
        cycle_start=cycle_start,
        remote_addr=remote_addr,
        authorise=lambda who, _ctx: can(who, Permission.SIGN_OFF),
        event="action_superseded",
    )
