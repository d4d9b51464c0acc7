"""Governance meetings: the kinds the report names, and what a meeting record must hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tracker.domain.personal_data import personal_data_message
from tracker.domain.setup import MeetingDays, Words

NOTES_LIMIT = 8000
LINE_LIMIT = 1000  # one decision, one follow-up, the other attendees
MAX_FOLLOW_UPS = 100  # one meeting's follow-ups: a form this long is already unusual
EARLIEST_MEETING = date(2000, 1, 1)
# The form's one-time key: a double click sends the same key twice and makes one meeting.
IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{32}")


class MeetingKind(StrEnum):
    """The kinds of meeting, by code: the board that reviews overdue and red actions, the group
    that signs off and exports, and the continuous improvement board. What people read for each
    is the organisation's own words (`kind_label`)."""

    GETTING_TO_GOOD = "getting_to_good"
    JSIG = "jsig"
    CIB = "cib"


CIB_LABEL = "Continuous Improvement Board"


def kind_labels(words: Words) -> dict[MeetingKind, str]:
    """Each kind of meeting in the organisation's words."""
    return {
        MeetingKind.GETTING_TO_GOOD: words.board,
        MeetingKind.JSIG: words.group,
        MeetingKind.CIB: CIB_LABEL,
    }


def kind_label(kind: MeetingKind | str, words: Words) -> str:
    """A kind of meeting as people read it: the board's or the group's name, as set up."""
    return kind_labels(words)[MeetingKind(kind)]


def pack_name(kind: MeetingKind | str, words: Words) -> str:
    """What a meeting's pack is called: the group's is its board pack, any other a meeting
    pack."""
    if MeetingKind(kind) is MeetingKind.JSIG:
        return f"{words.group_short} board pack"
    return f"{kind_label(kind, words)} meeting pack"


# Each kind's usual day is the organisation's set-up (tracker/domain/setup.py MeetingDays, by
# the kinds' codes, MEETING_KINDS; saved on the meetings set-up page, the environment giving the
# first defaults).


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    """The `nth` `weekday` (Monday 0) of the month; nth 5 is the month's last."""
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (min(nth, 5) - 1))
    while day.month != month:  # a fifth that the month does not have: its last
        day -= timedelta(days=7)
    return day


def planned_meetings(
    kind: MeetingKind | str, *, after: date, months: int, days: MeetingDays
) -> list[date]:
    """The meeting's usual days after `after` (not that day), for `months` months from its
    month; none for a meeting with no usual day."""
    usual = days.of(MeetingKind(kind).value)
    if not usual.nth:
        return []
    planned = []
    for n in range(months + 1):
        year, month = after.year + (after.month - 1 + n) // 12, (after.month - 1 + n) % 12 + 1
        day = nth_weekday(year, month, usual.nth, usual.weekday)
        if day > after:
            planned.append(day)
    return planned


@dataclass(frozen=True)
class FollowUpProposal:
    text: str
    assignee_id: int | None
    due_on: date | None


@dataclass(frozen=True)
class MeetingProposal:
    """What the chair typed, as plain values (the form has already parsed the dates)."""

    kind: str
    held_on: date | None
    chair_id: int | None
    attendee_ids: tuple[int, ...] = ()
    other_attendees: str = ""
    notes: str = ""
    decisions: tuple[str, ...] = ()
    follow_ups: tuple[FollowUpProposal, ...] = ()


def decision_lines(text: str) -> tuple[str, ...]:
    """Decisions are typed one to a line: blank lines are not decisions."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def check_meeting(proposal: MeetingProposal, *, today: date) -> dict[str, str]:
    """Every reason the meeting cannot be recorded, by field name (empty when it can). A meeting
    has happened (no future date), has a chair, and holds no child-level data."""
    errors: dict[str, str] = {}
    if proposal.kind not in {k.value for k in MeetingKind}:
        errors["kind"] = "Select which meeting this was"
    if proposal.held_on is None:
        errors.setdefault("held_on", "Enter the date of the meeting")
    elif proposal.held_on > today:
        errors["held_on"] = "The date of the meeting must be today or in the past"
    elif proposal.held_on < EARLIEST_MEETING:
        errors["held_on"] = "The date of the meeting must be in 2000 or later"
    if proposal.chair_id is None:
        errors["chair"] = "Select who chaired the meeting"
    for name, text in (
        ("notes", proposal.notes),
        ("decisions", "\n".join(proposal.decisions)),
        ("other_attendees", proposal.other_attendees),
    ):
        message = personal_data_message(text)
        if message:
            errors[name] = message
    if any(len(d) > LINE_LIMIT for d in proposal.decisions):
        errors["decisions"] = f"Each decision must be {LINE_LIMIT} characters or fewer"
    if len(proposal.follow_ups) > MAX_FOLLOW_UPS:
        errors["follow_ups"] = (
            f"A meeting can record at most {MAX_FOLLOW_UPS} follow-ups: "
            "record the rest at the next meeting or on the actions themselves"
        )
    for i, f in enumerate(proposal.follow_ups):
        if not f.text:
            errors[f"follow_ups-{i}-text"] = "Enter what is to be done"
        elif message := personal_data_message(f.text):
            errors[f"follow_ups-{i}-text"] = message
        if f.assignee_id is None:
            errors[f"follow_ups-{i}-assignee"] = "Select who will do it"
        if f.due_on is None:
            errors.setdefault(f"follow_ups-{i}-due_on", "Enter when it is due")
        elif proposal.held_on is not None and f.due_on < proposal.held_on:
            errors[f"follow_ups-{i}-due_on"] = (
                "The due date must be on or after the day of the meeting "
                f"({proposal.held_on.day} {proposal.held_on:%B %Y})"
            )
    return errors
