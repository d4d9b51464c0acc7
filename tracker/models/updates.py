"""Fortnightly cycles and the append-only history of every change to an action."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.org import User, _in
from tracker.models.types import UTCDateTime

LIFECYCLES = (
    "not_started",
    "in_progress",
    "complete_awaiting_signoff",
    "closed_evidenced",
    "superseded",
)
RAGS = ("red", "amber", "green")
IMPACTS = ("not_yet_evidenced", "emerging", "evidenced")
CAUSES = ("person", "import", "scheduler")


class UpdateCycle(db.Model):
    __tablename__ = "update_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ActionUpdate(db.Model):
    """One change to one action. Rows are only ever added: the latest is the action's state."""

    __tablename__ = "action_update"
    __table_args__ = (
        CheckConstraint(_in("lifecycle", LIFECYCLES), name="lifecycle"),
        CheckConstraint(f"rag IS NULL OR {_in('rag', RAGS)}", name="rag"),
        CheckConstraint(_in("impact", IMPACTS), name="impact"),
        CheckConstraint(_in("cause", CAUSES), name="cause"),
        CheckConstraint(
            "(lifecycle IN ('closed_evidenced', 'superseded') AND rag IS NULL)"
            " OR (lifecycle NOT IN ('closed_evidenced', 'superseded') AND rag IS NOT NULL)",
            name="rag_while_open",
        ),
        db.UniqueConstraint("action_id", "version", name="uq_action_update_action_version"),
        # Covering indexes: the latest version as at a moment ('as at' views) and the last
        # version in each cycle (chasing) come from the index alone (migration 0007).
        Index("ix_action_update_action_recorded_version", "action_id", "recorded_at", "version"),
        Index("ix_action_update_action_cycle_version", "action_id", "cycle_id", "version"),
        # "What changed since": the history rows recorded in a window (migration 0010).
        Index("ix_action_update_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    # The action's version this update produced; unique per action, so two writers cannot both win.
    version: Mapped[int]
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("update_cycle.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    cause: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifecycle: Mapped[str] = mapped_column(String(32))
    rag: Mapped[str | None] = mapped_column(String(8))
    impact: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # "No change this fortnight": the last summary carried forward as this cycle's update.
    no_change: Mapped[bool] = mapped_column(default=False, server_default=false())

    author: Mapped[User | None] = relationship(lazy="raise")
    cycle: Mapped[UpdateCycle | None] = relationship(lazy="raise")


class ActionState(db.Model):
    """The current-state projection: one row per action, a copy of its latest ActionUpdate.

    Written in the same transaction as each history row (the history stays the source of truth,
    and `flask tracker projection rebuild` makes it again from history). Lists, counts and
    dashboards read it; views `as_at` a past date read the history."""

    __tablename__ = "action_state"
    __table_args__ = (
        CheckConstraint(_in("lifecycle", LIFECYCLES), name="lifecycle"),
        CheckConstraint(f"rag IS NULL OR {_in('rag', RAGS)}", name="rag"),
        CheckConstraint(_in("impact", IMPACTS), name="impact"),
        Index("ix_action_state_lifecycle_rag", "lifecycle", "rag"),
    )

    action_id: Mapped[int] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int]
    lifecycle: Mapped[str] = mapped_column(String(32))
    rag: Mapped[str | None] = mapped_column(String(8))
    impact: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    no_change: Mapped[bool] = mapped_column(default=False, server_default=false())
    cause: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # When the latest update was recorded, and the cycle it was recorded in.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("update_cycle.id"), index=True)
