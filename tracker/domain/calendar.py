"""Working days in England and Wales: no weekends, no bank holidays (observed days included)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holiday_names(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(_bank_holiday_names(year))


def bank_holiday_name(day: date) -> str | None:
    """The holiday's name ("Boxing Day (observed)"), or None on an ordinary day."""
    return _bank_holiday_names(day.year).get(day)


def is_bank_holiday(day: date) -> bool:
    """True on an England and Wales bank holiday, including a substitute (observed) day."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """A working day is Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (start itself is day 0, not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def previous_working_day(day: date) -> date:
    """The latest working day on or before `day`."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date) -> date:
    """The earliest working day on or after `day`."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def bank_holidays_skipped(start: date, end: date) -> list[date]:
    """The weekday bank holidays after `start` up to and including `end`: the days a count of
    working days steps over that a count of weekdays would not (a holiday on a Saturday is not
    one; its substitute Monday is)."""
    days = []
    day = start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and is_bank_holiday(day):
            days.append(day)
    return days
