"""Reading `as_at` from the query string: the plan as it stood at the end of that day.

People type dates as they write them (`27/3/2025`, `27 Mar 2025`) as well as `2025-03-27`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, request

from tracker.clock import end_of_london_day_utc, today_london
from tracker.domain.dates import DATE_FORMAT_HINT, as_at_problem, parse_day
from tracker.http.requests import parse_as_at
from tracker.services.plan import queries

__all__ = ["AsAt", "as_at_from_request", "parse_as_at", "read_as_at"]

LONGEST = 40


@dataclass(frozen=True)
class AsAt:
    """What was asked for: the moment and day when understood, else the words saying why not."""

    text: str = ""
    moment: datetime | None = None
    day: date | None = None
    error: str | None = None


def read_as_at(plan: str | None = None) -> AsAt:
    """The `as_at` query value, checked against the history of the plan (of every plan when
    `plan` is None): one query when a date is given."""
    raw = (request.args.get("as_at") or "").strip()
    if not raw:
        return AsAt()
    # What is shown back in the box: never a NUL byte, never a page-long string.
    text = raw.replace("\x00", "")[:LONGEST]
    if text != raw:
        return AsAt(text=text, error=f"Enter {DATE_FORMAT_HINT}")
    try:
        day = parse_day(text)
    except ValueError as exc:
        return AsAt(text=text, error=str(exc))
    problem = as_at_problem(day, first_day=queries.get_history_start(plan), today=today_london())
    if problem:
        return AsAt(text=text, error=problem)
    return AsAt(text=text, moment=end_of_london_day_utc(day), day=day)


def as_at_from_request() -> tuple[datetime | None, date | None]:
    """For pages without a filter form: a date that is not understood is a 400 saying why."""
    as_at = read_as_at()
    if as_at.error:
        abort(400, description=f"As at: {as_at.error}")
    return as_at.moment, as_at.day
