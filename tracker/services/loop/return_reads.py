"""Reading the fortnightly locality return: the form as drawn, and every return's status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from tracker.domain.areas import asked_for
from tracker.domain.cycles import cycle_number_for
from tracker.domain.states import CLOSED, Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import ActionUpdate, Locality, LocalityReturn, ReturnDraft, UpdateCycle, User
from tracker.services.errors import NotFound
from tracker.services.plan import queries

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

    @property
    def done(self) -> bool:
        """Ready to submit as far as the return goes: a summary typed, or "no change" ticked."""
        return self.confirm_unchanged or bool(self.summary.strip())

    def touched(self, lifecycle: Lifecycle, rag: Rag | None, impact: Impact) -> bool:
        """Anything typed, ticked or chosen that differs from the action's state as drawn: an
        entry "no change for every action I have not touched" must leave alone."""
        if self.confirm_unchanged or any(
            getattr(self, name).strip() for name in ("summary", "reason", "evidence")
        ):
            return True
        drawn = (lifecycle.value, rag.value if rag else "", impact.value)
        return (self.lifecycle, self.rag, self.impact) != drawn

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

    @property
    def done(self) -> bool:
        return self.entry.done

    @property
    def touched(self) -> bool:
        return self.entry.touched(self.lifecycle, self.rag, self.impact)


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

    @property
    def done_count(self) -> int:
        """How many entries are done (a summary typed or "no change" ticked)."""
        return sum(1 for line in self.lines if line.done)

    @property
    def next_needing_attention(self) -> ReturnLine | None:
        """The first action whose entry is not done yet, in the order of the form."""
        return next((line for line in self.lines if not line.done), None)

    @property
    def untouched(self) -> list[ReturnLine]:
        """The actions whose entry nobody has typed, ticked or changed anything in."""
        return [line for line in self.lines if not line.touched]

    @property
    def first_submission_open(self) -> bool:
        """The form is drawn for a first submission (not an amendment)."""
        return self.editable and self.status != "submitted"

    def may_reopen(self, now: datetime) -> bool:
        """A submitted return may be reopened for amendment until its deadline."""
        return self.status == "submitted" and not self.reopened and now <= self.due_at


MAX_CYCLE = 2**31 - 1  # a cycle number is an INTEGER column: larger ones cannot exist


def get_cycle(number: int) -> UpdateCycle:
    """The cycle with this number, or NotFound."""
    if not 1 <= number <= MAX_CYCLE:
        # PostgreSQL refuses an out-of-range integer outright: it is simply not a cycle.
        raise NotFound(f"No cycle {number}")
    cycle = db.session.execute(
        select(UpdateCycle).where(UpdateCycle.number == number)
    ).scalar_one_or_none()
    if cycle is None:
        raise NotFound(f"No cycle {number}")
    return cycle


def find_return(locality: Locality, cycle: UpdateCycle) -> LocalityReturn | None:
    """The locality's return row for the cycle, if anything was ever saved or submitted."""
    return db.session.execute(
        select(LocalityReturn).where(
            LocalityReturn.locality_id == locality.id, LocalityReturn.cycle_id == cycle.id
        )
    ).scalar_one_or_none()


def current_cycle_number(today: date, cycle_start: date) -> int | None:
    return cycle_number_for(cycle_start, today)


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
    locality = queries.get_locality(locality_code)
    cycle = get_cycle(cycle_number)
    record = find_return(locality, cycle)
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
    # False for a cycle that opened after its area was retired: nothing is asked of it then.
    asked: bool = True
    retired: bool = False  # the area is retired now


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
            asked = asked_for(loc.retired_at, cycle.opens_on) or r is not None
            row.append(
                ReturnStatus(
                    locality_code=loc.code,
                    locality_name=loc.name,
                    cycle_number=cycle.number,
                    due_at=cycle.due_at,
                    status=r.status if r else "not_started",
                    late=bool(r and r.late),
                    overdue=asked and not submitted and now > cycle.due_at,
                    submitted_at=r.submitted_at if r else None,
                    amended_at=r.amended_at if r else None,
                    amended_by=amended_by,
                    reopened=bool(r and r.reopened_at),
                    asked=asked,
                    retired=loc.retired_at is not None,
                )
            )
        grid.append(row)
    return grid
