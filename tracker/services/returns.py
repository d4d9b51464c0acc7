"""The fortnightly locality return: drafts that survive sign-out, and an all-or-nothing submit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tracker.domain.calendar import LONDON
from tracker.domain.chasing import day_text
from tracker.domain.cycles import cycle_number_for
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal, carry_forward
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
    opened: bool = True  # a cycle that has not opened yet is shown, never filled in
    reopened_at: datetime | None = None
    reopened_by: str | None = None
    amended_at: datetime | None = None
    amended_by: str | None = None
    lines: list[ReturnLine] = field(default_factory=list)

    @property
    def api_status(self) -> str:
        return "late" if self.status == "submitted" and self.late else self.status

    @property
    def reopened(self) -> bool:
        return self.status == "submitted" and self.reopened_at is not None

    @property
    def editable(self) -> bool:
        """The form is drawn: the cycle has opened and the return is not (or no longer) sent."""
        return self.opened and (self.status != "submitted" or self.reopened)

    def may_reopen(self, now: datetime) -> bool:
        """A submitted return may be reopened for amendment until its deadline."""
        return self.status == "submitted" and not self.reopened and now <= self.due_at


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


MAX_CYCLE = 2**31 - 1  # a cycle number is an INTEGER column: larger ones cannot exist


def _cycle(number: int) -> UpdateCycle:
    if not 1 <= number <= MAX_CYCLE:
        # PostgreSQL refuses an out-of-range integer outright: it is simply not a cycle.
        raise NotFound(f"No cycle {number}")
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
    names = _names(
        [
            record.draft_saved_by_id,
            record.submitted_by_id,
            record.reopened_by_id,
            record.amended_by_id,
        ]
        if record
        else []
    )
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
        opened=today >= cycle.opens_on,
        reopened_at=record.reopened_at if record else None,
        reopened_by=names.get(record.reopened_by_id) if record else None,
        amended_at=record.amended_at if record else None,
        amended_by=names.get(record.amended_by_id) if record else None,
    )
    updated = _updated_in(rows, cycle.id)
    for r in rows:
        if r.lifecycle in CLOSED:
            continue
        draft = drafts.get(r.id)
        if as_drawn and r.ref in as_drawn:
            entry = as_drawn[r.ref]
        elif draft is not None and view.editable:
            entry = Entry(ref=r.ref, version=draft.base_version, **draft.fields)
        else:
            # Reopened for amendment: the box is empty and "no change" is the easy path.
            entry = Entry(
                ref=r.ref,
                version=r.version,
                lifecycle=r.lifecycle.value,
                rag=r.rag.value if r.rag else "",
                impact=r.impact.value,
                confirm_unchanged=view.reopened,
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
NOTHING_TO_SAVE = {"": {"return": "There is nothing to save: no action of this return was sent"}}
NOT_SUBMITTED = {
    "": {"return": "This return has not been submitted yet, so there is nothing to reopen"}
}


def _due_text(cycle: UpdateCycle) -> str:
    due = cycle.due_at.astimezone(LONDON)
    return f"{due:%H:%M} on {day_text(due.date())}"


def _refuse_unopened(cycle: UpdateCycle, now: datetime) -> None:
    """A cycle that has not opened is not a form: nothing is saved or submitted for it."""
    if now.astimezone(LONDON).date() < cycle.opens_on:
        raise ReturnRejected(
            {
                "": {
                    "return": f"Cycle {cycle.number} opens on {day_text(cycle.opens_on)}: "
                    "its return cannot be filled in before then"
                }
            }
        )


def _past_deadline(cycle: UpdateCycle, *, kept: bool) -> ReturnRejected:
    message = (
        f"The deadline for this return passed at {_due_text(cycle)}, so it can no longer be "
        "amended here. "
    )
    if kept:
        message += "Nothing was submitted: your changes are kept as a draft. "
    message += "To correct an action now, update it from its own page."
    return ReturnRejected({"": {"return": message}})


def _record_state(locality: Locality, cycle: UpdateCycle) -> tuple[str, bool] | None:
    """(status, reopened) of the return, or None before anything was saved."""
    row = db.session.execute(
        select(LocalityReturn.status, LocalityReturn.reopened_at).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1] is not None)


def _sent(state: tuple[str, bool] | None) -> bool:
    """Submitted and not reopened: nothing more may be saved or submitted."""
    return state is not None and state[0] == "submitted" and not state[1]


def _is_submitted(locality: Locality, cycle: UpdateCycle) -> bool:
    return _sent(_record_state(locality, cycle))


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


@dataclass
class DraftSaved:
    """Which entries were saved, and the text held back from each of the others."""

    saved: list[str]
    held_back: dict[str, dict[str, str]]


def _personal_data(entries: list[Entry]) -> dict[str, dict[str, str]]:
    held_back: dict[str, dict[str, str]] = {}
    for entry in entries:
        for name in FREE_TEXT:
            message = personal_data_message(getattr(entry, name))
            if message:
                held_back.setdefault(entry.ref, {})[name] = message
    return held_back


def save_draft(
    locality_code: str,
    cycle_number: int,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> DraftSaved:
    """Keep what was typed, whatever state it is in, until the return is submitted. Text that
    looks like child-level data is held back (never stored); everything else is saved."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    _refuse_unopened(cycle, now)
    if _is_submitted(locality, cycle):
        raise ReturnRejected(ALREADY_SUBMITTED)
    result = _save(locality, cycle, entries, actor=actor, now=now, remote_addr=remote_addr)
    db.session.commit()
    return result


