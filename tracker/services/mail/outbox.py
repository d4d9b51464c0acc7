"""Delivering the outbox over SMTP, with retries and back-off on failure.

What is promised, on SQLite and on PostgreSQL alike, however many senders run at once:

- **One sender at a time per message.** A sender claims a message with one conditional UPDATE
  (`claimed_by` set where it is still unclaimed and pending), checked by its row count, so two
  senders (two schedulers, or `tracker outbox send` beside the scheduler) never both deliver it.
- **Every attempt counts, even one cut short.** The attempt is recorded, counted and its back-off
  set, and committed, *before* the SMTP server is asked. If the sender is killed after the server
  accepted the message but before it was marked sent, the next sender finds the claim older than
  `CLAIM_LEASE`, records that attempt as crashed ("the server may have accepted it"), and tries
  again only after the back-off. After `MAX_ATTEMPTS` the message is marked failed, needing
  an administrator to check it (Admin > Outbox shows every attempt).

So delivery is *at least once* and *at most `MAX_ATTEMPTS` times*: a crash at the worst moment
can make a person receive a message twice, never an unbounded number of times. Each message
carries a Message-ID made from its outbox key, the same on every attempt, which lets a person or
an administrator recognise a repeat; mail servers do not merge duplicates by Message-ID.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser

from sqlalchemy import func, select, update

from tracker.extensions import db
from tracker.models import DeliveryAttempt, OutboxItem, OutboxMessage, User
from tracker.services.errors import NotFound
from tracker.services.platform.audit import add_event

MAX_ATTEMPTS = 8
# A claim older than this belongs to a sender that died mid-attempt (a live one finishes within
# its SMTP timeout): the attempt is counted as crashed and the message waits for its back-off.
CLAIM_LEASE = timedelta(minutes=5)
CRASHED = (
    "The sender stopped before this attempt finished: the mail server may or may not have "
    "accepted the message"
)
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


def add_message(
    *,
    key: str,
    run_day,
    recipient_id: int,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str,
    now: datetime,
    item: dict | None = None,
) -> OutboxMessage:
    """One message waiting in the outbox (pending, no attempt yet), in the caller's transaction,
    under its unique `key`; with `item`, the one item it carries (the item's kind, period, step,
    text and link), under the same key."""
    message = OutboxMessage(
        key=key,
        run_day=run_day,
        recipient_id=recipient_id,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        created_at=now,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
    )
    db.session.add(message)
    if item is not None:
        db.session.flush()
        db.session.add(
            OutboxItem(
                key=key,
                message_id=message.id,
                recipient_id=recipient_id,
                about_id=None,
                note="",
                created_at=now,
                **item,
            )
        )
    return message


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


def sender_name() -> str:
    """Who is sending, as recorded on claims and attempts: host, process and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _release_crashed(now: datetime) -> int:
    """Count the attempts of senders that died holding a claim, and free those messages (to wait
    for their back-off, or as failed after the last attempt). Conditional like a claim, so two
    senders doing this at once release each message once."""
    stale = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.claimed_by, OutboxMessage.attempts).where(
            OutboxMessage.claimed_by.is_not(None), OutboxMessage.claimed_at < now - CLAIM_LEASE
        )
    ).all()
    released = 0
    for message_id, sender, attempts in stale:
        done = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == sender)
            .values(
                claimed_by=None,
                claimed_at=None,
                last_error=CRASHED,
                status="failed" if attempts >= MAX_ATTEMPTS else OutboxMessage.status,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            db.session.execute(
                update(DeliveryAttempt)
                .where(
                    DeliveryAttempt.message_id == message_id,
                    DeliveryAttempt.sender == sender,
                    DeliveryAttempt.outcome == "sending",
                )
                .values(outcome="crashed", finished_at=now, error=CRASHED)
                .execution_options(synchronize_session=False)
            )
            released += 1
        db.session.commit()
    return released


def _claim_next(now: datetime, sender: str) -> tuple[OutboxMessage, DeliveryAttempt] | None:
    """Claim the next message due, count the attempt and set its back-off, and commit: all before
    the SMTP server is asked. None when nothing is due (or every candidate was just claimed by
    another sender)."""
    candidates = db.session.execute(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.claimed_by.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(20)
    ).scalars()
    for message_id in list(candidates):
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                OutboxMessage.claimed_by.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .values(claimed_by=sender, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()  # another sender has it
            continue
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        assert message is not None
        # If this attempt never finishes, the message waits this long before the next one.
        message.next_attempt_at = now + backoff(message.attempts)
        attempt = DeliveryAttempt(
            message_id=message.id, number=message.attempts, sender=sender, started_at=now
        )
        db.session.add(attempt)
        db.session.commit()
        return message, attempt
    db.session.rollback()
    return None


def send_pending(*, now: datetime, smtp: SmtpSettings, limit: int = 200) -> SendResult:
    """Send what is due, one message at a time: claimed and its attempt recorded (committed),
    handed to the SMTP server, then marked sent, or failed with the error and the time of the
    next attempt (committed). See the module's docstring for what this promises."""
    if not smtp.host:
        return SendResult(skipped_reason="no SMTP host configured: mail is kept in the outbox")
    result = SendResult()
    sender = sender_name()
    _release_crashed(now)
    connection: smtplib.SMTP | None = None
    try:
        for _ in range(limit):
            claimed = _claim_next(now, sender)
            if claimed is None:
                break
            message, attempt = claimed
            try:
                if connection is None:
                    connection = _connect(smtp)
                connection.send_message(build_email(message, smtp))
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{smtp.host}:{smtp.port}: {exc or exc.__class__.__name__}"
                _failed(message, attempt, now, error)
                result.failed += 1
                connection = _close(connection)
            else:
                message.status = "sent"
                message.sent_at = now
                message.last_error = ""
                attempt.outcome = "sent"
                attempt.finished_at = now
                result.sent += 1
            message.claimed_by = None
            message.claimed_at = None
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


def _failed(message: OutboxMessage, attempt: DeliveryAttempt, now: datetime, error: str) -> None:
    """The server refused or could not be reached: wait for the back-off set at the claim, or
    stop as failed after the last attempt."""
    message.last_error = error[:2000]
    attempt.outcome = "failed"
    attempt.finished_at = now
    attempt.error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"


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


# A one-time link (an invitation, a new password) works for whoever holds it: it goes to its
# person only, and nobody reading the outbox (an admin) sees it.
_ONE_TIME_LINK = re.compile(r"/invitations/[A-Za-z0-9_-]{16,}")
HIDDEN_LINK = "/invitations/[one-time link, hidden: only its person receives it]"


def hide_one_time_links(text: str) -> str:
    return _ONE_TIME_LINK.sub(HIDDEN_LINK, text)


@dataclass
class MessagePage:
    """A message as the admin reads it: one-time links hidden in the bodies and the links."""

    row: OutboxRow
    links: list[str]
    attempts: list[DeliveryAttempt]
    body_text: str = ""
    body_html: str = ""


def get_message(message_id: int) -> MessagePage:
    """One message as sent, with its recipient, items, links and every delivery attempt: three
    queries."""
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
    attempts = list(
        db.session.execute(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_id == message.id)
            .order_by(DeliveryAttempt.number)
        ).scalars()
    )
    return MessagePage(
        OutboxRow(message, name, items),
        [hide_one_time_links(link) for link in links_in(message.body_html)],
        attempts,
        hide_one_time_links(message.body_text),
        hide_one_time_links(message.body_html),
    )


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
