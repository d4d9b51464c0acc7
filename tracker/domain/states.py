"""The three separate states of an action: lifecycle, delivery confidence (RAG) and impact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Lifecycle(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE_AWAITING_SIGNOFF = "complete_awaiting_signoff"
    CLOSED_EVIDENCED = "closed_evidenced"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return LIFECYCLE_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in CLOSED


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return RAG_LABELS[self]


class Impact(StrEnum):
    NOT_YET_EVIDENCED = "not_yet_evidenced"
    EMERGING = "emerging"
    EVIDENCED = "evidenced"

    @property
    def label(self) -> str:
        return IMPACT_LABELS[self]


class Cause(StrEnum):
    PERSON = "person"
    IMPORT = "import"
    SCHEDULER = "scheduler"


class LeadBody(StrEnum):
    TRUST = "trust"
    COUNCIL = "council"
    JOINT = "joint"
    SAFEGUARDING_BOARD = "safeguarding_board"

    @property
    def label(self) -> str:
        return {
            "trust": "Trust",
            "council": "Council",
            "joint": "Joint",
            "safeguarding_board": "Safeguarding board",
        }[self.value]


CLOSED = frozenset({Lifecycle.CLOSED_EVIDENCED, Lifecycle.SUPERSEDED})
# Open work: what the lead still has to do. An action complete and awaiting sign-off is open
# (not closed) but waits on the chair, so it is never the lead's lateness.
OPEN_WORK = frozenset({Lifecycle.NOT_STARTED, Lifecycle.IN_PROGRESS})

LIFECYCLE_LABELS = {
    Lifecycle.NOT_STARTED: "Not started",
    Lifecycle.IN_PROGRESS: "In progress",
    Lifecycle.COMPLETE_AWAITING_SIGNOFF: "Complete, awaiting sign-off",
    Lifecycle.CLOSED_EVIDENCED: "Closed with evidence",
    Lifecycle.SUPERSEDED: "Superseded",
}
RAG_LABELS = {
    Rag.RED: "Red: significant risk, will miss",
    Rag.AMBER: "Amber: slipping, recoverable",
    Rag.GREEN: "Green: on track",
}
IMPACT_LABELS = {
    Impact.NOT_YET_EVIDENCED: "Not yet evidenced",
    Impact.EMERGING: "Emerging",
    Impact.EVIDENCED: "Evidenced",
}


def is_overdue(target_date: date | None, lifecycle: Lifecycle | str, today: date) -> bool:
    """Overdue is computed, never typed: open work (not started or in progress) whose target
    date has passed. Complete and awaiting sign-off is counted apart (`is_awaiting_past_target`)."""
    if target_date is None:
        return False
    return target_date < today and Lifecycle(lifecycle) in OPEN_WORK


def is_awaiting_past_target(
    target_date: date | None, lifecycle: Lifecycle | str, today: date
) -> bool:
    """Complete and awaiting sign-off, and its target date has passed: waiting work, not late
    work (the lead has finished; the sign-off has not happened)."""
    if target_date is None:
        return False
    return target_date < today and Lifecycle(lifecycle) is Lifecycle.COMPLETE_AWAITING_SIGNOFF


def days_overdue(target_date: date | None, lifecycle: Lifecycle | str, today: date) -> int:
    """How long an overdue action has been overdue, in calendar days since its target date (a
    target date is a calendar date, and a weekend late is still late); 0 when it is not."""
    if target_date is None or not is_overdue(target_date, lifecycle, today):
        return 0
    return (today - target_date).days


def status_colour(lifecycle: Lifecycle | str, rag: Rag | str | None) -> str:
    """The colour key shown beside a status: blue means closed with evidence and nothing else."""
    lifecycle = Lifecycle(lifecycle)
    if lifecycle is Lifecycle.CLOSED_EVIDENCED:
        return "blue"
    if lifecycle is Lifecycle.SUPERSEDED or rag is None:
        return "grey"
    return Rag(rag).value


@dataclass(frozen=True)
class ActionState:
    """An action's state as of one update: the three separate states plus who and when."""

    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
