"""The fortnightly locality return: drafts that survive sign-out, an all-or-nothing submit, and
amendments until the deadline. The read side (the form as drawn, the grid) is in return_reads."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from tracker.domain.areas import asked_for
from tracker.domain.calendar import LONDON
from tracker.domain.chasing import day_text
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag
from tracker.domain.updates import CurrentState, carry_forward
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Locality,
    LocalityReturn,
    Plan,
    ReturnDraft,
    UpdateCycle,
)
from tracker.services.loop.return_reads import (
    Entry,
    ReturnLine,
    ReturnStatus,
    ReturnView,
    current_cycle_number,
    find_return,
    get_cycle,
    get_return,
    list_cycles,
    list_return_statuses,
)
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import queries
from tracker.services.plan.updates import (
    FREE_TEXT,
    ActionContext,
    Conflict,
    Forbidden,
    append_update,
    changes_since,
    load_contexts,
    validate,
)
from tracker.services.platform.audit import add_event

# The read side, named here too so that callers have one module for the return.
__all__ = [
    "Entry",
    "ReturnLine",
    "ReturnStatus",
    "ReturnView",
    "current_cycle_number",
    "get_return",
    "list_cycles",
    "list_return_statuses",
    "mark_no_change",
]


class Written(int):
    """How many actions a submission updated; `on_top` names the entries whose form was drawn
    before another writer's change and were written on top of it (that change left the entry's
    own fields alone): the other writer's update stays in each action's history."""

    on_top: tuple[str, ...] = ()

    def __new__(cls, count: int, on_top: tuple[str, ...] = ()) -> Written:
        written = super().__new__(cls, count)
        written.on_top = on_top
        return written


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


def may_submit(actor: Actor, locality_code: str) -> bool:
    return can(actor, Permission.SUBMIT_RETURN, Target(locality=locality_code))


# Evidence given with entries: ref -> the item (tracker/services/plan/update_evidence.py checks it).
EvidenceByRef = dict[str, evidence_service.NewEvidence]


@dataclass
class _CheckedEvidence:
    """The entries' items that passed every check (by ref), and the refusals (ref -> field ->
    message). A refused item refuses its entry; the others are written with the return."""

    passed: dict[str, tuple[evidence_service.Subject, evidence_service.CheckedEvidence]]
    errors: dict[str, dict[str, str]]
    staged: list[evidence_service.Staged]

    def stage(self, *, actor: Actor, now: datetime, store, remote_addr: str) -> None:
        for subject, checked in self.passed.values():
            self.staged.append(
                evidence_service.stage(
                    subject, [checked], actor=actor, now=now, store=store, remote_addr=remote_addr
                )
            )

    def discard(self) -> None:
        for staged in self.staged:
            staged.discard()


def _check_evidence(
    locality: Locality,
    evidence: EvidenceByRef | None,
    *,
    actor: Actor,
    now: datetime,
    store,
    remote_addr: str,
) -> _CheckedEvidence:
    """Each entry's item through the evidence page's checks (nothing written but a refused
    file's audit event); only the locality's open actions take evidence here."""
    from tracker.services.plan.update_evidence import check_items

    result = _CheckedEvidence(passed={}, errors={}, staged=[])
    if not evidence:
        return result
    open_refs = set(_open_contexts(locality))
    today = now.astimezone(LONDON).date()
    for ref, item in evidence.items():
        if ref not in open_refs:
            continue
        try:
            subject = evidence_service.action_subject(ref)
            checked, errors = check_items(
                subject,
                [item],
                actor=actor,
                now=now,
                today=today,
                store=store,
                remote_addr=remote_addr,
            )
        except Forbidden:
            errors, checked = {"evidence_file": "You may not add evidence to this action"}, []
        if errors:
            result.errors[ref] = errors
        else:
            result.passed[ref] = (subject, checked[0])
    return result


def _record(locality: Locality, cycle: UpdateCycle) -> LocalityReturn:
    record = find_return(locality, cycle)
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


def _refuse_not_asked(locality: Locality, cycle: UpdateCycle) -> None:
    """A retired area is asked for nothing that opened on or after the day it was retired
    (issue 20.2): a form reached by its address saves and submits nothing."""
    if not asked_for(locality.retired_at, cycle.opens_on):
        raise ReturnRejected(
            {
                "": {
                    "return": f"{locality.name} was retired before cycle {cycle.number} "
                    "opened: no return is asked of it"
                }
            }
        )


def _open_form(
    locality_code: str, cycle_number: int, *, actor: Actor, now: datetime
) -> tuple[Locality, UpdateCycle]:
    """The return a write is for, once the writer may make it, its cycle has opened and the
    area is still asked for it; else Forbidden or ReturnRejected, nothing written."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = queries.get_locality(locality_code)
    cycle = get_cycle(cycle_number)
    _refuse_unopened(cycle, now)
    _refuse_not_asked(locality, cycle)
    return locality, cycle


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


def _open_contexts(locality: Locality, *, reread: bool = False) -> dict[str, ActionContext]:
    ids = (
        db.session.execute(
            select(Action.id)
            .join(Plan, Plan.id == Action.plan_id)
            .where(Plan.locality_id == locality.id)
        )
        .scalars()
        .all()
    )
    contexts = load_contexts(action_ids=list(ids), reread=reread)
    return {c.action.ref: c for c in contexts.values() if c.current.lifecycle not in CLOSED}


@dataclass
class DraftSaved:
    """Which entries were saved, and the text held back from each of the others."""

    saved: list[str]
    held_back: dict[str, dict[str, str]]
    # Evidence given with an entry that failed a check (not added): ref -> field -> message.
    evidence_refused: dict[str, dict[str, str]] = field(default_factory=dict)


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
    evidence: EvidenceByRef | None = None,
    store: evidence_service.EvidenceStore | None = None,
) -> DraftSaved:
    """Keep what was typed, whatever state it is in, until the return is submitted. Text that
    looks like child-level data is held back (never stored); everything else is saved.
    Evidence given with an entry is added to its action with the draft; an item that fails a
    check is refused with the reason (as held back), and the rest of the draft is saved."""
    locality, cycle = _open_form(locality_code, cycle_number, actor=actor, now=now)
    if _is_submitted(locality, cycle):
        raise ReturnRejected(ALREADY_SUBMITTED)
    checked = _check_evidence(
        locality, evidence, actor=actor, now=now, store=store, remote_addr=remote_addr
    )
    try:
        result = _save(locality, cycle, entries, actor=actor, now=now, remote_addr=remote_addr)
        checked.stage(actor=actor, now=now, store=store, remote_addr=remote_addr)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        checked.discard()
        raise
    result.evidence_refused = checked.errors
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
    contexts: dict[str, ActionContext],
    by_ref: dict[str, Entry],
    actor: Actor,
    *,
    amending: bool,
    carried_on_top: list[str],
) -> dict[str, ActionContext]:
    """The actions to write: every open action on a first submission, the changed ones on an
    amendment. An entry drawn at an older version than its action's is written on top when
    the changes since left its lifecycle, RAG and impact as drawn or as it sets them (and, for
    a "no change" entry with an empty box, the summary it carries forward); its ref is added to
    `carried_on_top`. Raises ReturnConflict or ReturnRejected when any entry fails."""
    errors: dict[str, dict[str, str]] = {}
    conflicts: dict[str, Conflict] = {}
    to_write: dict[str, ActionContext] = {}
    stale = {
        ref: by_ref[ref].version
        for ref, ctx in contexts.items()
        if ref in by_ref and ctx.action.version != by_ref[ref].version
    }
    drawn = _states_as_drawn({contexts[ref].action.id: v for ref, v in stale.items()})
    for ref, ctx in contexts.items():
        entry = by_ref.get(ref)
        if entry is None or (amending and not _changed(ctx, entry)):
            if not amending:
                errors[ref] = {"summary": "Enter a progress summary"}
            continue
        if ref in stale:
            shown = drawn.get(ctx.action.id)
            if shown is None or not _fits(shown, ctx, entry, actor):
                conflicts[ref] = Conflict(ref, entry.version, ctx.action.version)
                continue
            # Drawn before another writer's change that left this entry's own fields alone:
            # written on top of it (that change stays in the history), not sent back.
            entry = by_ref[ref] = replace(entry, version=ctx.action.version)
            carried_on_top.append(ref)
        bad_choices = entry.bad_choices()
        if bad_choices:
            errors[ref] = bad_choices
            continue
        entry_errors = validate(ctx, entry.proposal(), actor)
        if entry_errors.pop("superseded_by", None):
            # A return has no box to name the replacement: that is done on the action's page.
            entry_errors.setdefault(
                "lifecycle",
                "Supersede an action from its own page, naming the action that replaces it",
            )
        if entry_errors:
            errors[ref] = entry_errors
        to_write[ref] = ctx
    if conflicts:
        raise ReturnConflict(_as_now(conflicts, contexts))
    if errors:
        raise ReturnRejected(errors)
    return to_write


