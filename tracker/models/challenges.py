"""The challenge log: questions the board puts on an action or a locality's return, and every
step after (responses, acceptance, escalation). Append-only: a step is a new row; the challenge's
`status` and `last_step_at` are its latest step, kept beside it for lists and counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.domain.challenges import STEP_KINDS, Status
from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

CHALLENGE_STATUSES = tuple(s.value for s in Status)


class Challenge(db.Model):
    """One question, on an action (`action_id`) or on a locality's return for a cycle
    (`locality_id` and `cycle_id`), with who raised it and when."""

    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint(_in("status", CHALLENGE_STATUSES), name="status"),
        CheckConstraint(
            "(action_id IS NOT NULL AND locality_id IS NULL AND cycle_id IS NULL)"
            " OR (action_id IS NULL AND locality_id IS NOT NULL AND cycle_id IS NOT NULL)",
            name="on_action_or_return",
        ),
        Index("ix_challenge_locality_cycle", "locality_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("update_cycle.id"))
    question: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    # How many steps follow the question: a step is written only where this is unchanged, so
    # two people answering or deciding at once cannot both win.
    steps: Mapped[int] = mapped_column(default=0)
    last_step_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ChallengeStep(db.Model):
    """A response, an acceptance or an escalation (with its note), by whom and when."""

    __tablename__ = "challenge_step"
    __table_args__ = (
        CheckConstraint(_in("kind", STEP_KINDS), name="kind"),
        db.UniqueConstraint("challenge_id", "number", name="uq_challenge_step_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id"), index=True)
    # The challenge's action, when it is on an action (for search and the action's history).
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
