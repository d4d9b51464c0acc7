"""A locality head's fortnightly return and the drafts saved on the way to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

RETURN_STATUSES = ("draft", "submitted")


class LocalityReturn(db.Model):
    """One per locality per cycle: a draft until submitted, then the record of the submission."""

    __tablename__ = "locality_return"
    __table_args__ = (
        CheckConstraint(_in("status", RETURN_STATUSES), name="status"),
        db.UniqueConstraint("locality_id", "cycle_id", name="uq_locality_return_locality_cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("update_cycle.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    late: Mapped[bool] = mapped_column(default=False)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    draft_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A submitted return reopened for amendment until its deadline: the first submission stands
    # (submitted_at is never moved); each resubmission is recorded as an amendment.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReturnDraft(db.Model):
    """What was typed for one action in a return, kept until the return is submitted."""

    __tablename__ = "return_draft"
    __table_args__ = (
        db.UniqueConstraint("locality_return_id", "action_id", name="uq_return_draft_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_return_id: Mapped[int] = mapped_column(ForeignKey("locality_return.id"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    # The action's version when the form was drawn: a later change by someone else is a conflict.
    base_version: Mapped[int]
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
