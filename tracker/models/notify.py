"""What waits for a person's daily digest (decisions and changes to what they follow), and who
follows which action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime

MAIL_PREFERENCES = ("digest", "immediate")


class Notice(db.Model):
    """One thing to tell one person in their next digest. Its key (the event and the person)
    is unique, so a retry or a second writer never queues it twice; the digest that carries it
    holds an outbox item keyed "<person>|notice|<id>|0", which is how it goes out once."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ActionFollow(db.Model):
    """A person follows an action: its changes come in their digest."""

    __tablename__ = "action_follow"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
