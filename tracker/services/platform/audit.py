"""Recording audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.extensions import db
from tracker.models import AuditEvent


def add_event(
    kind: str,
    *,
    now: datetime,
    user_id: int | None = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
    remote_addr: str = "",
) -> AuditEvent:
    """Add an event to the current unit of work (the calling service commits it)."""
    event = AuditEvent(
        occurred_at=now,
        user_id=user_id,
        kind=kind,
        target=target[:300],
        detail=detail or {},
        remote_addr=(remote_addr or "")[:64],
    )
    db.session.add(event)
    return event


def record_event(kind: str, *, now: datetime, **kwargs: Any) -> None:
    """Record a stand-alone event (a refusal, an export, a sign-out) and commit it."""
    db.session.rollback()
    add_event(kind, now=now, **kwargs)
    db.session.commit()
