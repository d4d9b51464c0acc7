"""Governance meetings: who met, what they decided, who follows up, and the plan as presented."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

MEETING_KINDS = ("getting_to_good", "jsig", "cib")

meeting_attendee = Table(
    "meeting_attendee",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True, index=True),
)


class Meeting(db.Model):
    """One meeting. Its snapshot is written once, when it is recorded, and never changed."""

    __tablename__ = "meeting"
    __table_args__ = (CheckConstraint(_in("kind", MEETING_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # People who came but have no account (a partner's deputy, a guest), as typed.
    other_attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The recording form's one-time key: a double click (or two tabs) makes one meeting.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The plan as presented (tracker.services.governance.meeting_snapshot, versioned inside).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class MeetingDecision(db.Model):
    __tablename__ = "meeting_decision"
    __table_args__ = (
        db.UniqueConstraint("meeting_id", "position", name="uq_meeting_decision_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class MeetingFollowUp(db.Model):
    """Something a person is to do by a date, agreed at a meeting; marked done later."""

    __tablename__ = "meeting_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PackNote(db.Model):
    """One version of a meeting pack's covering note, written in the app by the chair or a group
    member. A new version is a new row: the note's history is kept with the meeting, never
    overwritten; the pack prints the latest."""

    __tablename__ = "pack_note"
    __table_args__ = (
        db.UniqueConstraint("meeting_id", "version", name="uq_pack_note_meeting_id_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
