"""Telling people of decisions: a target-date request decided, an action signed off or returned,
a meeting's follow-ups. Written through the outbox (services/mail/outbox.py sends it, with its
delivery promises), in the caller's transaction: a decision that fails, or is rolled back, writes
no mail. Each person is told once per decision: the message's key names the decision and the
person, and the outbox's keys are unique, so a retry or a second chair can never write it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.calendar_feed import REMINDER_CHOICES
from tracker.domain.chasing import Chase
from tracker.domain.states import Lifecycle
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionFollow,
    ActionUpdate,
    OutboxItem,
    OutboxMessage,
    Plan,
    User,
)
from tracker.models import Notice as QueuedNotice
from tracker.models.notify import MAIL_PREFERENCES
from tracker.services.errors import NotFound
from tracker.services.mail import outbox
from tracker.services.plan.updates import Rejected
from tracker.services.platform.audit import add_event


@dataclass(frozen=True)
class Notice:
    """One decision, as told to everyone concerned."""

    key: str  # names the decision: "kind|id|..."; the person's id is added per message
    kind: str  # e.g. "target_date_approved", "action_signed_off", "follow_up"
    subject: str
    lines: tuple[str, ...]  # the body, a paragraph a line
    link: str  # a path, e.g. "/actions/AP-001"

    @property
    def digest_text(self) -> str:
        """The line in a digest: the subject and what was decided."""
        return " ".join([self.subject + ":", *self.lines[1:]]) if self.lines else self.subject


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
    """Tell each person of one event: see `tell_each`."""
    return tell_each([(notice, recipients)], now=now)


def tell_each(events: Iterable[tuple[Notice, Iterable[int | None]]], *, now: datetime) -> int:
    """Tell each event's people, in the caller's transaction (no commit): a message now (with
    one item) to those who chose immediate mail, a line queued for the daily digest to the
    rest. People who have left or have no address are skipped; a person already told of an
    event is not told again. Three statements for the reads, however many events and people.
    Returns how many were told."""
    pairs = [(n, list(dict.fromkeys(r for r in rs if r))) for n, rs in events]
    wanted = sorted({r for _, rs in pairs for r in rs})
    if not wanted:
        return 0
    people = {
        p.id: p
        for p in db.session.execute(
            select(User.id, User.name, User.email, User.mail_preference).where(
                User.id.in_(wanted), User.active.is_(True), User.email.is_not(None)
            )
        ).all()
    }
    todo = [
        (notice, people[r], f"{notice.key}|{r}"[:200])
        for notice, rs in pairs
        for r in sorted(rs)
        if r in people
    ]
    if not todo:
        return 0
    keys = [key for _, _, key in todo]
    done = set(
        db.session.execute(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))).scalars()
    ) | set(
        db.session.execute(select(QueuedNotice.key).where(QueuedNotice.key.in_(keys))).scalars()
    )
    told = 0
    for notice, person, key in todo:
        if key in done:
            continue
        done.add(key)
        if person.mail_preference == "immediate":
            _mail_now(notice, key, person.id, person.name, person.email, now=now)
        else:
            db.session.add(
                QueuedNotice(
                    key=key,
                    recipient_id=person.id,
                    kind=notice.kind[:64],
                    text=notice.digest_text[:4000],
                    link=notice.link[:300],
                    created_at=now,
                )
            )
        told += 1
    db.session.flush()
    return told


def _mail_now(
    notice: Notice, key: str, person_id: int, name: str, email: str, *, now: datetime
) -> None:
    base_url = current_app.config["BASE_URL"].rstrip("/")
    env = current_app.jinja_env
    day = now.astimezone(LONDON).date()
    values = {"name": name, "notice": notice, "link": f"{base_url}{notice.link}"}
    outbox.add_message(
        key=key,
        run_day=day,
        recipient_id=person_id,
        to_address=email,
        subject=notice.subject[:300],
        body_text=env.get_template("email/notice.txt").render(**values),
        body_html=env.get_template("email/notice.html").render(**values),
        now=now,
        item={
            "kind": notice.kind[:64],
            "period": day.isoformat(),
            "step": "0",
            "text": notice.subject[:2000],
            "link": notice.link[:300],
        },
    )


# -- the daily digest -------------------------------------------------------------------------

DIGEST_WINDOW = timedelta(days=30)  # a notice older than this that never went out is dropped


def digest_chases(today: date) -> list[Chase]:
    """Every queued notice not yet carried by a digest, as the chase it becomes in today's
    digest (its item key names the notice, so it goes out once): one statement."""
    start = datetime.combine(today - DIGEST_WINDOW, time(0), tzinfo=LONDON)
    item_key = (
        cast(QueuedNotice.recipient_id, String)
        + literal("|notice|")
        + cast(QueuedNotice.id, String)
        + literal("|0")
    )
    rows = db.session.execute(
        select(QueuedNotice)
        .where(
            QueuedNotice.created_at >= start,
            ~exists().where(OutboxItem.key == item_key),
        )
        .order_by(QueuedNotice.id)
    ).scalars()
    return [
        Chase(
            recipient_id=n.recipient_id,
            kind="notice",
            period=str(n.id),
            step="0",
            text=n.text,
            link=n.link,
        )
        for n in rows
    ]


# -- each person's choice -------------------------------------------------------------------------

PREFERENCE_LABELS = {
    "digest": "In my daily digest (one email a day at most, only when there is something)",
    "immediate": "By email straight away, one email each time",
}


def set_mail_preference(
    user_id: int,
    preference: str,
    *,
    now: datetime,
    remote_addr: str = "",
    reminder: str | None = None,
) -> None:
    """Immediate mail or the daily digest, and (when given) how many days before a deadline the
    calendar feed reminds them; committed once, with an audit event for each change."""
    errors = {}
    if preference not in MAIL_PREFERENCES:
        errors["preference"] = "Choose how you want to be told"
    if reminder not in (None, "") and reminder not in {str(d) for d in REMINDER_CHOICES}:
        errors["reminder"] = "Choose when your calendar reminds you of a deadline"
    if errors:
        raise Rejected(errors)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No person {user_id}")
    if reminder not in (None, "") and user.reminder_days != int(reminder):
        user.reminder_days = int(reminder)
        add_event(
            "calendar_reminder_set",
            now=now,
            user_id=user_id,
            target=user.email or user.name,
            detail={"days": user.reminder_days},
            remote_addr=remote_addr,
        )
    if user.mail_preference != preference:
        user.mail_preference = preference
        add_event(
            "mail_preference_set",
            now=now,
            user_id=user_id,
            target=user.email or user.name,
            detail={"preference": preference},
            remote_addr=remote_addr,
        )
    db.session.commit()


# -- following actions ----------------------------------------------------------------------------


def _action_id(ref: str) -> int:
    found = db.session.execute(
        select(Action.id).where(Action.ref == (ref or "")[:32])
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No action {ref}")
    return found


def is_following(user_id: int | None, action_id: int) -> bool:
    """One query."""
    if user_id is None:
        return False
    return (
        db.session.execute(
            select(ActionFollow.action_id).where(
                ActionFollow.user_id == user_id, ActionFollow.action_id == action_id
            )
        ).first()
        is not None
    )


def add_follow(user_id: int, action_id: int, *, now: datetime) -> bool:
    """Follow an action, in the caller's transaction (no commit); nothing when already
    following (also when another request added it a moment ago: the row's key is unique).
    Returns whether this call added it."""
    if is_following(user_id, action_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ActionFollow(user_id=user_id, action_id=action_id, created_at=now))
    except IntegrityError:
        return False
    return True


def follow(user_id: int, ref: str, *, now: datetime) -> bool:
    """Follow an action: its changes come in the person's digest. Committed once."""
    added = add_follow(user_id, _action_id(ref), now=now)
    db.session.commit()
    return added


def unfollow(user_id: int, ref: str) -> bool:
    """Stop following an action. Committed once."""
    gone = db.session.execute(
        delete(ActionFollow).where(
            ActionFollow.user_id == user_id, ActionFollow.action_id == _action_id(ref)
        )
    )
    db.session.commit()
    return gone.rowcount > 0


@dataclass(frozen=True)
class Followed:
    ref: str
    title: str
    since: datetime


def list_followed(user_id: int) -> list[Followed]:
    """The actions a person follows, by ref: one query."""
    rows = db.session.execute(
        select(Action.ref, Action.title, ActionFollow.created_at)
        .join(ActionFollow, ActionFollow.action_id == Action.id)
        .where(ActionFollow.user_id == user_id)
        .order_by(Action.ref)
    ).all()
    return [Followed(r.ref, r.title, r.created_at) for r in rows]


_AUTHOR = aliased(User)  # an update's author beside its follower: built once, not per query


FOLLOW_WINDOW = timedelta(days=7)  # changes older than this are not sent to a new follower


def following_chases(today: date) -> list[Chase]:
    """Each change to a followed action (an update, a sign-off, a return's entry) by someone
    else, recorded after the person began following it, in the last week, as a line in their
    digest: keyed by the action's version, so each goes once. One statement."""
    start = datetime.combine(today - FOLLOW_WINDOW, time(0), tzinfo=LONDON)
    rows = db.session.execute(
        select(
            ActionFollow.user_id,
            Action.ref,
            ActionUpdate.version,
            ActionUpdate.lifecycle,
            ActionUpdate.rag,
            ActionUpdate.summary,
            _AUTHOR.name,
        )
        .join(Action, Action.id == ActionFollow.action_id)
        .join(ActionUpdate, ActionUpdate.action_id == Action.id)
        .join(User, User.id == ActionFollow.user_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == ActionUpdate.author_id)
        .where(
            User.active.is_(True),
            ActionUpdate.recorded_at >= start,
            ActionUpdate.recorded_at >= ActionFollow.created_at,
            or_(ActionUpdate.author_id.is_(None), ActionUpdate.author_id != ActionFollow.user_id),
        )
        .order_by(ActionFollow.user_id, Action.ref, ActionUpdate.version)
    ).all()
    out = []
    for user_id, ref, version, lifecycle, rag, summary, by in rows:
        state = Lifecycle(lifecycle).label if lifecycle else ""
        if rag:
            state += f", {rag}"
        said = summary if len(summary) <= 120 else summary[:119] + "\u2026"
        out.append(
            Chase(
                recipient_id=user_id,
                kind="following",
                period=ref,
                step=f"v{version}",
                text=(
                    f"{ref}, which you follow, changed: {state}"
                    f"{f' ({by})' if by else ''}{f': {said}' if said else ''}"
                ),
                link=f"/actions/{ref}",
            )
        )
    return out
