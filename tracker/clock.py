"""The one place that reads the wall clock. Everything else is handed `today` or `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import current_app

from config import parse_today
from tracker.domain.calendar import LONDON


def now_utc() -> datetime:
    """The current moment in UTC. In demo mode it is the configured day at the real time of day."""
    real = datetime.now(UTC)
    configured = parse_today(current_app.config.get("TODAY"))
    if configured is None:
        return real
    london_time = real.astimezone(LONDON).timetz().replace(tzinfo=None)
    return datetime.combine(configured, london_time, tzinfo=LONDON).astimezone(UTC)


def real_now_utc() -> datetime:
    """The real moment, even in demo mode: for how long something has taken (an idle session),
    never for a date or time a person reads."""
    return datetime.now(UTC)


def today_london() -> date:
    """Today's date in Europe/London (the configured day in demo mode)."""
    configured = parse_today(current_app.config.get("TODAY"))
    if configured is not None:
        return configured
    return datetime.now(UTC).astimezone(LONDON).date()


def end_of_london_day_utc(day: date) -> datetime:
    """The last moment of a London day, in UTC: what `as_at=day` means."""
    return datetime.combine(day, time.max, tzinfo=LONDON).astimezone(UTC)


def is_fixed_today() -> bool:
    return parse_today(current_app.config.get("TODAY")) is not None
