"""Update cycles on London working days, from the rhythms an organisation has set.

A rhythm (domain/setup.py) says from which day returns are due every 1, 2 or 4 weeks or each
month, on which weekday and at what time. A schedule is the rhythms in the order they were set:
cycle 1 starts on the first rhythm's day, and each later rhythm takes over from its own start
day, so a change never moves a cycle that began before it.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tracker.domain.calendar import LONDON, next_working_day, previous_working_day
from tracker.domain.setup import WEEKS, Rhythm

CYCLE_DAYS = 14  # the default rhythm's window: two weeks
DEFAULT_DUE_TIME = time(12, 0)
FRIDAY = 4
MIN_WINDOW_DAYS = 7  # a window shorter than this between two rhythms joins the one before


@dataclass(frozen=True)
class Cycle:
    """One window: the day it opens and the moment returns are due."""

    number: int
    window_start: date
    window_end: date
    opens_on: date
    due_on: date
    due_at: datetime  # aware, Europe/London wall-clock

    @property
    def due_at_utc(self) -> datetime:
        return self.due_at.astimezone(UTC)

    def contains(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


def _natural_end(rhythm: Rhythm, start: date) -> date:
    if rhythm.every == "month":
        return date(start.year, start.month, _calendar.monthrange(start.year, start.month)[1])
    return start + timedelta(days=7 * WEEKS[rhythm.every] - 1)


def _due_on(start: date, end: date, weekday: int) -> date:
    """The rhythm's weekday in the window's last week (a working day earlier for a bank
    holiday), never before the window opens."""
    day = end
    while day.weekday() != weekday and day > max(start, end - timedelta(days=6)):
        day -= timedelta(days=1)
    if day.weekday() != weekday:
        day = end
    due = previous_working_day(day)
    return max(due, next_working_day(start)) if due < start else due


class Schedule:
    """The cycles the rhythms give, numbered from 1."""

    def __init__(self, rhythms: Sequence[Rhythm]) -> None:
        if not rhythms:
            raise ValueError("a schedule needs at least one rhythm")
        # Later rhythms take over from their start; one starting no later than an earlier one
        # replaces it.
        kept: list[Rhythm] = []
        for r in rhythms:
            while kept and kept[-1].starts_on >= r.starts_on:
                kept.pop()
            kept.append(r)
        self.rhythms: tuple[Rhythm, ...] = tuple(kept)
        self._cache: list[Cycle] = []

    @property
    def first_start(self) -> date:
        return self.rhythms[0].starts_on

    def _generate(self) -> Iterator[Cycle]:
        yield from self._cache
        number = len(self._cache) + 1
        start = self._cache[-1].window_end + timedelta(days=1) if self._cache else self.first_start
        while True:
            index = max(i for i, r in enumerate(self.rhythms) if r.starts_on <= start)
            rhythm = self.rhythms[index]
            end = _natural_end(rhythm, start)
            if index + 1 < len(self.rhythms):
                following = self.rhythms[index + 1].starts_on
                # The old rhythm stops the day before the next starts; a last window of less
                # than a week is not left on its own but joined to the one before.
                if following <= end or (following - end).days <= MIN_WINDOW_DAYS:
                    end = following - timedelta(days=1)
            due_on = _due_on(start, end, rhythm.due_weekday)
            cycle = Cycle(
                number,
                start,
                end,
                next_working_day(start),
                due_on,
                datetime.combine(due_on, rhythm.due_time, tzinfo=LONDON),
            )
            self._cache.append(cycle)
            yield cycle
            number += 1
            start = end + timedelta(days=1)

    def cycle(self, number: int) -> Cycle:
        if number < 1:
            raise ValueError("cycle numbers start at 1")
        for cycle in self._generate():
            if cycle.number == number:
                return cycle
        raise AssertionError("unreachable")  # pragma: no cover

    def number_for(self, day: date) -> int | None:
        """The number of the cycle whose window holds `day`, or None before the first."""
        if day < self.first_start:
            return None
        for cycle in self._generate():
            if cycle.contains(day):
                return cycle.number
        raise AssertionError("unreachable")  # pragma: no cover

    def until(self, last_day: date) -> list[Cycle]:
        """Every cycle from the first up to the one holding `last_day`."""
        last = self.number_for(last_day)
        return [] if last is None else [self.cycle(n) for n in range(1, last + 1)]

    def keeps(self, other: Schedule, day: date) -> bool:
        """Whether this schedule leaves every cycle up to the one holding `day` as `other`
        has it (a change may only touch the cycles to come)."""
        last = other.number_for(day)
        if last is None:
            return self.number_for(day) is None
        return all(self.cycle(n) == other.cycle(n) for n in range(1, last + 1))

    def next_start(self, day: date) -> date:
        """The first day of the cycle after the one holding `day` (the earliest a new rhythm
        may start: a change applies from the next cycle)."""
        number = self.number_for(day)
        if number is None:
            return self.first_start
        return self.cycle(number).window_end + timedelta(days=1)


def fortnightly(first_start: date, due_time: time = DEFAULT_DUE_TIME) -> Schedule:
    """The default rhythm: every two weeks from `first_start`, due on the last working day of
    the window's Friday (a working day earlier for a bank holiday)."""
    return Schedule([Rhythm("2w", first_start, FRIDAY, due_time)])


def as_schedule(value: date | Schedule, due_time: time = DEFAULT_DUE_TIME) -> Schedule:
    """A schedule, or the default fortnightly one from a start day (older callers and tests)."""
    return value if isinstance(value, Schedule) else fortnightly(value, due_time)


def build_cycle(
    first_start: date | Schedule, number: int, due_time: time = DEFAULT_DUE_TIME
) -> Cycle:
    """Cycle `number` (1-based) of the schedule (or of the fortnightly one from a start day)."""
    return as_schedule(first_start, due_time).cycle(number)


def cycle_number_for(first_start: date | Schedule, day: date) -> int | None:
    """The number of the cycle whose window holds `day`, or None before the first cycle."""
    return as_schedule(first_start).number_for(day)


def cycles_until(
    first_start: date | Schedule, last_day: date, due_time: time = DEFAULT_DUE_TIME
) -> list[Cycle]:
    """Every cycle from the first up to the one holding `last_day`."""
    return as_schedule(first_start, due_time).until(last_day)