def _states_as_drawn(versions: dict[int, int]) -> dict[int, CurrentState]:
    """The state each action was in at the version its form was drawn at (action id -> version),
    read in one query: the newest update at or before that version."""
    if not versions:
        return {}
    rows = db.session.execute(
        select(
            ActionUpdate.action_id,
            ActionUpdate.version,
            ActionUpdate.lifecycle,
            ActionUpdate.rag,
            ActionUpdate.impact,
            ActionUpdate.summary,
        )
        .where(ActionUpdate.action_id.in_(list(versions)))
        .order_by(ActionUpdate.action_id, ActionUpdate.version)
    ).all()
    states: dict[int, CurrentState] = {}
    for action_id, version, lifecycle, rag, impact, summary in rows:
        if version <= versions[action_id]:
            states[action_id] = CurrentState(
                Lifecycle(lifecycle), Rag(rag) if rag else None, Impact(impact), summary
            )
    return states


def _as_now(conflicts: dict[str, Conflict], contexts: dict[str, ActionContext]):
    """Each conflict at the version its action is at now, as the submission is refused, with the
    changes up to it: the form sent again at that version is stale only if someone writes in
    between, not for everything written while this submission was checked."""
    ids = {ref: contexts[ref].action.id for ref in conflicts}
    now_at = dict(
        db.session.execute(
            select(Action.id, Action.version).where(Action.id.in_(list(ids.values())))
        ).all()
    )
    for ref, conflict in conflicts.items():
        conflict.current_version = now_at[ids[ref]]
        conflict.changes = [
            h
            for h in changes_since(ids[ref], conflict.expected_version)
            if h.version <= conflict.current_version
        ]
    return conflicts


