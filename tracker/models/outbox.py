"""Every email the tracker means to send, and the chase items each one carries.

An item's key (recipient, kind, locality, period, step; no locality for an action's or a
challenge's) is unique, so a rerun or a second scheduler never
creates it twice; a message's key (recipient, run day) is unique, so a person gets at most one
digest per run.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

MESSAGE_STATUSES = ("pending", "sent", "failed")
ATTEMPT_OUTCOMES = ("sending", "sent", "failed", "crashed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (CheckConstraint(_in("status", MESSAGE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    run_day: Mapped[date] = mapped_column(Date, index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The sender holding this message while it talks to the SMTP server: set by one conditional
    # UPDATE (so two senders can never both hold it, on SQLite as on PostgreSQL), cleared after.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeliveryAttempt(db.Model):
    """One attempt to hand one message to the SMTP server, recorded before the server is asked:
    a sender killed mid-attempt leaves it 'sending', and the next sender counts it as crashed."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (
        CheckConstraint(_in("outcome", ATTEMPT_OUTCOMES), name="outcome"),
        db.UniqueConstraint("message_id", "number", name="uq_delivery_attempt_message_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    number: Mapped[int]
    sender: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="sending")
    error: Mapped[str] = mapped_column(Text, default="")


class OutboxItem(db.Model):
    __tablename__ = "outbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    about_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchedulerRun(db.Model):
    """One job's run for one London day: what lets a restarted scheduler catch up exactly once."""

    __tablename__ = "scheduler_run"
    __table_args__ = (db.UniqueConstraint("job_id", "run_day", name="uq_scheduler_run_job_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    run_day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    items: Mapped[int] = mapped_column(default=0)


class SchedulerHeartbeat(db.Model):
    """The running scheduler's last sign of life (one row): `/healthz` reads it."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    host: Mapped[str] = mapped_column(String(100), default="")