def _save(
    locality: Locality,
    cycle: UpdateCycle,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str,
) -> DraftSaved:
    """Write the draft (without committing); a simultaneous first save is saved over."""
    held_back = _personal_data(entries)
    kept = [replace(e, **dict.fromkeys(held_back.get(e.ref, {}), "")) for e in entries]
    try:
        saved = _write_draft(locality, cycle, kept, actor=actor, now=now, remote_addr=remote_addr)
    except IntegrityError:
        # A simultaneous first save (a double click) created the same rows: save over them.
        db.session.rollback()
        saved = _write_draft(locality, cycle, kept, actor=actor, now=now, remote_addr=remote_addr)
    return DraftSaved(saved=saved, held_back=held_back)


def _write_draft(
    locality: Locality,
    cycle: UpdateCycle,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str,
) -> list[str]:
    contexts = _open_contexts(locality)
    entries = [e for e in entries if e.ref in contexts]
    if not entries:
        raise ReturnRejected(NOTHING_TO_SAVE)
    record = _record(locality, cycle)
    if record.status == "submitted" and record.reopened_at is None:
        raise ReturnRejected(ALREADY_SUBMITTED)
    existing = {
        d.action_id: d
        for d in db.session.execute(
            select(ReturnDraft).where(ReturnDraft.locality_return_id == record.id)
        ).scalars()
    }
    for entry in entries:
        ctx = contexts[entry.ref]
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
    db.session.flush()
    return [e.ref for e in entries]


def _changed(ctx: ActionContext, entry: Entry) -> bool:
    """An amendment only records the actions whose entry differs from their current state."""
    if entry.bad_choices():
        return True  # reported against its field, never silently dropped
    proposal = carry_forward(ctx.current, entry.proposal())
    current = ctx.current
    return (
        proposal.summary.strip() != current.summary.strip()
        or (proposal.lifecycle, proposal.rag, proposal.impact)
        != (current.lifecycle, current.rag, current.impact)
        or bool(proposal.reason.strip() or proposal.evidence.strip())
    )


