"""What changed since a date: the kinds of change, the order a meeting reads them in, and which
dates a person may ask from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ChangeKind(StrEnum):
    RAG_MOVED = "rag_moved"
    NEWLY_OVERDUE = "newly_overdue"
    CLOSED = "closed"
    DEPENDENCY_ADDED = "dependency_added"
    # Changes to the plan itself (tracker/services/reads/plan_changes.py).
    DATE_APPROVED = "date_approved"
    DATE_REFUSED = "date_refused"
    DATE_REQUESTED = "date_requested"
    ADDED = "added"
    SUPERSEDED = "superseded"
    EDITED = "edited"


# The order the board's meeting reads them in: bad news first.
_KIND_ORDER = {
    ChangeKind.RAG_MOVED: 0,
    ChangeKind.NEWLY_OVERDUE: 1,
    ChangeKind.CLOSED: 2,
    ChangeKind.DEPENDENCY_ADDED: 3,
    ChangeKind.DATE_APPROVED: 4,
    ChangeKind.DATE_REFUSED: 5,
    ChangeKind.DATE_REQUESTED: 6,
    ChangeKind.ADDED: 7,
    ChangeKind.SUPERSEDED: 8,
    ChangeKind.EDITED: 9,
}
_RAG_ORDER = {"red": 0, "amber": 1, "green": 2}

KIND_LABELS = {
    ChangeKind.RAG_MOVED: "RAG moves",
    ChangeKind.NEWLY_OVERDUE: "Newly overdue",
    ChangeKind.CLOSED: "Closed with evidence",
    ChangeKind.DEPENDENCY_ADDED: "New dependencies",
    ChangeKind.DATE_APPROVED: "Target dates moved (approved)",
    ChangeKind.DATE_REFUSED: "Target date moves refused",
    ChangeKind.DATE_REQUESTED: "Target date moves requested",
    ChangeKind.ADDED: "Actions added",
    ChangeKind.SUPERSEDED: "Actions superseded",
    ChangeKind.EDITED: "Actions edited",
}

# With no date asked for: the week since the board's last weekly meeting.
DEFAULT_DAYS = 7


def change_sort_key(kind: str, new: str | None, ref: str, on: date) -> tuple:
    """RAG moves first, moves to red before moves to amber before moves to green; then newly
    overdue, closed, new dependencies, then the plan's own changes (target dates moved,
    actions added, superseded or edited); newest first within each."""
    return (
        _KIND_ORDER.get(kind, len(_KIND_ORDER)),
        kind,
        _RAG_ORDER.get(new or "", 3) if kind == ChangeKind.RAG_MOVED else 0,
        -on.toordinal(),
        ref,
    )


def since_problem(since: date, *, inspection_published: date | None, today: date) -> str | None:
    """Why changes cannot be listed from `since`, in words, or None: the future has not
    happened, and nothing was tracked before the inspection report."""
    if since > today:
        return f"The date must be today ({_words(today)}) or earlier"
    if inspection_published is not None and since < inspection_published:
        return (
            f"The date must be on or after {_words(inspection_published)}, "
            "when the inspection report was published"
        )
    return None


def _words(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


# An action's state for the net view: its RAG while open, or closed with evidence.
CLOSED_STATE = "closed_evidenced"
# The net outcomes, in the order a meeting reads them (bad news first).
NET_OUTCOMES = ("to_red", "to_amber", "to_green", "closed", "unchanged")
NET_LABELS = {
    "to_red": "to red",
    "to_amber": "to amber",
    "to_green": "to green",
    "closed": "closed with evidence",
    "unchanged": "back where they started",
}


@dataclass(frozen=True)
class NetMove:
    """One action's state at the start of a period and at its end, and how many moves it took.
    A move and its reversal in the period leave it where it started: not a move to red."""

    start: str
    end: str
    moves: int

    @property
    def outcome(self) -> str:
        if self.start == self.end:
            return "unchanged"
        if self.end == CLOSED_STATE:
            return "closed"
        return f"to_{self.end}"

    @property
    def to_red(self) -> bool:
        """Red at the end of the period and not red at its start."""
        return self.outcome == "to_red"


def net_move(moves: Sequence[tuple[str, str]]) -> NetMove:
    """The net of an action's moves in a period, given in the order they happened as (old, new)
    states: from the first move's old state to the last move's new state."""
    if not moves:
        raise ValueError("an action with no moves has no net move")
    return NetMove(start=moves[0][0], end=moves[-1][1], moves=len(moves))


def net_sort_key(net: NetMove, ref: str) -> tuple:
    """Moves to red first, then amber, green, closed; actions back where they started last."""
    outcome = net.outcome
    return (NET_OUTCOMES.index(outcome) if outcome in NET_OUTCOMES else 4, ref)
