"""A meeting pack as a complete paper (issue 18.2): the covering note the chair or a group member
writes for it (every version kept with the meeting), the key measures' scorecard for the latest
quarter, the net changes and the decisions since the last meeting of the same kind, the open and
answered challenges and the exceptions with where each stands in its lifecycle.

The group's board pack and the board's meeting pack are both drawn from this and the meeting's
frozen snapshot; the sections read the plan's history between two fixed moments (the last
meeting of the kind and this one), so they do not drift as the plan moves on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from tracker.domain.challenges import Status as ChallengeStatus
from tracker.domain.changes import CLOSED_STATE, NET_LABELS, ChangeKind
from tracker.domain.measures import Quarter, Status, last_complete_quarter
from tracker.domain.meetings import MeetingKind, kind_label
from tracker.domain.packs import check_note, exception_standing
from tracker.domain.permissions import Actor, Permission, can
from tracker.domain.states import RAG_LABELS, Rag
from tracker.extensions import db
from tracker.models import Meeting, PackNote, User
from tracker.services.access import settings
from tracker.services.errors import NotFound
from tracker.services.governance.meeting_snapshot import exception_rows
from tracker.services.plan.updates import Forbidden
from tracker.services.platform.audit import add_event
from tracker.services.reads.changes import Change, Changes, list_changes
from tracker.services.reads.inspections import EventSummary, list_events
from tracker.services.reads.measures import Scorecard, get_scorecard
from tracker.services.reads.recommendations import get_inspection, get_progress, list_inspections

# The decisions a pack reports since the last meeting: date moves approved and refused,
# sign-offs (closed with evidence), actions added and superseded.
DECISION_KINDS = (
    ChangeKind.DATE_APPROVED,
    ChangeKind.DATE_REFUSED,
    ChangeKind.CLOSED,
    ChangeKind.ADDED,
    ChangeKind.SUPERSEDED,
)
DECISION_LABELS = {
    ChangeKind.DATE_APPROVED: "Target date moves approved",
    ChangeKind.DATE_REFUSED: "Target date moves refused",
    ChangeKind.CLOSED: "Actions signed off (closed with evidence)",
    ChangeKind.ADDED: "Actions added to the plan",
    ChangeKind.SUPERSEDED: "Actions superseded",
}


# A challenge waiting for an answer (raised, or escalated for a further one); the rest have one.
AWAITING_ANSWER = (ChallengeStatus.OPEN.value, ChallengeStatus.ESCALATED.value)


class NoteRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NoteVersion:
    version: int
    text: str
    written_by: str
    written_at: datetime


@dataclass(frozen=True)
class ExceptionLine:
    row: dict
    standing: str  # where it stands in its lifecycle, in words
    closes: str  # what would close it


@dataclass
class Paper:
    """What a pack prints besides its snapshot."""

    kind: MeetingKind
    day: date
    notes: list[NoteVersion]  # newest first
    quarter: Quarter
    scorecard: Scorecard
    since: date  # the first day the changes and decisions count from
    since_meeting: date | None  # the last meeting of the kind, if there was one
    changes: Changes
    decisions: list[tuple[str, list[Change]]] = field(default_factory=list)
    exceptions: list[ExceptionLine] = field(default_factory=list)
    challenges_open: list[dict] = field(default_factory=list)
    challenges_answered: list[dict] = field(default_factory=list)
    # Each inspection or visit with its deadline and the actions answering it, per finding
    # (issue 20.3): what the overview shows, on the pack's day.
    events: list[EventSummary] = field(default_factory=list)
    kind_label: str = ""  # the kind in the organisation's words

    @property
    def note(self) -> NoteVersion | None:
        return self.notes[0] if self.notes else None

    @property
    def has_values(self) -> bool:
        return any(r.figure is not None for r in self.scorecard.rows)

    def status_counts(self) -> list[tuple[Status, int]]:
        counts = self.scorecard.counts()
        return [(s, counts[s]) for s in Status]

    @property
    def no_value_count(self) -> int:
        return self.scorecard.counts()[None]

    @property
    def since_words(self) -> str:
        """Since when the changes and decisions count, in words."""
        if self.since_meeting is not None:
            return f"since the last {self.kind_label} meeting ({_day(self.since_meeting)})"
        return f"since {_day(self.since)} (no earlier {self.kind_label} meeting is recorded)"

    def net_lines(self) -> list[tuple[str, int]]:
        counts = self.changes.net_counts()
        return [(NET_LABELS[k], counts[k]) for k in NET_LABELS]


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _valid_id(value: int) -> bool:
    return 0 < value <= 2_147_483_647


def note_history(meeting_id: int) -> list[NoteVersion]:
    """Every version of the meeting's covering note, newest first: one statement."""
    return [
        NoteVersion(version, text, name, at)
        for version, text, name, at in db.session.execute(
            select(PackNote.version, PackNote.text, User.name, PackNote.written_at)
            .join(User, User.id == PackNote.written_by_id)
            .where(PackNote.meeting_id == meeting_id)
            .order_by(PackNote.version.desc())
        ).all()
    ]


