"""Delivering the outbox over SMTP: each message once, with retries and back-off on failure.

Delivery is at least once at the SMTP level with a stable Message-ID built from the outbox key:
if the process dies after the server accepted a message but before it was marked sent, the
retry carries the same Message-ID, so mail systems (and the tests) see one message, not two.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import OutboxItem, OutboxMessage, User
from tracker.services.audit import add_event
from tracker.services.errors import NotFound

MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(minutes=2)
BACKOFF_CAP = timedelta(hours=6)


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int
    starttls: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float = 10.0

    @classmethod
    def from_mapping(cls, cfg) -> SmtpSettings:
        return cls(
            cfg.get("SMTP_HOST"),
            int(cfg.get("SMTP_PORT") or 25),
            bool(cfg.get("SMTP_STARTTLS")),
            cfg.get("SMTP_USERNAME"),
            cfg.get("SMTP_PASSWORD"),
            cfg.get("MAIL_FROM") or "tracker@localhost",
        )


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    skipped_reason: str = ""


def message_id_for(message: OutboxMessage, sender: str) -> str:
    """The same outbox key always gives the same Message-ID."""
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:24]
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    return f"<outbox.{digest}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... minutes, at most six hours."""
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def build_email(message: OutboxMessage, smtp: SmtpSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id_for(message, smtp.sender)
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


def _next_due(now: datetime) -> OutboxMessage | None:
    """Claim the next message due: locked, so a second sender skips it (PostgreSQL)."""
    return db.session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()


def send_pending(*, now: datetime, smtp: SmtpSettings, limit: int = 200) -> SendResult:
    """Send what is due, one message per transaction: claimed, sent, then marked sent (or
    failed, with the error and the time of the next attempt), so a crash loses nothing."""
    if not smtp.host:
        return SendResult(skipped_reason="no SMTP host configured: mail is kept in the outbox")
    result = SendResult()
    connection: smtplib.SMTP | None = None
    try:
        for _ in range(limit):
            message = _next_due(now)
            if message is None:
                break
            try:
                if connection is None:
                    connection = _connect(smtp)
                connection.send_message(build_email(message, smtp))
            except (OSError, smtplib.SMTPException) as exc:
                _failed(message, now, f"{smtp.host}:{smtp.port}: {exc or exc.__class__.__name__}")
                result.failed += 1
                connection = _close(connection)
            else:
                message.status = "sent"
                message.sent_at = now
                message.attempts += 1
                message.last_error = ""
                result.sent += 1
            db.session.commit()
        db.session.commit()
    finally:
        _close(connection)
    return result


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.quit()
    return None


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    connection = smtplib.SMTP(smtp.host or "", smtp.port, timeout=smtp.timeout)
    if smtp.starttls:
        connection.starttls()
    if smtp.username:
        connection.login(smtp.username, smtp.password or "")
    return connection


def _failed(message: OutboxMessage, now: datetime, error: str) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    else:
        message.next_attempt_at = now + backoff(message.attempts)


@dataclass
class OutboxRow:
    message: OutboxMessage
    recipient_name: str
    items: list[OutboxItem]


def list_outbox(status: str | None = None, limit: int = 200, offset: int = 0) -> list[OutboxRow]:
    """Messages newest first with their items and recipient: three queries."""
    query = select(OutboxMessage, User.name).join(User, User.id == OutboxMessage.recipient_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    query = query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    rows = db.session.execute(query).all()
    ids = [m.id for m, _ in rows]
    items: dict[int, list[OutboxItem]] = {i: [] for i in ids}
    if ids:
        for item in db.session.execute(
            select(OutboxItem).where(OutboxItem.message_id.in_(ids)).order_by(OutboxItem.id)
        ).scalars():
            items[item.message_id].append(item)
    return [OutboxRow(m, name, items[m.id]) for m, name in rows]


def count_outbox(status: str | None = None) -> int:
    """How many messages `list_outbox` pages through: one query."""
    query = select(func.count()).select_from(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    return db.session.execute(query).scalar_one()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href not in self.links:
                self.links.append(href)


def links_in(html: str) -> list[str]:
    """Every link a message's HTML body carries, once each, in order."""
    parser = _Links()
    parser.feed(html)
    return parser.links


@dataclass
class MessagePage:
    row: OutboxRow
    links: list[str]


def get_message(message_id: int) -> MessagePage:
    """One message as sent, with its recipient, items and links: two queries."""
    found = (
        db.session.execute(
            select(OutboxMessage, User.name)
            .join(User, User.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.id == message_id)
        ).one_or_none()
        if 0 < message_id < 2**31
        else None
    )
    if found is None:
        raise NotFound(f"no outbox message {message_id}")
    message, name = found
    items = list(
        db.session.execute(
            select(OutboxItem).where(OutboxItem.message_id == message.id).order_by(OutboxItem.id)
        ).scalars()
    )
    return MessagePage(OutboxRow(message, name, items), links_in(message.body_html))


class NotResendable(Exception):
    """Only a failed message is sent again."""


def resend_message(message_id: int, *, actor_id: int, now: datetime) -> OutboxMessage:
    """Make a failed message pending again: the sender's next run makes a new attempt of the same
    message (same key and Message-ID), so nobody gets two copies of one that was delivered."""
    message = db.session.get(OutboxMessage, message_id) if 0 < message_id < 2**31 else None
    if message is None:
        raise NotFound(f"no outbox message {message_id}")
    if message.status != "failed":
        raise NotResendable(f"This message is {message.status}: only a failed message is resent")
    message.status = "pending"
    message.next_attempt_at = now
    add_event(
        "outbox_resent",
        now=now,
        user_id=actor_id,
        target=message.to_address,
        detail={"message_id": message.id, "attempts": message.attempts},
    )
    db.session.commit()
    return message
