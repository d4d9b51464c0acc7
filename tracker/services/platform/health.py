"""Is the tracker well? The database answers, and the scheduler has been seen lately."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.models import SchedulerHeartbeat

HEARTBEAT_ID = 1
# The scheduler beats each time its outbox job runs; /healthz allows two beats and a minute.
HEARTBEAT_EVERY = timedelta(minutes=5)
HEARTBEAT_WITHIN = 2 * HEARTBEAT_EVERY + timedelta(minutes=1)


def beat(now: datetime) -> None:
    """The scheduler says it is alive (each run of its outbox job, every five minutes)."""
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
    if row is None:
        db.session.add(
            SchedulerHeartbeat(id=HEARTBEAT_ID, beat_at=now, host=socket.gethostname()[:100])
        )
    else:
        row.beat_at = now
        row.host = socket.gethostname()[:100]
    db.session.commit()


@dataclass(frozen=True)
class Health:
    database: bool
    scheduler_seen_at: datetime | None
    scheduler_fresh: bool

    @property
    def ok(self) -> bool:
        return self.database and self.scheduler_fresh


def check(now: datetime, within: timedelta = HEARTBEAT_WITHIN) -> Health:
    """Two statements: the database answers a SELECT 1, and the heartbeat is recent."""
    try:
        db.session.execute(text("SELECT 1"))
        seen = db.session.execute(
            select(SchedulerHeartbeat.beat_at).where(SchedulerHeartbeat.id == HEARTBEAT_ID)
        ).scalar_one_or_none()
    except SQLAlchemyError:
        db.session.rollback()
        return Health(False, None, False)
    return Health(True, seen, seen is not None and now - seen <= within)
