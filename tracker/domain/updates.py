"""Rules for a change to an action: lifecycle transitions, RAG while open, reasons, evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag

# The longest summary, reason or evidence a person may write, in a form or through the API.
TEXT_LIMIT = 4000

# Lifecycle moves a person may make. Closing with evidence is a chair's sign-off, and
# superseding removes an action from the plan: both need `can_sign_off`.
TRANSITIONS: dict[Lifecycle, frozenset[Lifecycle]] = {
    Lifecycle.NOT_STARTED: frozenset(
        {
            Lifecycle.NOT_STARTED,
            Lifecycle.IN_PROGRESS,
            Lifecycle.COMPLETE_AWAITING_SIGNOFF,
            Lifecycle.SUPERSEDED,
        }
    ),
    Lifecycle.IN_PROGRESS: frozenset(
        {Lifecycle.IN_PROGRESS, Lifecycle.COMPLETE_AWAITING_SIGNOFF, Lifecycle.SUPERSEDED}
    ),
    Lifecycle.COMPLETE_AWAITING_SIGNOFF: frozenset(
        {
            Lifecycle.COMPLETE_AWAITING_SIGNOFF,
            Lifecycle.IN_PROGRESS,
            Lifecycle.CLOSED_EVIDENCED,
            Lifecycle.SUPERSEDED,
        }
    ),
    Lifecycle.CLOSED_EVIDENCED: frozenset(),
    Lifecycle.SUPERSEDED: frozenset(),
}
SIGN_OFF_ONLY = frozenset({Lifecycle.CLOSED_EVIDENCED, Lifecycle.SUPERSEDED})


@dataclass(frozen=True)
class CurrentState:
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    summary: str


@dataclass(frozen=True)
class Proposal:
    summary: str
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    reason: str = ""
    evidence: str = ""
    confirm_unchanged: bool = False
    override_prerequisites: bool = False
    # The ref of the action that replaces this one: named whenever an action is superseded.
    superseded_by: str = ""


def carry_forward(current: CurrentState, proposal: Proposal) -> Proposal:
    """ "No change this cycle" ticked with nothing typed keeps the last summary; a summary
    typed in the box wins over the tick."""
    if proposal.confirm_unchanged and not proposal.summary.strip():
        return replace(proposal, summary=current.summary)
    return proposal


def is_no_change(current: CurrentState, proposal: Proposal) -> bool:
    """The update carries the last summary forward, confirmed as no change this cycle."""
    summary = carry_forward(current, proposal).summary.strip()
    return proposal.confirm_unchanged and summary == current.summary.strip()


def check_update(
    current: CurrentState,
    proposal: Proposal,
    *,
    can_sign_off: bool,
    open_prerequisites: Sequence[str] = (),
    evidence_items: int | None = None,
) -> dict[str, str]:
    """Every rule a change must keep: field -> message (empty when the change is allowed).
    `evidence_items` is how many evidence items the action has that are not withdrawn (None when
    not counted): closing with evidence needs at least one."""
    errors: dict[str, str] = {}
    proposal = carry_forward(current, proposal)
    summary = proposal.summary.strip()
    reason = proposal.reason.strip()
    new, old = proposal.lifecycle, current.lifecycle

    if old in CLOSED:
        errors["lifecycle"] = (
            f"This action is {old.label.lower()}; it cannot be updated. "
            "Raise a new action if more work is needed."
        )
        return errors
    if not summary:
        errors["summary"] = "Enter a progress summary"
    elif summary == current.summary.strip() and not proposal.confirm_unchanged:
        errors["summary"] = (
            "This summary is the same as the last one. Say what has happened since, "
            "or confirm there has been no change this cycle"
        )

    if new not in TRANSITIONS[old]:
        errors["lifecycle"] = f"An action cannot go from {old.label.lower()} to {new.label.lower()}"
    elif new in SIGN_OFF_ONLY and new is not old and not can_sign_off:
        errors["lifecycle"] = (
            "Only a chair can close an action with evidence or mark it superseded. "
            "Mark it complete, awaiting sign-off instead"
            if new is Lifecycle.CLOSED_EVIDENCED
            else "Only a chair can mark an action superseded"
        )

    superseding = new is Lifecycle.SUPERSEDED and old is not Lifecycle.SUPERSEDED
    if superseding and "lifecycle" not in errors and not proposal.superseded_by.strip():
        errors["superseded_by"] = "Name the action that replaces this one, for example AP-012"

    if new in CLOSED:
        if proposal.rag is not None:
            errors["rag"] = "A closed action has no RAG rating: leave RAG empty"
    elif proposal.rag is None:
        errors["rag"] = "Choose a RAG rating: red, amber or green"

    changed = new is not old or proposal.rag != current.rag
    if changed and not reason:
        errors["reason"] = "Give a reason for changing the RAG rating or lifecycle"

    if (
        new is Lifecycle.COMPLETE_AWAITING_SIGNOFF
        and old is not Lifecycle.COMPLETE_AWAITING_SIGNOFF
        and not proposal.evidence.strip()
    ):
        errors["evidence"] = "Describe the evidence that the action is complete"

    closing = new is Lifecycle.CLOSED_EVIDENCED and old is not Lifecycle.CLOSED_EVIDENCED
    if closing and evidence_items == 0 and "lifecycle" not in errors:
        errors["lifecycle"] = (
            "This action has no evidence: add at least one evidence item (a file or a link) "
            "to the action before closing it with evidence"
        )

    overridden = proposal.override_prerequisites and can_sign_off and reason
    if new is Lifecycle.CLOSED_EVIDENCED and open_prerequisites and not overridden:
        names = ", ".join(open_prerequisites)
        errors["lifecycle"] = (
            f"This action cannot close while it depends on actions that are not closed: "
            f"{names}. A chair can override this with a recorded reason"
        )
    return errors
