"""Reads for the admin pages."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AuditEvent, User


def list_audit_events(limit: int = 200) -> list[tuple[AuditEvent, str | None]]:
    """The newest audit events with the person's name, in one query."""
    return [
        (event, name)
        for event, name in db.session.execute(
            select(AuditEvent, User.name)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        ).all()
    ]
