"""Past returns as submitted: each locality's list of returns, and one return as it was sent.

A submitted return is read from the history alone: each action's entry is the last history row
of the cycle recorded by the submission (at or before its time), and every row of the same cycle
recorded after it is an amendment, shown beside it. Never the action's current state. A fixed
number of queries whatever the number of actions, cycles or amendments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker.domain.permissions import Actor, Role
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, Locality, LocalityReturn, Plan, UpdateCycle, User
from tracker.services.errors import NotFound
from tracker.services.loop.return_reads import ReturnView, get_cycle
from tracker.services.plan import queries

# Who reads every locality's returns (and their lists): the board. A locality's head and named
# deputy read their own locality's; a head of another locality is refused.
READS_EVERY_RETURN = frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER})


# Who submitted and amended a return, and who wrote an entry: built once, not per query.
_SUBMITTER, _AMENDER, _AUTHOR = aliased(User), aliased(User), aliased(User)


def reads_every_return(actor: Actor | None) -> bool:
    return actor is not None and actor.active and actor.role in READS_EVERY_RETURN


def may_read_returns(actor: Actor | None, locality_code: str) -> bool:
    """This locality's past returns: its head or deputy, or whoever reads every return."""
    if actor is None or not actor.active:
        return False
    return reads_every_return(actor) or actor.speaks_for(locality_code)


def own_locality(actor: Actor | None) -> str | None:
    """The locality whose returns this person does: as its head, or as its named deputy."""
    if actor is None or not actor.active:
        return None
    if actor.role is Role.LOCALITY_HEAD and actor.locality:
        return actor.locality
    return actor.deputy_for


@dataclass
class PastReturn:
    """One row of a list of returns."""

    locality_code: str
    locality_name: str
    cycle_number: int
    due_at: datetime
    status: str  # not_started | draft | submitted
    submitted_at: datetime | None
    submitted_by: str | None
    late: bool
    overdue: bool
    amended_at: datetime | None
    amended_by: str | None
    reopened: bool

    @property
    def api_status(self) -> str:
        if self.status == "submitted":
            return "late" if self.late else "submitted"
        return "overdue" if self.overdue else self.status


def list_past_returns(*, locality_code: str | None, upto: int, now: datetime) -> list[PastReturn]:
    """Every return up to cycle `upto`, newest cycle first, for one locality or for all (in
    locality order within a cycle). Three queries."""
    if locality_code is not None:
        localities = [queries.get_locality(locality_code)]
    else:
        localities = list(db.session.execute(select(Locality).order_by(Locality.id)).scalars())
    cycles = list(
        db.session.execute(
            select(UpdateCycle)
            .where(UpdateCycle.number <= upto)
            .order_by(UpdateCycle.number.desc())
        ).scalars()
    )
    query = (
        select(LocalityReturn, _SUBMITTER.name, _AMENDER.name)
        .outerjoin(_SUBMITTER, _SUBMITTER.id == LocalityReturn.submitted_by_id)
        .outerjoin(_AMENDER, _AMENDER.id == LocalityReturn.amended_by_id)
    )
    if locality_code is not None:
        query = query.where(LocalityReturn.locality_id == localities[0].id)
    records = {
        (r.locality_id, r.cycle_id): (r, by, amended_by)
        for r, by, amended_by in db.session.execute(query).all()
    }
    rows = []
    for cycle in cycles:
        for loc in localities:
            r, by, amended_by = records.get((loc.id, cycle.id), (None, None, None))
            submitted = r is not None and r.status == "submitted"
            rows.append(
                PastReturn(
                    locality_code=loc.code,
                    locality_name=loc.name,
                    cycle_number=cycle.number,
                    due_at=cycle.due_at,
                    status=r.status if r else "not_started",
                    submitted_at=r.submitted_at if submitted else None,
                    submitted_by=by if submitted else None,
                    late=bool(r and r.late),
                    overdue=not submitted and now > cycle.due_at,
                    amended_at=r.amended_at if r else None,
                    amended_by=amended_by,
                    reopened=bool(r and r.reopened_at),
                )
            )
    return rows


@dataclass
class EntryVersion:
    """One history row: the values an entry carried, who wrote it and when."""

    version: int
    recorded_at: datetime
    author: str | None
    cause: str
    lifecycle: Lifecycle
    rag: Rag | None
    impact: Impact
    summary: str
    reason: str
    evidence: str
    no_change: bool


