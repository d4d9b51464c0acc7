"""Recording governance meetings, reading them back, and marking their follow-ups done.

A meeting's snapshot is built once, in the transaction that records the meeting, and is never
written again: the meeting page, its pack and the API show the plan exactly as presented."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tracker.domain.chasing import day_text
from tracker.domain.meetings import (
    IDEMPOTENCY_KEY,
    MeetingKind,
    MeetingProposal,
    check_meeting,
    kind_label,
)
from tracker.domain.permissions import Actor, Permission, Target, can, sees_every_meeting
from tracker.extensions import db
from tracker.models import (
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    Organisation,
    User,
    meeting_attendee,
)
from tracker.services.access import settings
from tracker.services.errors import NotFound
from tracker.services.governance.dashboard import DashboardSettings
from tracker.services.governance.meeting_snapshot import build_snapshot
from tracker.services.mail import notify
from tracker.services.plan.updates import Forbidden
from tracker.services.platform.audit import add_event

# The people a meeting names, joined to it under their own names: built once, not per query.
_CHAIR = aliased(User, name="chair")
_CHAIR_ORG = aliased(Organisation, name="chair_org")
_AUTHOR = aliased(User, name="author")
_HOLDER = aliased(User, name="holder")
_DONE_BY = aliased(User, name="done_by")


def who_sees() -> str:
    """What a person who may not see a meeting is told (pages and the API)."""
    return (
        "You can see a meeting's record if you chaired or attended it, or hold one of its "
        f"follow-ups. Chairs, administrators and {settings.current().words.group_short} "
        "members see every meeting."
    )


# Ids arrive from a URL: past this no row exists, and PostgreSQL's integer would overflow.
LARGEST_ID = 2_147_483_647


class MeetingRejected(Exception):
    """The meeting cannot be recorded: field name -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Person:
    id: int
    name: str
    job_title: str = ""
    organisation: str = ""


@dataclass
class FollowUpView:
    id: int
    text: str
    assignee: Person
    due_on: date
    done_at: datetime | None
    done_by: str | None

    def overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today


@dataclass
class MeetingSummary:
    id: int
    kind: MeetingKind
    held_on: date
    chair: str
    follow_ups_open: int = 0
    kind_label: str = ""  # the kind in the organisation's words


@dataclass
class MeetingView:
    id: int
    kind: MeetingKind
    held_on: date
    chair: Person
    other_attendees: str
    notes: str
    created_by: str | None
    created_at: datetime
    snapshot: dict[str, Any]
    attendees: list[Person] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    follow_ups: list[FollowUpView] = field(default_factory=list)
    kind_label: str = ""  # the kind in the organisation's words

    @property
    def title(self) -> str:
        return f"{self.kind_label} meeting, {self.held_on.day} {self.held_on:%B %Y}"

    @property
    def people(self) -> frozenset[int]:
        """Whom the meeting names: the chair, the attendees, the holders of its follow-ups."""
        return frozenset(
            {self.chair.id, *(p.id for p in self.attendees)}
            | {f.assignee.id for f in self.follow_ups}
        )

    @property
    def target(self) -> Target:
        return Target(people=self.people)


def may_see(actor: Actor | None, meeting: MeetingView) -> bool:
    return can(actor, Permission.READ_MEETING, meeting.target)


def _valid_id(value: int) -> bool:
    return 1 <= value <= LARGEST_ID


