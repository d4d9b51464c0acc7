"""Fortnightly update cycles on London working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tracker.domain.calendar import LONDON, next_working_day, previous_working_day

CYCLE_DAYS = 14
DEFAULT_DUE_TIME = time(12, 0)


@dataclass(frozen=True)
class Cycle:
    """One fortnight: the window, the day it opens and the moment returns are due."""

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


def build_cycle(first_start: date, number: int, due_time: time = DEFAULT_DUE_TIME) -> Cycle:
    """Cycle `number` (1-based): opens on the first working day of its fortnight and is due at
    `due_time` London on its last working day (a bank holiday moves it a working day earlier)."""
    if number < 1:
        raise ValueError("cycle numbers start at 1")
    window_start = first_start + timedelta(days=CYCLE_DAYS * (number - 1))
    window_end = window_start + timedelta(days=CYCLE_DAYS - 1)
    opens_on = next_working_day(window_start)
    due_on = previous_working_day(window_end)
    due_at = datetime.combine(due_on, due_time, tzinfo=LONDON)
    return Cycle(number, window_start, window_end, opens_on, due_on, due_at)


def cycle_number_for(first_start: date, day: date) -> int | None:
    """The number of the cycle whose window holds `day`, or None before the first cycle."""
    if day < first_start:
        return None
    return (day - first_start).days // CYCLE_DAYS + 1


def cycles_until(
    first_start: date, last_day: date, due_time: time = DEFAULT_DUE_TIME
) -> list[Cycle]:
    """Every cycle from the first up to the one holding `last_day`."""
    last = cycle_number_for(first_start, last_day)
    if last is None:
        return []
    return [build_cycle(first_start, n, due_time) for n in range(1, last + 1)]
