"""Who is chased, about what, on which London working day. A pure function of `today` and data.

Every chase has a key naming its subject: (recipient, kind, locality, period, step) for a return
or SEF and its escalations, whose locality says whose return or SEF it is; (recipient, kind,
period, step) for the rest, whose period or step already names the action or challenge. The
outbox stores each key once, so running the same day twice, or two schedulers at once, can
never send anything twice, and two heads late on one deadline under one manager are two
escalations, not one key written twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from tracker.domain.calendar import add_working_days, is_working_day, working_days_between
from tracker.domain.cycles import Cycle


@dataclass(frozen=True)
class ChaseSettings:
    remind_days_before: int = 2  # working days before a return or SEF is due
    escalate_to_manager_after: int = 2  # working days late
    escalate_to_chair_after: int = 4  # working days late
    target_notice_days: int = 10  # working days before an action's target date
    stale_cycles: int = 3  # cycles with the same RAG and summary
    weekly_after: int = 10  # working days late: then chased every fifth working day, not daily


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None
    active: bool = True
    line_manager_id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """Something a person owes by a date: a fortnightly return or a monthly SEF."""

    kind: str  # "return" | "sef"
    owner_id: int
    period: str  # the cycle number or the YYYY-MM month
    what: str  # e.g. "The Eastside return for cycle 3"
    opens_on: date
    due_on: date
    due_text: str  # e.g. "at 12:00 on Friday 28 March 2025"
    link: str
    submitted: bool
    subject: str = ""  # whose it is: the locality's code


@dataclass(frozen=True)
class LeadAction:
    """A main-plan action and what its lead owes."""

    ref: str
    title: str
    lead_id: int
    target_date: date | None
    updated_this_cycle: bool
    stale: bool = False


@dataclass(frozen=True)
class Chase:
    recipient_id: int
    kind: str
    period: str  # cycle number, YYYY-MM month, or action ref
    step: str
    text: str
    link: str
    about_id: int | None = None  # whose duty it is, when it is sent to someone else
    note: str = ""
    subject: str = ""  # a return's or SEF's locality code; "" when period or step names it

    @property
    def key(self) -> str:
        if self.subject:
            return f"{self.recipient_id}|{self.kind}|{self.subject}|{self.period}|{self.step}"
        return self.legacy_key

    @property
    def legacy_key(self) -> str:
        """The key as it was stored before keys named the locality (issue 19): an item stored
        under it, with this chase's link (which names the locality), is this chase."""
        return f"{self.recipient_id}|{self.kind}|{self.period}|{self.step}"


@dataclass
class Chasing:
    chases: list[Chase] = field(default_factory=list)

    def add(self, chase: Chase) -> None:
        self.chases.append(chase)


def _due_steps(
    today: date, opens_on: date, due_on: date, submitted: bool, settings: ChaseSettings
) -> list[tuple[str, int]]:
    """(step, working days late) falling due on exactly this day: open, before, due, late-N.
    A day the scheduler missed is replayed on start, so each step is tied to one day."""
    steps: list[tuple[str, int]] = []
    if today == opens_on:
        steps.append(("open", 0))
    if submitted:
        return steps
    reminder_day = working_days_before(due_on, settings.remind_days_before)
    if today == reminder_day and reminder_day > opens_on:
        steps.append(("before", 0))
    if today == due_on:
        steps.append(("due", 0))
    if today > due_on:
        late = working_days_between(due_on, today)
        # Daily at first; long overdue, weekly (every fifth working day), but never dropped.
        if late > 0 and (late <= settings.weekly_after or late % 5 == 0):
            steps.append((f"late-{late}", late))
    return steps


@lru_cache(maxsize=4096)
def working_days_before(day: date, n: int) -> date:
    """The working day `n` working days before `day`."""
    for _ in range(n):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    return day


def _escalations(
    chasing: Chasing,
    people: dict[int, Person],
    owner_id: int,
    chair_id: int | None,
    late: int,
    base: Chase,
    settings: ChaseSettings,
) -> None:
    """Late enough: the owner's line manager is told, and later the board's chair."""
    owner = people.get(owner_id)
    if owner and owner.line_manager_id and late == settings.escalate_to_manager_after:
        chasing.add(_with(base, owner.line_manager_id, "escalation", "manager", owner_id))
    if chair_id and late == settings.escalate_to_chair_after:
        chasing.add(_with(base, chair_id, "escalation", "chair", owner_id))


def _with(base: Chase, recipient: int, kind_suffix: str, step: str, about: int) -> Chase:
    return Chase(
        recipient_id=recipient,
        kind=f"{base.kind}_{kind_suffix}",
        period=base.period,
        step=step,
        text=base.text,
        link=base.link,
        about_id=about,
        subject=base.subject,
    )