@dataclass
class SubmittedLine:
    ref: str
    title: str
    submitted: EntryVersion
    amendments: list[EntryVersion] = field(default_factory=list)

    @property
    def amended(self) -> bool:
        return bool(self.amendments)


@dataclass
class SubmittedReturn:
    locality_code: str
    locality_name: str
    cycle_number: int
    due_at: datetime
    submitted_at: datetime
    submitted_by: str | None
    late: bool
    amended_at: datetime | None
    amended_by: str | None
    lines: list[SubmittedLine] = field(default_factory=list)

    @property
    def amended_count(self) -> int:
        return sum(1 for line in self.lines if line.amended)


class NotSubmitted(Exception):
    """The return was never submitted: there is nothing to show as submitted."""


def get_submitted_return(
    locality_code: str, cycle_number: int, *, known: ReturnView | None = None
) -> SubmittedReturn:
    """The return exactly as submitted, from the history, with any later amendments. `known`,
    the return as the page already read it, saves reading its header again: one query then."""
    if known is not None and known.status == "submitted" and known.submitted_at is not None:
        view = SubmittedReturn(
            locality_code=known.locality_code,
            locality_name=known.locality_name,
            cycle_number=known.cycle_number,
            due_at=known.due_at,
            submitted_at=known.submitted_at,
            submitted_by=known.submitted_by,
            late=known.late,
            amended_at=known.amended_at,
            amended_by=known.amended_by,
        )
    else:
        view = _header(locality_code, cycle_number)
    rows = db.session.execute(
        select(ActionUpdate, Action.ref, Action.title, _AUTHOR.name)
        .join(Action, Action.id == ActionUpdate.action_id)
        .join(Plan, Plan.id == Action.plan_id)
        .join(Locality, Locality.id == Plan.locality_id)
        .join(UpdateCycle, UpdateCycle.id == ActionUpdate.cycle_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == ActionUpdate.author_id)
        .where(Locality.code == view.locality_code, UpdateCycle.number == view.cycle_number)
        .order_by(Action.ref, ActionUpdate.version)
    ).all()
    lines: dict[str, SubmittedLine] = {}
    after: dict[str, list[EntryVersion]] = {}
    for update, ref, title, author_name in rows:
        version = _version(update, author_name)
        if update.recorded_at <= view.submitted_at:
            # The last row at or before the submission is what was sent for this action.
            lines[ref] = SubmittedLine(ref=ref, title=title, submitted=version)
        else:
            after.setdefault(ref, []).append(version)
    for ref, line in lines.items():
        line.amendments = after.get(ref, [])
        view.lines.append(line)
    return view


def _header(locality_code: str, cycle_number: int) -> SubmittedReturn:
    """The submitted return's locality, cycle, times and people: NotFound, NotSubmitted."""
    locality = queries.get_locality(locality_code)
    cycle = get_cycle(cycle_number)
    found = db.session.execute(
        select(LocalityReturn, _SUBMITTER.name, _AMENDER.name)
        .outerjoin(_SUBMITTER, _SUBMITTER.id == LocalityReturn.submitted_by_id)
        .outerjoin(_AMENDER, _AMENDER.id == LocalityReturn.amended_by_id)
        .where(LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id)
    ).one_or_none()
    if found is None or found[0].status != "submitted" or found[0].submitted_at is None:
        raise NotSubmitted(f"{locality_code} cycle {cycle_number}")
    record, submitted_by, amended_by = found
    return SubmittedReturn(
        locality_code=locality.code,
        locality_name=locality.name,
        cycle_number=cycle.number,
        due_at=cycle.due_at,
        submitted_at=record.submitted_at,
        submitted_by=submitted_by,
        late=record.late,
        amended_at=record.amended_at,
        amended_by=amended_by,
    )


def _version(u: ActionUpdate, author: str | None) -> EntryVersion:
    return EntryVersion(
        version=u.version,
        recorded_at=u.recorded_at,
        author=author,
        cause=u.cause,
        lifecycle=Lifecycle(u.lifecycle),
        rag=Rag(u.rag) if u.rag else None,
        impact=Impact(u.impact),
        summary=u.summary,
        reason=u.reason,
        evidence=u.evidence,
        no_change=u.no_change,
    )


__all__ = [
    "NotFound",
    "NotSubmitted",
    "PastReturn",
    "SubmittedReturn",
    "get_submitted_return",
    "list_past_returns",
    "may_read_returns",
    "own_locality",
    "reads_every_return",
]
