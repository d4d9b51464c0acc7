"""Changes to the plan itself: edits to an action's fields and requests to move a target date.

Both are append-only histories beside `action_update` (which records an action's progress)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

EDIT_KINDS = ("added", "edited", "superseded")
EDIT_CAUSES = ("person", "import")
REQUEST_STATUSES = ("pending", "approved", "refused")


class ActionEdit(db.Model):
    """One change to one field of an action's plan entry (or the action's addition), with its
    reason: who, when, the old and new values, and whether a person or an import made it."""

    __tablename__ = "action_edit"
    __table_args__ = (
        CheckConstraint(_in("kind", EDIT_KINDS), name="kind"),
        CheckConstraint(_in("cause", EDIT_CAUSES), name="cause"),
        Index("ix_action_edit_action_recorded", "action_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    kind: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(32), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(String(16), default="person")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class TargetDateRequest(db.Model):
    """A lead's or head's request to move an action's target date, and a chair's decision."""

    __tablename__ = "target_date_request"
    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'pending' AND decided_at IS NULL)"
            " OR (status <> 'pending' AND decided_at IS NOT NULL)",
            name="decided_when_not_pending",
        ),
        # At most one pending request per action, whatever two people do at once.
        Index(
            "uq_target_date_request_one_pending",
            "action_id",
            unique=True,
            sqlite_where=db.text("status = 'pending'"),
            postgresql_where=db.text("status = 'pending'"),
        ),
        Index("ix_target_date_request_action_requested", "action_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    old_date: Mapped[date | None] = mapped_column(Date)
    new_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