def list_people() -> list[Person]:
    """Everyone who may chair, attend or hold a follow-up: people in the tracker who have not
    left, by name."""
    rows = db.session.execute(
        select(User.id, User.name, User.job_title, Organisation.name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    return [Person(*r) for r in rows]


def _names_me(actor: Actor):
    """SQL: the meeting names this person (chair, attendee or follow-up holder)."""
    me = actor.user_id
    return or_(
        Meeting.chair_id == me,
        exists(
            select(meeting_attendee.c.meeting_id).where(
                meeting_attendee.c.meeting_id == Meeting.id, meeting_attendee.c.user_id == me
            )
        ),
        exists(
            select(MeetingFollowUp.id).where(
                MeetingFollowUp.meeting_id == Meeting.id, MeetingFollowUp.assignee_id == me
            )
        ),
    )


def list_meetings(
    actor: Actor, *, page: int = 1, per_page: int = 50
) -> tuple[list[MeetingSummary], int]:
    """The meetings this person may see, newest first, a page at a time: two statements."""
    open_follow_ups = (
        select(func.count(MeetingFollowUp.id))
        .where(MeetingFollowUp.meeting_id == Meeting.id, MeetingFollowUp.done_at.is_(None))
        .scalar_subquery()
    )
    query = select(
        Meeting.id,
        Meeting.kind,
        Meeting.held_on,
        _CHAIR.name,
        open_follow_ups.label("open_follow_ups"),
    ).join(_CHAIR, _CHAIR.id == Meeting.chair_id)
    if not sees_every_meeting(actor):
        query = query.where(_names_me(actor))
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(
        query.order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if not rows:
        return [], total
    words = settings.current().words
    return [
        MeetingSummary(r[0], MeetingKind(r[1]), r[2], r[3], r[4], kind_label(r[1], words))
        for r in rows
    ], total


def get_meeting(meeting_id: int) -> MeetingView:
    """One meeting with its people, decisions, follow-ups and snapshot: four statements (and
    the set-up's, once a request, for the kind's name)."""
    if not _valid_id(meeting_id):
        raise NotFound(f"There is no meeting {meeting_id}.")
    row = db.session.execute(
        select(Meeting, _CHAIR.name, _CHAIR.job_title, _CHAIR_ORG.name, _AUTHOR.name)
        .join(_CHAIR, _CHAIR.id == Meeting.chair_id)
        .join(_CHAIR_ORG, _CHAIR_ORG.id == _CHAIR.organisation_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == Meeting.created_by_id)
        .where(Meeting.id == meeting_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no meeting {meeting_id}.")
    m, chair_name, chair_title, chair_org_name, author_name = row
    view = MeetingView(
        id=m.id,
        kind=MeetingKind(m.kind),
        held_on=m.held_on,
        chair=Person(m.chair_id, chair_name, chair_title, chair_org_name),
        other_attendees=m.other_attendees,
        notes=m.notes,
        created_by=author_name,
        created_at=m.created_at,
        snapshot=m.snapshot,
        kind_label=kind_label(m.kind, settings.current().words),
    )
    view.attendees = [
        Person(*r)
        for r in db.session.execute(
            select(User.id, User.name, User.job_title, Organisation.name)
            .join(meeting_attendee, meeting_attendee.c.user_id == User.id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(meeting_attendee.c.meeting_id == meeting_id)
            .order_by(User.name, User.id)
        ).all()
    ]
    view.decisions = list(
        db.session.execute(
            select(MeetingDecision.text)
            .where(MeetingDecision.meeting_id == meeting_id)
            .order_by(MeetingDecision.position)
        ).scalars()
    )
    view.follow_ups = [
        FollowUpView(
            id=f.id,
            text=f.text,
            assignee=Person(f.assignee_id, holder_name, holder_title),
            due_on=f.due_on,
            done_at=f.done_at,
            done_by=done_by_name,
        )
        for f, holder_name, holder_title, done_by_name in db.session.execute(
            select(MeetingFollowUp, _HOLDER.name, _HOLDER.job_title, _DONE_BY.name)
            .join(_HOLDER, _HOLDER.id == MeetingFollowUp.assignee_id)
            .outerjoin(_DONE_BY, _DONE_BY.id == MeetingFollowUp.done_by_id)
            .where(MeetingFollowUp.meeting_id == meeting_id)
            .order_by(MeetingFollowUp.position)
        ).all()
    ]
    return view


def _existing(key: str) -> int | None:
    return db.session.execute(
        select(Meeting.id).where(Meeting.idempotency_key == key)
    ).scalar_one_or_none()


def record_meeting(
    proposal: MeetingProposal,
    *,
    key: str,
    actor: Actor,
    now: datetime,
    today: date,
    as_at: datetime | None = None,
    remote_addr: str = "",
    dashboard: DashboardSettings | None = None,
) -> tuple[int, bool]:
    """Record a meeting and freeze its snapshot, in one transaction. The form's key makes it
    happen once: the same key again (a double click, a second tab, a retry racing the first)
    returns the meeting already made. Returns (meeting id, whether this call made it)."""
    if not can(actor, Permission.RECORD_MEETING):
        raise Forbidden("Only chairs and administrators record meetings.")
    if not IDEMPOTENCY_KEY.fullmatch(key or ""):
        raise MeetingRejected({"key": "The form has expired. Check the details and send it again."})
    if (found := _existing(key)) is not None:
        return found, False
    errors = check_meeting(proposal, today=today)
    people = {proposal.chair_id, *proposal.attendee_ids} | {
        f.assignee_id for f in proposal.follow_ups
    }
    people.discard(None)
    if any(not _valid_id(p) for p in people):  # type: ignore[arg-type]
        errors.setdefault("attendees", "Select people from the list")
    elif people:
        known = set(
            db.session.execute(
                select(User.id).where(User.id.in_(people), User.active.is_(True))
            ).scalars()
        )
        if proposal.chair_id is not None and proposal.chair_id not in known:
            errors.setdefault("chair", "Select who chaired the meeting from the list")
        if set(proposal.attendee_ids) - known:
            errors.setdefault("attendees", "Select people from the list")
        for i, f in enumerate(proposal.follow_ups):
            if f.assignee_id is not None and f.assignee_id not in known:
                errors.setdefault(f"follow_ups-{i}-assignee", "Select someone from the list")
    if errors:
        raise MeetingRejected(errors)
    assert proposal.held_on is not None and proposal.chair_id is not None  # checked above
    meeting = Meeting(
        kind=proposal.kind,
        held_on=proposal.held_on,
        chair_id=proposal.chair_id,
        other_attendees=proposal.other_attendees.strip(),
        notes=proposal.notes.strip(),
        created_by_id=actor.user_id,
        created_at=now,
        idempotency_key=key,
        snapshot=build_snapshot(
            meeting_day=proposal.held_on, now=now, as_at=as_at, dashboard=dashboard
        ),
    )
    db.session.add(meeting)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request with this key committed first: that one is the meeting.
        db.session.rollback()
        found = _existing(key)
        if found is None:
            raise
        return found, False
    attendees = sorted(set(proposal.attendee_ids))
    if attendees:
        db.session.execute(
            meeting_attendee.insert(),
            [{"meeting_id": meeting.id, "user_id": u} for u in attendees],
        )
    for position, text in enumerate(proposal.decisions, start=1):
        db.session.add(MeetingDecision(meeting_id=meeting.id, position=position, text=text))
    follow_ups = [
        MeetingFollowUp(
            meeting_id=meeting.id,
            position=position,
            text=f.text,
            assignee_id=f.assignee_id,
            due_on=f.due_on,
        )
        for position, f in enumerate(proposal.follow_ups, start=1)
    ]
    db.session.add_all(follow_ups)
    if follow_ups:
        db.session.flush()
        _tell_follow_ups(meeting, follow_ups, now=now)
    add_event(
        "meeting_recorded",
        now=now,
        user_id=actor.user_id,
        target=f"meeting/{meeting.id}",
        detail={
            "kind": proposal.kind,
            "held_on": proposal.held_on.isoformat(),
            "actions": len(meeting.snapshot["actions"]),
            "exceptions": len(meeting.snapshot["exceptions"]),
        },
        remote_addr=remote_addr,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = _existing(key)
        if found is None:
            raise
        return found, False
    return meeting.id, True


def _tell_follow_ups(meeting: Meeting, follow_ups: list[MeetingFollowUp], *, now: datetime) -> None:
    """Each follow-up's owner is told what they hold and by when, in the meeting's transaction:
    keyed by the follow-up, so a meeting recorded twice (the same form key) tells them once."""
    kind = kind_label(meeting.kind, settings.current().words)
    held = day_text(meeting.held_on)
    events = []
    for f in follow_ups:
        due = day_text(f.due_on)
        events.append(
            (
                notify.Notice(
                    key=f"follow_up|{f.id}",
                    kind="follow_up",
                    subject=f"A follow-up for you from the {kind} meeting, due {due}",
                    lines=(
                        f"The {kind} meeting on {held} gave you a follow-up:",
                        f.text,
                        f"It is due on {due}. Mark it done on the meeting's page when it is.",
                    ),
                    link=f"/meetings/{meeting.id}",
                ),
                [f.assignee_id],
            )
        )
    notify.tell_each(events, now=now)


def set_follow_up_done(
    meeting_id: int,
    follow_up_id: int,
    *,
    done: bool,
    actor: Actor,
    now: datetime,
    remote_addr: str = "",
) -> None:
    """Mark a follow-up done (or not done after all): its holder, or a chair or admin."""
    if not (_valid_id(meeting_id) and _valid_id(follow_up_id)):
        raise NotFound("There is no such follow-up.")
    follow_up = db.session.execute(
        select(MeetingFollowUp).where(
            MeetingFollowUp.id == follow_up_id, MeetingFollowUp.meeting_id == meeting_id
        )
    ).scalar_one_or_none()
    if follow_up is None:
        raise NotFound("There is no such follow-up.")
    if not can(actor, Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=follow_up.assignee_id)):
        raise Forbidden("Only the person holding a follow-up, or a chair, marks it done.")
    if done and follow_up.done_at is None:
        follow_up.done_at, follow_up.done_by_id = now, actor.user_id
    elif not done and follow_up.done_at is not None:
        follow_up.done_at, follow_up.done_by_id = None, None
    add_event(
        "follow_up_done" if done else "follow_up_reopened",
        now=now,
        user_id=actor.user_id,
        target=f"meeting/{meeting_id}/follow-up/{follow_up_id}",
        remote_addr=remote_addr,
    )
    db.session.commit()


def last_meeting_day(before: date) -> date | None:
    """The day of the last meeting held before `before` (any kind): what "what changed since
    the last meeting" starts from. One query."""
    return db.session.execute(
        select(func.max(Meeting.held_on)).where(Meeting.held_on < before)
    ).scalar_one_or_none()