def submit_return(
    locality_code: str,
    cycle_number: int,
    entries: list[Entry],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
    evidence: EvidenceByRef | None = None,
    store: evidence_service.EvidenceStore | None = None,
) -> Written:
    """All or nothing: every open action gets a valid, current update, or nothing is written.
    A reopened return is an amendment: only the changed actions are written, until its deadline.
    Evidence given with an entry is written with the return; an item that fails a check refuses
    its entry (with the reason) and so the submission. Another writer's change, made since the
    form was drawn or landing while the return is written, does not fail it: the entry is
    written on top of that change when the change left the entry's own fields alone (see
    `_fits`), else that one entry is the ReturnConflict. Returns the number of updates written,
    naming the entries written on top of a change made since their form was drawn."""
    locality, cycle = _open_form(locality_code, cycle_number, actor=actor, now=now)
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
    checked = _check_evidence(
        locality, evidence, actor=actor, now=now, store=store, remote_addr=remote_addr
    )
    contexts = _open_contexts(locality)
    by_ref = {e.ref: e for e in entries}
    carried_on_top: list[str] = []
    try:
        to_write = _check_entries(
            contexts, by_ref, actor, amending=amending, carried_on_top=carried_on_top
        )
    except ReturnRejected as exc:
        for ref, errors in checked.errors.items():
            exc.errors.setdefault(ref, {}).update(errors)
        raise
    if checked.errors:
        raise ReturnRejected(checked.errors)
    # The version each action is written on: the form's, unless another writer's change landed
    # while this submission was being written and the entry could be carried onto it.
    expected = {ref: by_ref[ref].version for ref in to_write}
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            _write_return(
                locality,
                cycle,
                to_write,
                by_ref,
                expected,
                checked,
                store=store,
                actor=actor,
                now=now,
                amending=amending,
                remote_addr=remote_addr,
            )
            return Written(len(to_write), tuple(carried_on_top))
        except (Conflict, IntegrityError) as exc:
            # Another writer took one of these versions, or made or submitted this return, at
            # the same time (a double click sends the form twice). Nothing of this try is kept.
            db.session.rollback()
            checked.discard()
            checked.staged.clear()
            if _is_submitted(locality, cycle):
                raise ReturnRejected(ALREADY_SUBMITTED) from None
            if attempt == WRITE_ATTEMPTS:
                if isinstance(exc, Conflict):
                    exc.changes = changes_since(
                        to_write[exc.ref].action.id, by_ref[exc.ref].version
                    )
                    raise ReturnConflict({exc.ref: exc}) from None
                raise ReturnConflict({}) from None
            # Hold the actions first, then read them again: on PostgreSQL nobody can write
            # between this read and the write that follows in the same transaction.
            _hold(to_write)
            try:
                to_write = _carry_onto_concurrent(locality, to_write, by_ref, expected, actor)
            except ReturnConflict:
                db.session.rollback()
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _hold(to_write: dict[str, ActionContext]) -> dict[int, int]:
    """Lock the return's actions (`SELECT ... FOR UPDATE`, in id order, so two writers never
    wait on each other crosswise) and say the version each is at: action id -> version."""
    ids = [ctx.action.id for ctx in to_write.values()]
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Action.id, Action.version)
            .where(Action.id.in_(ids))
            .order_by(Action.id)
            .with_for_update()
        ).all()
    )