def _check_entries(
    contexts: dict[str, ActionContext], by_ref: dict[str, Entry], actor: Actor, *, amending: bool
) -> dict[str, ActionContext]:
    """The actions to write: every open action on a first submission, the changed ones on an
    amendment. Raises ReturnConflict or ReturnRejected when any entry fails."""
    errors: dict[str, dict[str, str]] = {}
    conflicts: dict[str, Conflict] = {}
    to_write: dict[str, ActionContext] = {}
    for ref, ctx in contexts.items():
        entry = by_ref.get(ref)
        if entry is None or (amending and not _changed(ctx, entry)):
            if not amending:
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
        to_write[ref] = ctx
    if conflicts:
        raise ReturnConflict(conflicts)
    if errors:
        raise ReturnRejected(errors)
    return to_write


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
    A reopened return is an amendment: only the changed actions are written, until its deadline.
    Returns the number of updates written."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    _refuse_unopened(cycle, now)
    # Before the version checks: a resent form must not look like someone else's change.
    state = _record_state(locality, cycle)
    if _sent(state):
        raise ReturnRejected(ALREADY_SUBMITTED)
    amending = state is not None and state[1]
    if amending and now > cycle.due_at:
        # Too late to amend: the typing is kept as a draft, then the submit is refused.
        try:
            _save(locality, cycle, entries, actor=actor, now=now, remote_addr=remote_addr)
            db.session.commit()
        except ReturnRejected:
            db.session.rollback()  # nothing was sent to keep
        raise _past_deadline(cycle, kept=True)
    contexts = _open_contexts(locality)
    by_ref = {e.ref: e for e in entries}
    to_write = _check_entries(contexts, by_ref, actor, amending=amending)
    try:
        record = _record(locality, cycle)
        if record.status == "submitted" and record.reopened_at is None:
            raise ReturnRejected(ALREADY_SUBMITTED)
        for ref, ctx in to_write.items():
            entry = by_ref[ref]
            append_update(
                ctx,
                entry.proposal(),
                expected_version=entry.version,
                actor=actor,
                now=now,
                cycle_id=cycle.id,
            )
        if amending:
            # The first submission stands; this is recorded as an amendment (when anything
            # changed), and the drafts of the reopened return are done with.
            record.reopened_at = None
            record.reopened_by_id = None
            if to_write:
                record.amended_at = now
                record.amended_by_id = actor.user_id
            db.session.execute(
                delete(ReturnDraft).where(ReturnDraft.locality_return_id == record.id)
            )
        else:
            record.status = "submitted"
            record.submitted_at = now
            record.submitted_by_id = actor.user_id
            record.late = now > cycle.due_at
        add_event(
            "return_amended" if amending else "return_submitted",
            now=now,
            user_id=actor.user_id,
            target=f"{locality_code} cycle {cycle_number}",
            detail={"updates": len(to_write), "late": record.late},
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
    return len(to_write)


def reopen_return(
    locality_code: str, cycle_number: int, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> None:
    """A submitted return may be reopened for amendment by its locality until its deadline."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = _locality(locality_code)
    cycle = _cycle(cycle_number)
    record = db.session.execute(
        select(LocalityReturn).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).scalar_one_or_none()
    if record is None or record.status != "submitted":
        raise ReturnRejected(NOT_SUBMITTED)
    if record.reopened_at is not None:
        return  # already open for amendment (a double click)
    if now > cycle.due_at:
        raise _past_deadline(cycle, kept=False)
    record.reopened_at = now
    record.reopened_by_id = actor.user_id
    # Drafts typed before the first submission are stale: the form starts from the plan as it is.
    db.session.execute(delete(ReturnDraft).where(ReturnDraft.locality_return_id == record.id))
    add_event(
        "return_reopened",
        now=now,
        user_id=actor.user_id,
        target=f"{locality_code} cycle {cycle_number}",
        detail={},
        remote_addr=remote_addr,
    )
    db.session.commit()


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
    amended_at: datetime | None = None
    amended_by: str | None = None
    reopened: bool = False


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
        (r.locality_id, r.cycle_id): (r, amended_by)
        for r, amended_by in db.session.execute(
            select(LocalityReturn, User.name).outerjoin(
                User, User.id == LocalityReturn.amended_by_id
            )
        ).all()
    }
    grid = []
    for cycle in cycles:
        row = []
        for loc in localities:
            r, amended_by = records.get((loc.id, cycle.id), (None, None))
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
                    amended_at=r.amended_at if r else None,
                    amended_by=amended_by,
                    reopened=bool(r and r.reopened_at),
                )
            )
        grid.append(row)
    return grid
