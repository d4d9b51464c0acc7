"""Reading `as_at=YYYY-MM-DD` from the query string: the plan as it stood at the end of that day."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, request

from tracker.clock import end_of_london_day_utc


def parse_as_at(value: str | None) -> tuple[datetime | None, date | None]:
    """Raise ValueError with a readable message on a bad date."""
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("as_at must be a date in the format YYYY-MM-DD") from None
    return end_of_london_day_utc(day), day


def as_at_from_request() -> tuple[datetime | None, date | None]:
    try:
        return parse_as_at(request.args.get("as_at"))
    except ValueError:
        abort(400, description="as_at must be a date in the format YYYY-MM-DD, like 2016-01-20")
