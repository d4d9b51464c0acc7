"""The fortnightly locality return: drafts that survive sign-out, and an all-or-nothing submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.domain.calendar import LONDON
from tracker.domain.cycles import cycle_number_for
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import Action, Locality, LocalityReturn, Plan, ReturnDraft, UpdateCycle, User
from tracker.services import queries
from tracker.services.audit import add_event
from tracker.services.errors import NotFound
from tracker.services.updates import (
    FREE_TEXT,
    ActionContext,
    Conflict,
    Forbidden,
    append_update,
    changes_since,
    load_contexts,
    validate,
)

ENTRY_FIELDS = ("summary", "lifecycle", "rag", "impact", "reason", "evidence", "confirm_unchanged")


@dataclass
class Entry:
    """What the person typed for one action, as plain values."""

    ref: str
    version: int
    summary: str = ""
    lifecycle: str = ""
    rag: str = ""
    impact: str = ""
    reason: str = ""
    evidence: str = ""
    confirm_unchanged: bool = False

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ENTRY_FIELDS}

    def bad_choices(self) -> dict[str, str]:
        """Values that are not in their lists, each against its own field."""
        checks = (("lifecycle", Lifecycle), ("impact", Impact), ("rag", Rag))
        errors = {}
        for name, kind in checks:
            value = getattr(self, name)
            if (value or name != "rag") and value not in {k.value for k in kind}:
                errors[name] = f"Choose a {name if name != 'rag' else 'RAG rating'} from the list"
        return errors

    def proposal(self) -> Proposal:
        return Proposal(
            summary=self.summary,
            lifecycle=Lifecycle(self.lifecycle),
            rag=Rag(self.rag) if self.rag else None,
            impact=Impact(self.impact),
            reason=self.reason,
            evidence=self.evidence,
            confirm_unchanged=self.confirm_unchanged,
        )


@dataclass
class ReturnLine:
    """One open action on the return form."""

    ref: str
    title: str
    recommendation: str
    target_date: date | None
    overdue: bool
    version: int
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    last_summary: str
    last_updated: datetime
    updated_this_cycle: bool
    entry: Entry


@dataclass
class ReturnView:
    locality_code: str
    locality_name: str
    cycle_number: int
    opens_on: date
    due_on: date
    due_at: datetime
    status: str  # not_started | draft | submitted
    late: bool
    overdue: bool
    draft_saved_at: datetime | None
    draft_saved_by: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    lines: list[ReturnLine] = field(default_factory=list)

    @property
    def api_status(self) -> str:
        return "late" if self.status == "submitted" and self.late else self.status


class ReturnRejected(Exception):
    """Some entries break the rules: ref -> {field: message}. Nothing was written."""

    def __init__(self, errors: dict[str, dict[str, str]]):
        super().__init__(f"{len(errors)} action(s) need attention")
        self.errors = errors


class ReturnConflict(Exception):
    """Some actions changed since the form was drawn: ref -> changes. Nothing was written."""

    def __init__(self, conflicts: dict[str, Conflict]):
        super().__init__(", ".join(conflicts))
        self.conflicts = conflicts


def _cycle(number: int) -> UpdateCycle:
    cycle = db.session.execute(
        select(UpdateCycle).where(UpdateCycle.number == number)
    ).scalar_one_or_none()
    if cycle is None:
        raise NotFound(f"No cycle {number}")
    return cycle


def _locality(code: str) -> Locality:
    return queries.get_locality(code)


def current_cycle_number(today: date, cycle_start: date) -> int | None:
    return cycle_number_for(cycle_start, today)


def may_submit(actor: Actor, locality_code: str) -> bool:
    return can(actor, Permission.SUBMIT_RETURN, Target(locality=locality_code))


def get_return(
    locality_code: str,
    cycle_number: int,
    *,
    today: date,
    now: datetime,
    as_drawn: dict[str, Entry] | None = None,
) -> ReturnView:
    """The return for one locality and cycle: every open action with last cycle's state, and
    whatever draft was saved. A fixed number of queries whatever the number of actions."""
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    record = db.session.execute(
        select(LocalityReturn).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).scalar_one_or_none()
    names = _names([record.draft_saved_by_id, record.submitted_by_id] if record else [])
    drafts: dict[int, ReturnDraft] = {}
    if record is not None:
        drafts = {
            d.action_id: d
            for d in db.session.execute(
                select(ReturnDraft).where(ReturnDraft.locality_return_id == record.id)
            ).scalars()
        }
    rows, _ = queries.list_actions(today=today, plan=locality_code)
    view = ReturnView(
        locality_code=locality.code,
        locality_name=locality.name,
        cycle_number=cycle.number,
        opens_on=cycle.opens_on,
        due_on=cycle.due_on,
        due_at=cycle.due_at,
        status=record.status if record else "not_started",
        late=bool(record and record.late),
        overdue=(record is None or record.status != "submitted") and now > cycle.due_at,
        draft_saved_at=record.draft_saved_at if record else None,
        draft_saved_by=names.get(record.draft_saved_by_id) if record else None,
        submitted_at=record.submitted_at if record else None,
        submitted_by=names.get(record.submitted_by_id) if record else None,
    )
    updated = _updated_in(rows, cycle.id)
    for r in rows:
        if r.lifecycle in CLOSED:
            continue
        draft = drafts.get(r.id)
        if as_drawn and r.ref in as_drawn:
            entry = as_drawn[r.ref]
        elif draft is not None and (record is None or record.status != "submitted"):
            entry = Entry(ref=r.ref, version=draft.base_version, **draft.fields)
        else:
            entry = Entry(
                ref=r.ref,
                version=r.version,
                lifecycle=r.lifecycle.value,
                rag=r.rag.value if r.rag else "",
                impact=r.impact.value,
            )
        view.lines.append(
            ReturnLine(
                ref=r.ref,
                title=r.title,
                recommendation=r.recommendation,
                target_date=r.target_date,
                overdue=r.overdue,
                version=r.version,
                lifecycle=r.lifecycle,
                rag=r.rag,
                impact=r.impact,
                last_summary=r.summary,
                last_updated=r.updated_at,
                updated_this_cycle=r.id in updated,
                entry=entry,
            )
        )
    return view


def _updated_in(rows: list[queries.ActionRow], cycle_id: int) -> set[int]:
    """The actions with any update recorded in this cycle: one query."""
    from tracker.models import ActionUpdate

    if not rows:
        return set()
    return set(
        db.session.execute(
            select(ActionUpdate.action_id)
            .where(
                ActionUpdate.action_id.in_([r.id for r in rows]), ActionUpdate.cycle_id == cycle_id
            )
            .distinct()
        ).scalars()
    )


def _names(ids: list[int | None]) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _record(locality: Locality, cycle: UpdateCycle) -> LocalityReturn:
    record = db.session.execute(
        select(LocalityReturn).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).scalar_one_or_none()
    if record is None:
        record = LocalityReturn(
            locality_id=locality.id, cycle_id=cycle.id, status="draft", late=False
        )
        db.session.add(record)
        db.session.flush()
    return record


ALREADY_SUBMITTED = {"": {"return": "This return has already been submitted"}}


def _is_submitted(locality: Locality, cycle: UpdateCycle) -> bool:
    status = db.session.execute(
        select(LocalityReturn.status).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).scalar_one_or_none()
    return status == "submitted"


def _open_contexts(locality: Locality) -> dict[str, ActionContext]:
    ids = (
        db.session.execute(
            select(Action.id)
            .join(Plan, Plan.id == Action.plan_id)
            .where(Plan.locality_id == locality.id)
        )
        .scalars()
        .all()
    )
    contexts = load_contexts(action_ids=list(ids))
    return {c.action.ref: c for c in contexts.values() if c.current.lifecycle not in CLOSED}


def save_draft(
    locality_code: str,
    cycle_number: int,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> None:
    """Keep what was typed, whatever state it is in, until the return is submitted; but never
    text that looks like child-level data (the guard holds it back before anything is saved)."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    held_back: dict[str, dict[str, str]] = {}
    for entry in entries:
        for name in FREE_TEXT:
            message = personal_data_message(getattr(entry, name))
            if message:
                held_back.setdefault(entry.ref, {})[name] = message
    if held_back:
        raise ReturnRejected(held_back)
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    try:
        _write_draft(locality, cycle, entries, actor=actor, now=now, remote_addr=remote_addr)
    except IntegrityError:
        # A simultaneous first save (a double click) created the same rows: save over them.
        db.session.rollback()
        _write_draft(locality, cycle, entries, actor=actor, now=now, remote_addr=remote_addr)


