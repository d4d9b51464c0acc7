"""When an API token stops working: a day its maker chooses (Europe/London), at most a year on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tracker.domain.calendar import LONDON

DEFAULT_DAYS = 90  # what the form offers: 90 days from today
# Tokens made before expiry existed were given a year from when they were made (migration 0020).
MIGRATED_DAYS = 365


def default_expiry(today: date) -> date:
    return today + timedelta(days=DEFAULT_DAYS)


def latest_expiry(today: date) -> date:
    """A year from today: the same day next year (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def expiry_problem(day: date, *, today: date) -> str | None:
    """Why a token cannot expire on `day`, or None: today or later, and at most a year on."""
    if day < today:
        return f"The expiry date must be today ({_words(today)}) or later"
    latest = latest_expiry(today)
    if day > latest:
        return f"The expiry date must be {_words(latest)} or earlier: a token lasts at most a year"
    return None


def expires_at(day: date) -> datetime:
    """The last moment (UTC) a token expiring on `day` works: the end of that London day."""
    return datetime.combine(day, time.max, tzinfo=LONDON).astimezone(UTC)


def expiry_day(moment: datetime) -> date:
    """The London day a token's last moment falls on."""
    return moment.astimezone(LONDON).date()


def _words(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
