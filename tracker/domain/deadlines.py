"""The statutory deadline: the action plan goes to Ofsted within 70 working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tracker.domain.calendar import (
    add_working_days,
    bank_holiday_name,
    bank_holidays_skipped,
    working_days_between,
)

RESPONSE_WORKING_DAYS = 70
# A count of working days beyond this (about four years) is a typing slip, not a deadline.
MAX_WORKING_DAYS = 1000
# The calendar the bank holidays are known for; a start outside it is a typing slip too.
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2099, 12, 31)


class DeadlineAnchor(StrEnum):
    PUBLICATION = "publication"
    RECEIPT = "receipt"


@dataclass(frozen=True)
class ResponseDeadline:
    anchor: DeadlineAnchor
    anchor_date: date
    working_days: int
    due: date

    def working_days_left(self, today: date) -> int:
        return working_days_between(today, self.due)

    @property
    def bank_holidays_skipped(self) -> list[tuple[date, str]]:
        """The weekday bank holidays the count stepped over, with their names."""
        return _named_holidays(self.anchor_date, self.due)


@dataclass(frozen=True)
class WorkingDayCount:
    """A count of working days from any date: what the CLI and the API's calculator answer."""

    start: date
    working_days: int
    due: date

    @property
    def bank_holidays_skipped(self) -> list[tuple[date, str]]:
        return _named_holidays(self.start, self.due)

    def working_days_left(self, today: date) -> int:
        return working_days_between(today, self.due)


def _named_holidays(start: date, end: date) -> list[tuple[date, str]]:
    return [
        (day, bank_holiday_name(day) or "Bank holiday") for day in bank_holidays_skipped(start, end)
    ]


def working_days_after(start: date, working_days: int) -> WorkingDayCount:
    """`working_days` working days after `start`, weekends and England and Wales bank holidays
    skipped: the count is 1 to MAX_WORKING_DAYS, else ValueError saying so."""
    check_working_days(working_days)
    if not EARLIEST_START <= start <= LATEST_START:
        first, last = EARLIEST_START.isoformat(), LATEST_START.isoformat()
        raise ValueError(f"the start date must be from {first} to {last}")
    return WorkingDayCount(start, working_days, add_working_days(start, working_days))


def weekdays_only_after(start: date, working_days: int) -> date:
    """The wrong answer a spreadsheet gives: weekends skipped, bank holidays counted as working
    days. Shown beside the right one so nobody works from it."""
    day, remaining = start, working_days
    while remaining:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def check_working_days(working_days: int) -> None:
    """A deadline counts at least one working day and at most MAX_WORKING_DAYS."""
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be a whole number from 1 to {MAX_WORKING_DAYS}")


def plan_submission_problem(submitted_on: date, *, published: date, today: date) -> str | None:
    """Why a plan cannot have been sent to Ofsted on `submitted_on`, in words, or None: not in
    the future, and not before the report it answers was published."""
    if submitted_on > today:
        return "The date the plan was sent must be today or in the past"
    if submitted_on < published:
        return (
            "The date the plan was sent must be on or after "
            f"{published.day} {published.strftime('%B %Y')}, when the report was published"
        )
    return None


def response_deadline(
    *,
    published: date,
    received: date | None,
    anchor: DeadlineAnchor | str,
    working_days: int = RESPONSE_WORKING_DAYS,
) -> ResponseDeadline:
    """70 working days from the report's publication or receipt, whichever the setting names."""
    anchor = DeadlineAnchor(anchor)
    if anchor is DeadlineAnchor.RECEIPT:
        if received is None:
            raise ValueError("the deadline is anchored on receipt but no receipt date is recorded")
        start = received
    else:
        start = published
    return ResponseDeadline(anchor, start, working_days, add_working_days(start, working_days))
