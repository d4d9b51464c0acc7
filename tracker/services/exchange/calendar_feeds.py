"""Each person's private calendar feed: making, resetting and turning off its secret link, and
the feed itself: what concerns them. Everyone: the statutory deadline, the target dates of the
actions they lead (or their agency's, for a partner agency) or follow, and the meetings they
attend (recorded, and the group's usual days ahead). A locality head or deputy: their
locality's returns and SEFs. Chairs, admins and the group's members: every meeting and every
locality's returns. Deadlines carry the person's reminder (VALARM).

Only the link's SHA-256 hash is stored, and a link is found by looking its hash up: a wrong or
revoked link costs the same one query as a live one and gets the same answer as any other bad
link. One that is not even shaped like a link (its shape is no secret) is refused before any
query. A feed runs a fixed number of statements however many actions, cycles and months it holds.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, case, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from tracker.domain import calendar_feed as feed_rules
from tracker.domain import meetings as meeting_rules
from tracker.domain import sef as sef_rules
from tracker.domain.calendar import LONDON
from tracker.domain.meetings import MeetingKind
from tracker.domain.permissions import Permission, Role, Target, can, sees_every_meeting
from tracker.domain.setup import MeetingDays
from tracker.domain.states import CLOSED
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionFollow,
    ActionState,
    CalendarFeed,
    Locality,
    LocalityReturn,
    Meeting,
    Organisation,
    SefVersion,
    UpdateCycle,
    User,
    action_partner,
    meeting_attendee,
)
from tracker.services.access.auth import actor_of
from tracker.services.access.settings import current as current_setup
from tracker.services.errors import NotFound
from tracker.services.plan.home import LEAD_BODIES
from tracker.services.platform.audit import add_event
from tracker.services.reads.recommendations import get_deadline, get_inspection

# What secrets.token_urlsafe(32) makes: 43 URL-safe characters. Anything else names no feed,
# and is answered without a query (the same 404 as a wrong or revoked link).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class FeedStatus:
    """A person's live link (never the link itself: only its hash is kept)."""

    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class FeedSettings:
    base_url: str
    sef_first_month: str
    sef_due_working_day: int
    deadline_anchor: str = "publication"
    sef_enabled: bool = True  # no monthly self-evaluation asked: no SEF due days
    # Each inspection framework's working days (TRACKER_DEADLINE_DAYS_*); 70 where none given.
    deadline_days: dict[str, int] = field(default_factory=dict)


# How far ahead a feed shows a group's usual meeting days.
PLANNED_MONTHS = 3


def get_feed_status(user_id: int) -> FeedStatus | None:
    """The person's live feed, if they have one."""
    row = db.session.execute(
        select(CalendarFeed.created_at, CalendarFeed.last_used_at).where(
            CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    return FeedStatus(*row) if row else None


def _revoke_live(user_id: int, now: datetime) -> int:
    return db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"no person {user_id}")
    return user


def make_feed(user_id: int, *, now: datetime, remote_addr: str = "") -> str:
    """A new secret link for the person; their old one, if any, stops working at once. The
    link is returned to be shown once: only its hash is kept."""
    for attempt in (1, 2):
        user = _person(user_id)
        replaced = _revoke_live(user.id, now)
        token = secrets.token_urlsafe(32)
        db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=now))
        add_event(
            "calendar_feed_reset" if replaced else "calendar_feed_created",
            now=now,
            user_id=user.id,
            target=user.email or user.name,
            detail={"person_id": user.id, "revoked": replaced},
            remote_addr=remote_addr,
        )
        try:
            db.session.commit()
        except IntegrityError:  # another request made one at the same moment: replace it
            db.session.rollback()
            if attempt == 2:
                raise
        else:
            return token
    raise AssertionError("unreachable")  # pragma: no cover