# A change another writer makes while a return is being written sends the return round again,
# carried onto it; a few rounds at most, then the entry still moving is shown as a conflict.
WRITE_ATTEMPTS = 6
STATE_FIELDS = ("lifecycle", "rag", "impact")


def _write_return(
    locality: Locality,
    cycle: UpdateCycle,
    to_write: dict[str, ActionContext],
    by_ref: dict[str, Entry],
    expected: dict[str, int],
    checked: _CheckedEvidence,
    *,
    store,
    actor: Actor,
    now: datetime,
    amending: bool,
    remote_addr: str,
) -> None:
    """One try at writing the whole return, committed once; raises Conflict (nothing kept) when
    an action is no longer at the version it is written on."""
    # Hold every action of the return, in a fixed order, and check none moved since the read:
    # on PostgreSQL no writer can then slip in between this check and the updates below.
    ids = {ctx.action.id: ref for ref, ctx in to_write.items()}
    held = _hold(to_write)
    for action_id, ref in ids.items():
        if held.get(action_id) != expected[ref]:
            raise Conflict(ref, expected[ref], held.get(action_id, expected[ref]))
    record = _record(locality, cycle)
    if record.status == "submitted" and record.reopened_at is None:
        raise ReturnRejected(ALREADY_SUBMITTED)
    for ref, ctx in to_write.items():
        append_update(
            ctx,
            by_ref[ref].proposal(),
            expected_version=expected[ref],
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
        db.session.execute(delete(ReturnDraft).where(ReturnDraft.locality_return_id == record.id))
    else:
        record.status = "submitted"
        record.submitted_at = now
        record.submitted_by_id = actor.user_id
        record.late = now > cycle.due_at
    checked.stage(actor=actor, now=now, store=store, remote_addr=remote_addr)
    add_event(
        "return_amended" if amending else "return_submitted",
        now=now,
        user_id=actor.user_id,
        target=f"{locality.code} cycle {cycle.number}",
        detail={"updates": len(to_write), "late": record.late},
        remote_addr=remote_addr,
    )
    db.session.commit()


def _carry_onto_concurrent(
    locality: Locality,
    to_write: dict[str, ActionContext],
    by_ref: dict[str, Entry],
    expected: dict[str, int],
    actor: Actor,
) -> dict[str, ActionContext]:
    """Read the return's actions again after another writer's change landed mid-submission. An
    entry whose action moved is carried onto the new version when that change left the entry's
    own fields alone: its lifecycle, RAG and impact are as this submission read them or as the
    entry sets them (and a "no change" entry with no summary still carries forward the summary
    it was shown). Otherwise, or when the entry no longer passes the rules on the new state,
    that one entry is a ReturnConflict; nothing is written, and the web keeps what was typed."""
    fresh = _open_contexts(locality, reread=True)
    conflicts: dict[str, Conflict] = {}
    carried: dict[str, ActionContext] = {}
    for ref, was in to_write.items():
        ctx = fresh.get(ref)
        entry = by_ref[ref]
        if ctx is not None and ctx.action.version == expected[ref]:
            carried[ref] = ctx
            continue
        if ctx is not None and _fits(was.current, ctx, entry, actor):
            expected[ref] = ctx.action.version
            carried[ref] = ctx
            continue
        action_id = was.action.id
        current = db.session.execute(
            select(Action.version).where(Action.id == action_id)
        ).scalar_one()
        conflicts[ref] = Conflict(
            ref, entry.version, current, changes_since(action_id, entry.version)
        )
    if conflicts:
        raise ReturnConflict(conflicts)
    return carried


def _fits(read: CurrentState, ctx: ActionContext, entry: Entry, actor: Actor) -> bool:
    theirs = ctx.current
    mine = carry_forward(read, entry.proposal())
    for name in STATE_FIELDS:
        if getattr(theirs, name) != getattr(read, name) and getattr(mine, name) != getattr(
            theirs, name
        ):
            return False
    carries_summary = entry.confirm_unchanged and not entry.summary.strip()
    if carries_summary and theirs.summary.strip() != read.summary.strip():
        return False
    return not validate(ctx, entry.proposal(), actor)


def reopen_return(
    locality_code: str, cycle_number: int, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> None:
    """A submitted return may be reopened for amendment by its locality until its deadline."""
    if not may_submit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = queries.get_locality(locality_code)
    cycle = get_cycle(cycle_number)
    record = find_return(locality, cycle)
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


NOTHING_TO_MARK_REOPENED = {
    "": {
        "return": "This return is reopened for amendment: every action you do not change is "
        "kept as it stands already, so there is nothing to mark"
    }
}


def mark_no_change(
    locality_code: str,
    cycle_number: int,
    shown: dict[str, int],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> list[str]:
    """ "No change this cycle" in the draft for every action listed on the confirmation page
    (ref -> the version shown there) whose entry nobody has touched: the last summary, RAG,
    lifecycle and impact are kept as the entry, nothing retyped. An entry typed, ticked or
    changed in any way is never overwritten. Returns the refs marked: none when every listed
    entry is touched already (the confirmation sent twice), and then nothing is written."""
    locality, cycle = _open_form(locality_code, cycle_number, actor=actor, now=now)
    try:
        try:
            marked = _mark(locality, cycle, shown, actor=actor, now=now, remote_addr=remote_addr)
        except IntegrityError:
            # A simultaneous first save made the return's row: mark against it.
            db.session.rollback()
            marked = _mark(locality, cycle, shown, actor=actor, now=now, remote_addr=remote_addr)
    except ReturnRejected:
        db.session.rollback()
        raise
    if not marked:
        db.session.rollback()  # not even the return's row or its "draft saved" time
        return []
    db.session.commit()
    return marked


def _refuse_sent(state: tuple[str, bool] | None) -> None:
    if _sent(state):
        raise ReturnRejected(ALREADY_SUBMITTED)
    if state is not None and state[1]:
        raise ReturnRejected(NOTHING_TO_MARK_REOPENED)


def _mark(
    locality: Locality,
    cycle: UpdateCycle,
    shown: dict[str, int],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str,
) -> list[str]:
    _refuse_sent(_record_state(locality, cycle))
    record = _record(locality, cycle)
    # Hold the return's row before reading its entries: a confirmation sent twice at once waits
    # here for the first, then finds every entry it lists touched, and marks nothing.
    db.session.execute(
        update(LocalityReturn)
        .where(LocalityReturn.id == record.id)
        .values(draft_saved_at=now, draft_saved_by_id=actor.user_id)
    )
    _refuse_sent(_record_state(locality, cycle))  # submitted while this was on screen
    contexts = _open_contexts(locality)
    existing = {
        d.action_id: d
        for d in db.session.execute(
            select(ReturnDraft)
            .where(ReturnDraft.locality_return_id == record.id)
            .execution_options(populate_existing=True)
        ).scalars()
    }
    marked = []
    for ref, version in shown.items():
        ctx = contexts.get(ref)
        if ctx is None:
            continue  # closed since, or not this locality's
        current = ctx.current
        draft = existing.get(ctx.action.id)
        if draft is not None:
            entry = Entry(ref=ref, version=draft.base_version, **draft.fields)
            if entry.touched(current.lifecycle, current.rag, current.impact):
                continue
        fields = Entry(
            ref=ref,
            version=version,
            lifecycle=current.lifecycle.value,
            rag=current.rag.value if current.rag else "",
            impact=current.impact.value,
            confirm_unchanged=True,
        ).fields()
        if draft is None:
            draft = ReturnDraft(
                locality_return_id=record.id, action_id=ctx.action.id, fields={}, saved_at=now
            )
            db.session.add(draft)
        # The version shown on the confirmation: a change made since is shown at submission.
        draft.base_version = version
        draft.fields = fields
        draft.saved_at = now
        marked.append(ref)
    if marked:
        add_event(
            "return_no_change_marked",
            now=now,
            user_id=actor.user_id,
            target=f"{locality.code} cycle {cycle.number}",
            detail={"actions": len(marked), "refs": ", ".join(marked)},
            remote_addr=remote_addr,
        )
        db.session.flush()
    return marked
