"""Keeping the update cycles table ahead of the calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.domain.cycles import Schedule
from tracker.extensions import db
from tracker.models import UpdateCycle


def ensure_cycles(today: date, *, schedule: Schedule) -> int:
    """Create any missing cycle up to and including the one after today's. Adds to the current
    unit of work (the caller commits) and returns how many were added."""
    existing = set(db.session.execute(select(UpdateCycle.number)).scalars())
    added = 0
    for cycle in schedule.until(schedule.next_start(today)):
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
