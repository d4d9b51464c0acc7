"""Dates as people type them: `2025-03-27`, `27/3/2025` (day first, as in the UK) or
`27 Mar 2025`."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")

DATE_FORMAT_HINT = "a date like 27 March 2025, 27/3/2025 or 2025-03-27"


def parse_day(text: str) -> date:
    """The day a person typed, in one of the formats they use; ValueError naming the formats
    when it is not one of them or is not a real day (31 February)."""
    value = " ".join((text or "").strip().lower().split())
    year = month = day = None
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _SLASHED.fullmatch(value):
        day, month, year = (int(g) for g in match.groups())
    elif (match := _WORDS.fullmatch(value)) and match.group(2) in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    if year is None or month is None or day is None:
        raise ValueError(f"Enter {DATE_FORMAT_HINT}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"Enter a real date, {DATE_FORMAT_HINT}") from None


def as_at_problem(day: date, *, first_day: date | None, today: date) -> str | None:
    """Why the plan cannot be shown as it stood on `day`, in words, or None when it can: the
    plan has no history before its first recorded day, and the future has not happened."""
    if day > today:
        return (
            f"The date must be today ({_words(today)}) or earlier: the plan has no future history"
        )
    if first_day is not None and day < first_day:
        return f"The date must be on or after {_words(first_day)}, when the plan's history starts"
    return None


def _words(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
