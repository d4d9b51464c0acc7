"""Telling people of decisions: a target-date request decided, an action signed off or returned,
a meeting's follow-ups. Written through the outbox (tracker/services/outbox.py sends it, with its
delivery promises), in the caller's transaction: a decision that fails, or is rolled back, writes
no mail. Each person is told once per decision: the message's key names the decision and the
person, and the outbox's keys are unique, so a retry or a second chair can never write it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import Action, OutboxItem, OutboxMessage, Plan, User


@dataclass(frozen=True)
class Notice:
    """One decision, as told to everyone concerned."""

    key: str  # names the decision: "kind|id|..."; the person's id is added per message
    kind: str  # e.g. "target_date_approved", "action_signed_off", "follow_up"
    subject: str
    lines: tuple[str, ...]  # the body, a paragraph a line
    link: str  # a path, e.g. "/actions/MAP-001"


def locality_heads(locality_ids: Iterable[int | None]) -> list[int]:
    """The active heads of these localities: one query."""
    ids = sorted({i for i in locality_ids if i})
    if not ids:
        return []
    return list(
        db.session.execute(
            select(User.id)
            .where(
                User.role == "locality_head",
                User.locality_id.in_(ids),
                User.active.is_(True),
            )
            .order_by(User.id)
        ).scalars()
    )


def head_for_action(action_id: int) -> list[int]:
    """The head of the action's locality: its plan's locality, or (on the main plan) its lead's.
    One query."""
    row = db.session.execute(
        select(Plan.locality_id, User.locality_id)
        .select_from(Action)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(User, User.id == Action.lead_user_id)
        .where(Action.id == action_id)
    ).first()
    if row is None:
        return []
    return locality_heads([row[0] or row[1]])


def tell(notice: Notice, recipients: Iterable[int | None], *, now: datetime) -> int:
    """Write one message (with one item) to each person told, in the caller's transaction (no
    commit). People who have left or have no address are skipped; a person already told of this
    decision is not told again. Returns how many messages were written."""
    wanted = list(dict.fromkeys(r for r in recipients if r))
    if not wanted:
        return 0
    people = db.session.execute(
        select(User.id, User.name, User.email)
        .where(User.id.in_(wanted), User.active.is_(True), User.email.is_not(None))
        .order_by(User.id)
    ).all()
    keys = {pid: f"{notice.key}|{pid}"[:200] for pid, _, _ in people}
    if not keys:
        return 0
    done = set(
        db.session.execute(
            select(OutboxMessage.key).where(OutboxMessage.key.in_(list(keys.values())))
        ).scalars()
    )
    base_url = current_app.config["BASE_URL"].rstrip("/")
    env = current_app.jinja_env
    day = now.astimezone(LONDON).date()
    written = 0
    for person_id, name, email in people:
        key = keys[person_id]
        if key in done:
            continue
        values = {"name": name, "notice": notice, "link": f"{base_url}{notice.link}"}
        message = OutboxMessage(
            key=key,
            run_day=day,
            recipient_id=person_id,
            to_address=email,
            subject=notice.subject[:300],
            body_text=env.get_template("email/notice.txt").render(**values),
            body_html=env.get_template("email/notice.html").render(**values),
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_error="",
        )
        db.session.add(message)
        db.session.flush()
        db.session.add(
            OutboxItem(
                key=key,
                message_id=message.id,
                recipient_id=person_id,
                kind=notice.kind[:64],
                period=day.isoformat(),
                step="0",
                text=notice.subject[:2000],
                link=notice.link[:300],
                about_id=None,
                note="",
                created_at=now,
            )
        )
        written += 1
    db.session.flush()
    return written