def _write_draft(
    locality: Locality,
    cycle: UpdateCycle,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str,
) -> None:
    record = _record(locality, cycle)
    if record.status == "submitted":
        raise ReturnRejected(ALREADY_SUBMITTED)
    contexts = _open_contexts(locality)
    existing = {
        d.action_id: d
        for d in db.session.execute(
            select(ReturnDraft).where(ReturnDraft.locality_return_id == record.id)
        ).scalars()
    }
    for entry in entries:
        ctx = contexts.get(entry.ref)
        if ctx is None:
            continue
        draft = existing.get(ctx.action.id)
        if draft is None:
            draft = ReturnDraft(
                locality_return_id=record.id,
                action_id=ctx.action.id,
                base_version=entry.version,
                fields={},
                saved_at=now,
            )
            db.session.add(draft)
        draft.base_version = entry.version
        draft.fields = entry.fields()
        draft.saved_at = now
    record.draft_saved_at = now
    record.draft_saved_by_id = actor.user_id
    add_event(
        "return_draft_saved",
        now=now,
        user_id=actor.user_id,
        target=f"{locality.code} cycle {cycle.number}",
        detail={"entries": len(entries)},
        remote_addr=remote_addr,
    )
    db.session.commit()


def submit_return(
    locality_code: str,
    cycle_number: int,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> int:
    """All or nothing: every open action gets a valid, current update, or nothing is written.
    Returns the number of updates written."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    if now.astimezone(LONDON).date() < cycle.opens_on:
        raise ReturnRejected({"": {"return": f"Cycle {cycle_number} has not opened yet"}})
    # Before the version checks: a resent form must not look like someone else's change.
    if _is_submitted(locality, cycle):
        raise ReturnRejected(ALREADY_SUBMITTED)
    contexts = _open_contexts(locality)
    by_ref = {e.ref: e for e in entries}
    errors: dict[str, dict[str, str]] = {}
    conflicts: dict[str, Conflict] = {}
    for ref, ctx in contexts.items():
        entry = by_ref.get(ref)
        if entry is None:
            errors[ref] = {"summary": "Enter a progress summary"}
            continue
        if ctx.action.version != entry.version:
            conflicts[ref] = Conflict(
                ref, entry.version, ctx.action.version, changes_since(ctx.action.id, entry.version)
            )
            continue
        bad_choices = entry.bad_choices()
        if bad_choices:
            errors[ref] = bad_choices
            continue
        entry_errors = validate(ctx, entry.proposal(), actor)
        if entry_errors:
            errors[ref] = entry_errors
    if conflicts:
        raise ReturnConflict(conflicts)
    if errors:
        raise ReturnRejected(errors)
    try:
        record = _record(locality, cycle)
        if record.status == "submitted":
            raise ReturnRejected(ALREADY_SUBMITTED)
        for ref, ctx in contexts.items():
            entry = by_ref[ref]
            append_update(
                ctx,
                entry.proposal(),
                expected_version=entry.version,
                actor=actor,
                now=now,
                cycle_id=cycle.id,
            )
        record.status = "submitted"
        record.submitted_at = now
        record.submitted_by_id = actor.user_id
        record.late = now > cycle.due_at
        add_event(
            "return_submitted",
            now=now,
            user_id=actor.user_id,
            target=f"{locality_code} cycle {cycle_number}",
            detail={"updates": len(contexts), "late": record.late},
            remote_addr=remote_addr,
        )
        db.session.commit()
    except (Conflict, IntegrityError) as exc:
        # Another writer took one of these versions, or made or submitted this return, at the
        # same time (a double click sends the form twice). Nothing of this submission is kept.
        db.session.rollback()
        if _is_submitted(locality, cycle):
            raise ReturnRejected(ALREADY_SUBMITTED) from None
        if isinstance(exc, Conflict):
            exc.changes = changes_since(contexts[exc.ref].action.id, exc.expected_version)
            raise ReturnConflict({exc.ref: exc}) from None
        raise ReturnConflict({}) from None
    return len(contexts)


def list_cycles() -> list[UpdateCycle]:
    return list(db.session.execute(select(UpdateCycle).order_by(UpdateCycle.number)).scalars())


@dataclass
class ReturnStatus:
    locality_code: str
    locality_name: str
    cycle_number: int
    due_at: datetime
    status: str  # not_started | draft | submitted
    late: bool
    overdue: bool
    submitted_at: datetime | None


def list_return_statuses(*, today: date, now: datetime, upto: int) -> list[list[ReturnStatus]]:
    """Every locality's return for every cycle up to `upto`, newest cycle first: two queries."""
    localities = list(db.session.execute(select(Locality).order_by(Locality.id)).scalars())
    cycles = list(
        db.session.execute(
            select(UpdateCycle)
            .where(UpdateCycle.number <= upto)
            .order_by(UpdateCycle.number.desc())
        ).scalars()
    )
    records = {
        (r.locality_id, r.cycle_id): r for r in db.session.execute(select(LocalityReturn)).scalars()
    }
    grid = []
    for cycle in cycles:
        row = []
        for loc in localities:
            r = records.get((loc.id, cycle.id))
            submitted = r is not None and r.status == "submitted"
            row.append(
                ReturnStatus(
                    locality_code=loc.code,
                    locality_name=loc.name,
                    cycle_number=cycle.number,
                    due_at=cycle.due_at,
                    status=r.status if r else "not_started",
                    late=bool(r and r.late),
                    overdue=not submitted and now > cycle.due_at,
                    submitted_at=r.submitted_at if r else None,
                )
            )
        grid.append(row)
    return grid
