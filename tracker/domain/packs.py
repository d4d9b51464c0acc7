"""The board pack and the meeting pack as papers: the covering note's rules, and each exception's
place in the lifecycle with what would close it."""

from __future__ import annotations

import re
from datetime import date

from tracker.domain.calendar import working_days_between
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import LIFECYCLE_LABELS, Lifecycle

NOTE_LIMIT = 6000
# A covering note is prose: line breaks and tabs, never another control character (PostgreSQL
# stores no NUL; the rule is the same on every database).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_note(text: str) -> str | None:
    """Why a covering note cannot be kept, in words, or None."""
    if not (text or "").strip():
        return "Enter the covering note"
    if "\x00" in text:
        return "The covering note must not contain a NUL character"
    if _CONTROL.search(text):
        return "The covering note must not contain control characters: type it as plain text"
    if len(text) > NOTE_LIMIT:
        return f"The covering note must be {NOTE_LIMIT} characters or fewer (it has {len(text)})"
    return personal_data_message(text)


def exception_standing(row: dict, day: date) -> tuple[str, str]:
    """An exception row of a pack's snapshot (red, overdue or awaiting sign-off past its target
    date) as where it stands in its lifecycle, and what would close it: "Complete, awaiting
    sign-off, 7 working days past target" is waiting for a chair, not slipping."""
    lifecycle = Lifecycle(row["lifecycle"])
    label = LIFECYCLE_LABELS[lifecycle]
    target = date.fromisoformat(row["target_date"]) if row.get("target_date") else None
    if lifecycle is Lifecycle.COMPLETE_AWAITING_SIGNOFF:
        past = working_days_between(target, day) if target and target < day else 0
        when = f", {_n(past, 'working day')} past target" if past > 0 else ""
        return f"{label}{when}", "Closes when the lead's evidence is signed off"
    if lifecycle.is_closed:
        return label, "Closed: nothing to do"
    days = int(row.get("days_overdue") or 0)
    standing = f"{label}, {_n(days, 'day')} overdue" if days else label
    if row.get("rag") == "red":
        standing += ", red"
    if days:
        closes = "Closes when the work is complete with evidence, or a new target date is approved"
    else:
        closes = "Leaves the list when its delivery confidence is no longer red"
    return standing, closes


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
