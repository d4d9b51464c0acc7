"""Keeping the fortnightly cycles table ahead of the calendar."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from tracker.domain.cycles import CYCLE_DAYS, cycles_until
from tracker.extensions import db
from tracker.models import UpdateCycle


def ensure_cycles(today: date, *, cycle_start: date, due_time: time) -> int:
    """Create any missing cycle up to and including the one after today's. Adds to the current
    unit of work (the caller commits) and returns how many were added."""
    existing = set(db.session.execute(select(UpdateCycle.number)).scalars())
    added = 0
    for cycle in cycles_until(cycle_start, today + timedelta(days=CYCLE_DAYS), due_time):
        if cycle.number not in existing:
            db.session.add(
                UpdateCycle(
                    number=cycle.number,
                    opens_on=cycle.opens_on,
                    due_on=cycle.due_on,
                    due_at=cycle.due_at_utc,
                )
            )
            added += 1
    return added