def write_note(
    meeting_id: int, text: str, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> int:
    """Keep a new version of the meeting pack's covering note (the earlier ones stay, in the
    history), audited; its version number. Refused, writing nothing, when the note is blank,
    too long, holds a control character or looks like child-level personal data."""
    if not can(actor, Permission.WRITE_PACK_NOTE):
        group = settings.current().words.group_short
        raise Forbidden(f"Only a chair or a {group} member writes a pack's covering note.")
    if not _valid_id(meeting_id) or db.session.get(Meeting, meeting_id) is None:
        raise NotFound(f"There is no meeting {meeting_id}.")
    text = (text or "").replace("\r\n", "\n").strip()
    problem = check_note(text)
    if problem:
        raise NoteRejected(problem)
    last = db.session.execute(
        select(func.max(PackNote.version)).where(PackNote.meeting_id == meeting_id)
    ).scalar_one_or_none()
    version = (last or 0) + 1
    db.session.add(
        PackNote(
            meeting_id=meeting_id,
            version=version,
            text=text,
            written_by_id=actor.user_id,
            written_at=now,
        )
    )
    add_event(
        "pack_note_written",
        now=now,
        user_id=actor.user_id,
        target=f"meeting/{meeting_id}/note",
        detail={"version": version, "characters": len(text)},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return version


def _previous_meeting(kind: str, day: date, meeting_id: int | None) -> date | None:
    query = select(func.max(Meeting.held_on)).where(Meeting.kind == kind, Meeting.held_on < day)
    if meeting_id is not None:
        query = query.where(Meeting.id != meeting_id)
    return db.session.execute(query).scalar_one_or_none()


def build_paper(
    *,
    kind: MeetingKind,
    day: date,
    snapshot: dict,
    challenges: list[dict] | None = None,
    meeting_id: int | None = None,
    only_chosen: bool = False,
) -> Paper:
    """The paper's sections for a pack of `kind` on `day` (a meeting's, or the board pack's):
    a fixed number of statements, whatever the size of the plan or its history."""
    previous = _previous_meeting(kind.value, day, meeting_id)
    inspection = get_inspection()  # read either way: the same statements for every pack
    if previous is not None:
        since = previous + timedelta(days=1)
    else:
        since = inspection.report_published if inspection else day - timedelta(days=28)
    since = min(since, day)
    quarter = last_complete_quarter(day)
    changes = list_changes(since=since, today=day)
    if only_chosen:  # a filtered board pack: the changes to the actions it chose
        refs = {row["ref"] for row in snapshot["actions"]}
        changes.items = [c for c in changes.items if c.action_ref in refs]
        changes.net = [n for n in changes.net if n.action_ref in refs]
    decisions = [(DECISION_LABELS[k], changes.of_kind(k)) for k in DECISION_KINDS]
    lines = []
    for row in exception_rows(snapshot):
        standing, closes = exception_standing(row, day)
        lines.append(ExceptionLine(row, standing, closes))
    challenges = challenges or []
    events = list_events(
        get_progress(today=day),
        list_inspections(),
        rule_days=current_app.config["DEADLINE_WORKING_DAYS"],
        default_anchor=current_app.config["DEADLINE_ANCHOR"],
    )
    return Paper(
        kind=kind,
        day=day,
        notes=note_history(meeting_id) if meeting_id is not None else [],
        quarter=quarter,
        scorecard=get_scorecard(quarter, kind="key"),
        since=since,
        since_meeting=previous,
        changes=changes,
        decisions=decisions,
        exceptions=lines,
        challenges_open=[c for c in challenges if c.get("status") in AWAITING_ANSWER],
        challenges_answered=[c for c in challenges if c.get("status") not in AWAITING_ANSWER],
        events=events,
        kind_label=kind_label(kind, settings.current().words),
    )


def state_words(state: str | None) -> str:
    """A net change's state in words: its RAG, closed with evidence, or no RAG set."""
    if state == CLOSED_STATE:
        return "Closed with evidence"
    return RAG_LABELS.get(Rag(state), state) if state in {r.value for r in Rag} else "No RAG set"


def _value_words(value: str) -> str:
    """A change's old or new value as people read it: a date in words, anything else as it is."""
    try:
        return _day(date.fromisoformat(value))
    except ValueError:
        return value


def decision_line(d: Change) -> str:
    """One decision since the last meeting, in words (the pack's page, PDF and Word)."""
    moved = " to ".join(_value_words(x) for x in (d.old, d.new) if x)
    text = f"{d.action_ref} {d.action_title}, {_day(d.on)}"
    text += f" ({moved})" if moved else ""
    text += f", by {d.who}" if d.who else ""
    return text + (f": {d.why}" if d.why else "")