def decide_chases(
    today: date,
    *,
    people: Sequence[Person],
    deadlines: Iterable[Deadline],
    actions: Iterable[LeadAction],
    current_cycle: Cycle | None,
    chair_id: int | None,
    settings: ChaseSettings = ChaseSettings(),
) -> list[Chase]:
    """Every chase owed as of today, addressed to someone who can receive it. Nothing on a day
    that is not a working day (a weekend or bank holiday), and nothing once it is submitted."""
    if not is_working_day(today):
        return []
    by_id = {p.id: p for p in people}
    chasing = Chasing()

    for d in deadlines:
        for step, late in _due_steps(today, d.opens_on, d.due_on, d.submitted, settings):
            text = {
                "open": f"{d.what} is open. It is due {d.due_text}.",
                "before": f"{d.what} is due {d.due_text}.",
                "due": f"{d.what} is due today, {d.due_text}.",
            }.get(
                step,
                f"{d.what} is {late} working day{'s' if late != 1 else ''} late "
                f"(it was due {d.due_text}).",
            )
            base = Chase(d.owner_id, d.kind, d.period, step, text, d.link, subject=d.subject)
            chasing.add(base)
            if late:
                _escalations(chasing, by_id, d.owner_id, chair_id, late, base, settings)

    for action in actions:
        if current_cycle is not None and not action.updated_this_cycle:
            reminder_day = working_days_before(current_cycle.due_on, settings.remind_days_before)
            if today in (reminder_day, current_cycle.due_on):
                chasing.add(
                    Chase(
                        action.lead_id,
                        "action_update",
                        str(current_cycle.number),
                        f"{action.ref}-{'due' if today == current_cycle.due_on else 'before'}",
                        f"{action.ref} {action.title}: no update yet for cycle "
                        f"{current_cycle.number} (due {day_text(current_cycle.due_on)}).",
                        f"/actions/{action.ref}/update",
                    )
                )
        if action.target_date is not None:
            notice_day = working_days_before(action.target_date, settings.target_notice_days)
            if today == notice_day:
                chasing.add(
                    Chase(
                        action.lead_id,
                        "target_approaching",
                        action.ref,
                        "notice",
                        f"{action.ref} {action.title}: the target date is "
                        f"{day_text(action.target_date)}.",
                        f"/actions/{action.ref}",
                    )
                )
            if today > action.target_date and working_days_between(action.target_date, today) == 1:
                chasing.add(
                    Chase(
                        action.lead_id,
                        "target_passed",
                        action.ref,
                        "passed",
                        f"{action.ref} {action.title}: the target date "
                        f"{day_text(action.target_date)} has passed and the action is not closed.",
                        f"/actions/{action.ref}",
                    )
                )
        if action.stale and current_cycle is not None and today == current_cycle.opens_on:
            chasing.add(
                Chase(
                    action.lead_id,
                    "stale_update",
                    str(current_cycle.number),
                    action.ref,
                    f"{action.ref} {action.title}: the RAG and summary have not changed for "
                    f"{settings.stale_cycles} cycles, or the summary was pasted unchanged. "
                    "Say what has really happened in this cycle's update.",
                    f"/actions/{action.ref}/update",
                )
            )

    delivered = (_deliverable(c, by_id) for c in chasing.chases)
    return [c for c in delivered if c is not None]


def _deliverable(chase: Chase, people: dict[int, Person]) -> Chase | None:
    """A person with no email address, or who has left, is chased through their line manager."""
    person = people.get(chase.recipient_id)
    if person is None:
        return None
    if person.email and person.active:
        return chase
    manager = people.get(person.line_manager_id) if person.line_manager_id else None
    if manager is None or not manager.email or not manager.active:
        return None
    why = "has left" if not person.active else "has no email address"
    return Chase(
        recipient_id=manager.id,
        kind=chase.kind,
        period=chase.period,
        step=f"{chase.step}-for-{person.id}",
        text=chase.text,
        link=chase.link,
        about_id=chase.about_id or person.id,
        note=f"Sent to you because {person.name} {why}.",
        subject=chase.subject,
    )


def is_stale(updates: list[tuple[int | None, str | None, str]], cycles: int) -> bool:
    """The RAG and summary have not changed across the last `cycles` cycles' updates, or the
    latest summary repeats the one before it."""
    if len(updates) >= 2 and updates[-1][2].strip() == updates[-2][2].strip():
        return True
    last_per_cycle: dict[int, tuple[str | None, str]] = {}
    for cycle, rag, summary in updates:
        if cycle is not None:
            last_per_cycle[cycle] = (rag, summary.strip())
    recent = [last_per_cycle[c] for c in sorted(last_per_cycle)[-cycles:]]
    return len(recent) == cycles and len(set(recent)) == 1


def day_text(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def sef_due_date(month: str, working_day: int) -> date:
    """The SEF for `month` (YYYY-MM) is due on that month's `working_day`-th working day."""
    y, mo = (int(p) for p in month.split("-"))
    return add_working_days(date(y, mo, 1) - timedelta(days=1), working_day)