def turn_off_feed(user_id: int, *, now: datetime, remote_addr: str = "") -> bool:
    """Revoke the person's link: calendars subscribed to it get 404 from now on. False when
    there was none (nothing is recorded then)."""
    user = _person(user_id)
    revoked = _revoke_live(user.id, now)
    if not revoked:
        db.session.rollback()
        return False
    add_event(
        "calendar_feed_revoked",
        now=now,
        user_id=user.id,
        target=user.email or user.name,
        detail={"person_id": user.id},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return True


# --- the feed ------------------------------------------------------------------------------


def _find_live(token: str) -> CalendarFeed | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    feed = db.session.execute(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if feed is None or not feed.user.active:
        return None
    return feed


def is_partner_agency(user: User) -> bool:
    """A partner agency's people share their agency's actions; others have the ones they lead."""
    return user.organisation.kind not in LEAD_BODIES


def _mine(user: User):
    """The person's actions: as their home page counts them (the actions they lead, or for a
    partner agency's people every action their organisation leads or partners on), and the
    actions they follow."""
    follows = exists().where(ActionFollow.action_id == Action.id, ActionFollow.user_id == user.id)
    if not is_partner_agency(user):
        return or_(Action.lead_user_id == user.id, follows)
    partner = exists().where(
        action_partner.c.action_id == Action.id,
        action_partner.c.organisation_id == user.organisation_id,
    )
    return or_(Action.lead_organisation_id == user.organisation_id, partner, follows)


def sees_every_meeting_and_return(user: User) -> bool:
    """Chairs, admins and the group's members: every meeting, and every locality's return
    deadline."""
    return sees_every_meeting(actor_of(user))


def _meeting_events(
    user: User, *, every: bool, today: date, since: datetime, base: str, domain: str
) -> list[feed_rules.FeedEvent]:
    """The meetings the person attends or chairs (every one for the board), as recorded, and
    their groups' usual days for the next few months: one statement (and the set-up's, once a
    request, for the meetings' names)."""
    query = select(Meeting.id, Meeting.kind, Meeting.held_on, Meeting.created_at)
    if not every:
        attends = exists().where(
            meeting_attendee.c.meeting_id == Meeting.id, meeting_attendee.c.user_id == user.id
        )
        query = query.where(or_(Meeting.chair_id == user.id, attends))
    rows = db.session.execute(query.order_by(Meeting.held_on, Meeting.id)).all()
    kinds = {MeetingKind(k) for k in MeetingKind} if every else {MeetingKind(r.kind) for r in rows}
    setup = current_setup() if kinds else None
    labels = meeting_rules.kind_labels(setup.words) if setup else {}
    usual = setup.meeting_days if setup else None
    # A change to the groups' usual days or names changes their events: clients must see it.
    changed = setup.changed_at if setup else {}
    reset = _latest(changed.get("meeting_days"), changed.get("words"))
    events, seen = [], set()
    for r in rows:
        if (r.kind, r.held_on) in seen:
            continue  # two records of one group on one day: one event (its UID is the day's)
        seen.add((r.kind, r.held_on))
        events.append(
            _meeting(
                r.kind,
                labels[MeetingKind(r.kind)],
                usual,
                r.held_on,
                planned=False,
                at=_latest(r.created_at, reset) or r.created_at,
                url=f"{base}/meetings/{r.id}",
                domain=domain,
            )
        )
    for kind in sorted(kinds):
        planned = meeting_rules.planned_meetings(
            kind, after=today, months=PLANNED_MONTHS, days=usual or MeetingDays()
        )
        for day in planned:
            if (kind.value, day) not in seen:
                events.append(
                    _meeting(
                        kind.value,
                        labels[kind],
                        usual,
                        day,
                        planned=True,
                        at=_latest(since, reset) or since,
                        url=f"{base}/meetings",
                        domain=domain,
                    )
                )
    return events


def _meeting(
    kind: str,
    label: str,
    days: MeetingDays | None,
    day: date,
    *,
    planned: bool,
    at: datetime,
    url: str,
    domain: str,
) -> feed_rules.FeedEvent:
    """A meeting in a feed, timed as its kind usually is (the set-up's start and length)."""
    usual = (days or MeetingDays()).of(kind)
    return feed_rules.meeting_event(
        kind=kind,
        label=label,
        day=day,
        start=usual.start,
        length=timedelta(minutes=usual.minutes),
        planned=planned,
        changed_at=at,
        url=url,
        domain=domain,
    )


_ANCHOR_WORDS = {"publication": "publication", "receipt": "receipt"}


def _statutory_events(
    settings: FeedSettings, since: datetime, base: str, domain: str
) -> list[feed_rules.FeedEvent]:
    """The day the action plan must reach Ofsted (70 working days), as the inspection page
    works it out: one statement."""
    inspection = get_inspection()
    deadline = get_deadline(inspection, settings.deadline_anchor, settings.deadline_days)
    if inspection is None or deadline is None:
        return []
    return [
        feed_rules.statutory_event(
            due=deadline.due,
            working_days=deadline.working_days,
            anchor_words=_ANCHOR_WORDS.get(deadline.anchor.value, deadline.anchor.value),
            anchor_date=deadline.anchor_date,
            sent_on=inspection.plan_submitted_on,
            changed_at=_latest(inspection.plan_submitted_recorded_at, since) or since,
            url=f"{base}/inspection",
            domain=domain,
        )
    ]


def _action_events(user: User, base: str, domain: str) -> list[feed_rules.FeedEvent]:
    """Open actions with a target date: one statement."""
    rows = db.session.execute(
        select(
            Action.id,
            Action.ref,
            Action.title,
            Action.target_date,
            Action.version,
            ActionState.lifecycle,
            ActionState.rag,
            ActionState.recorded_at,
            User.name.label("lead_name"),
            Organisation.name.label("org_name"),
        )
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Organisation, Organisation.id == Action.lead_organisation_id)
        .outerjoin(User, User.id == Action.lead_user_id)
        .where(
            _mine(user),
            Action.target_date.is_not(None),
            ActionState.lifecycle.not_in([s.value for s in CLOSED]),
        )
    ).all()
    return [
        feed_rules.action_event(
            action_id=r.id,
            ref=r.ref,
            title=r.title,
            target_date=r.target_date,
            lifecycle=r.lifecycle,
            rag=r.rag,
            lead=f"{r.lead_name}, {r.org_name}" if r.lead_name else r.org_name,
            version=r.version,
            changed_at=r.recorded_at,
            url=f"{base}/actions/{r.ref}",
            domain=domain,
        )
        for r in rows
    ]


def return_localities(user: User) -> list[Locality]:
    """The localities whose return and SEF this person writes (their own as its head, and the
    one they deputise for), as the policy says."""
    actor = actor_of(user)
    candidates = [user.locality if user.role == Role.LOCALITY_HEAD else None, user.deputy_locality]
    chosen: dict[int, Locality] = {}
    for loc in candidates:
        if loc is None or loc.retired_at is not None:
            continue  # a retired area is asked for no return and no SEF
        if can(actor, Permission.SUBMIT_RETURN, Target(locality=loc.code)):
            chosen[loc.id] = loc
    return list(chosen.values())


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _return_events(
    localities: list[Locality], since: datetime, base: str, domain: str
) -> list[feed_rules.FeedEvent]:
    """Every cycle's return for these localities, with its status: one statement."""
    rows = db.session.execute(
        select(Locality.code, Locality.name, UpdateCycle.number, UpdateCycle.due_at, LocalityReturn)
        .select_from(Locality)
        .join(UpdateCycle, true())
        .outerjoin(
            LocalityReturn,
            and_(
                LocalityReturn.locality_id == Locality.id,
                LocalityReturn.cycle_id == UpdateCycle.id,
            ),
        )
        .where(Locality.id.in_([loc.id for loc in localities]))
    ).all()
    events = []
    for code, name, number, due_at, record in rows:
        changed = (
            _latest(
                record.draft_saved_at,
                record.submitted_at,
                record.reopened_at,
                record.amended_at,
            )
            if record is not None
            else None
        )
        events.append(
            feed_rules.return_event(
                locality_code=code,
                locality_name=name,
                cycle_number=number,
                due_at=due_at,
                status=record.status if record is not None else "not_started",
                late=bool(record is not None and record.late),
                changed_at=_latest(changed, since) or since,
                url=f"{base}/returns/{code}/{number}",
                domain=domain,
            )
        )
    return events


def _next_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _sef_events(
    localities: list[Locality],
    *,
    today: date,
    since: datetime,
    settings: FeedSettings,
    base: str,
    domain: str,
) -> list[feed_rules.FeedEvent]:
    """Each SEF month so far and the next one, for these localities: one statement."""
    if not settings.sef_enabled:
        return []
    months = sef_rules.sef_months(settings.sef_first_month, today)
    months.append(_next_month(months[-1] if months else sef_rules.month_of(today)))
    months = [m for m in months if m >= settings.sef_first_month]
    saved = {
        (locality_id, month): (versions, first_submitted, last_saved)
        for locality_id, month, versions, first_submitted, last_saved in db.session.execute(
            select(
                SefVersion.locality_id,
                SefVersion.month,
                func.count(),
                func.min(case((SefVersion.status == "submitted", SefVersion.saved_at))),
                func.max(SefVersion.saved_at),
            )
            .where(
                SefVersion.locality_id.in_([loc.id for loc in localities]),
                SefVersion.month.in_(months),
            )
            .group_by(SefVersion.locality_id, SefVersion.month)
        ).all()
    }
    events = []
    for loc in localities:
        for month in months:
            due = sef_rules.due_on(month, settings.sef_due_working_day)
            versions, first_submitted, last_saved = saved.get((loc.id, month), (0, None, None))
            if first_submitted is not None:
                first_submitted = _aware(first_submitted)
                late = sef_rules.is_late(first_submitted, due)
                label = "Submitted late" if late else "Submitted"
            else:
                label = "Draft saved, not submitted" if versions else "Not started"
            events.append(
                feed_rules.sef_event(
                    locality_code=loc.code,
                    locality_name=loc.name,
                    month=month,
                    due_on=due,
                    status_label=label,
                    changed_at=_latest(_aware(last_saved), since) or since,
                    url=f"{base}/sefs/{loc.code}/{month}",
                    domain=domain,
                )
            )
    return events


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate of a timestamp column, as an aware UTC moment on either database."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def read_feed(
    token: str, *, now: datetime, today: date, settings: FeedSettings, remote_addr: str = ""
) -> bytes | None:
    """The person's calendar as RFC 5545 bytes, or None for a link that is wrong, revoked or
    belongs to someone who has left. Notes when it was fetched, and records the first fetch of
    each London day as an audit event (a subscribed calendar fetches it every hour or so)."""
    feed = _find_live(token)
    if feed is None:
        db.session.rollback()
        return None
    user = feed.user
    base = settings.base_url.rstrip("/")
    domain = urlsplit(base).hostname or "tracker"
    every = sees_every_meeting_and_return(user)
    events = _action_events(user, base, domain)
    events += _statutory_events(settings, feed.created_at, base, domain)
    events += _meeting_events(
        user, every=every, today=today, since=feed.created_at, base=base, domain=domain
    )
    localities = return_localities(user)
    returns_of = (
        list(
            db.session.execute(
                select(Locality).where(Locality.retired_at.is_(None)).order_by(Locality.id)
            ).scalars()
        )
        if every
        else localities
    )
    if returns_of:
        events += _return_events(returns_of, feed.created_at, base, domain)
    if localities:
        events += _sef_events(
            localities,
            today=today,
            since=feed.created_at,
            settings=settings,
            base=base,
            domain=domain,
        )
    body = feed_rules.write_calendar(
        events,
        name=f"Ofsted action plan tracker: {user.name}",
        today=today,
        reminder_days=user.reminder_days,
    )
    last = feed.last_used_at
    feed.last_used_at = now
    if last is None or last.astimezone(LONDON).date() != now.astimezone(LONDON).date():
        add_event(
            "calendar_feed_read",
            now=now,
            user_id=user.id,
            target="calendar.ics",
            detail={"format": "ics", "events": len(events)},
            remote_addr=remote_addr,
        )
    db.session.commit()
    return body
