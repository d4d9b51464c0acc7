"""Chasing: work out who is owed a reminder today and write it to the outbox, exactly once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, func, insert, select, union
from sqlalchemy.exc import IntegrityError

from tracker.domain.calendar import LONDON, is_working_day
from tracker.domain.challenges import Status as ChallengeStatus
from tracker.domain.chasing import (
    Chase,
    ChaseSettings,
    Deadline,
    LeadAction,
    Person,
    day_text,
    decide_chases,
    is_stale,
    sef_due_date,
)
from tracker.domain.cycles import Cycle, Schedule
from tracker.domain.setup import Setup
from tracker.domain.states import CLOSED
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionState,
    ActionUpdate,
    Locality,
    LocalityReturn,
    OutboxItem,
    OutboxMessage,
    Plan,
    SchedulerRun,
    UpdateCycle,
    User,
)
from tracker.services.access import settings as settings_service
from tracker.services.governance import challenges
from tracker.services.loop import sefs
from tracker.services.loop.cycles import ensure_cycles
from tracker.services.mail import notify
from tracker.services.platform.audit import add_event

CHASE_JOB = "daily-chase"
CATCH_UP_DAYS = 10


@dataclass(frozen=True)
class ChaseConfig:
    """The settings chasing needs, as plain values: the set-up saved in the database (issue
    20.2) over config.py's first defaults."""

    schedule: Schedule
    sef_enabled: bool
    sef_due_working_day: int
    sef_first_month: str
    base_url: str
    chair_email: str | None
    settings: ChaseSettings

    @classmethod
    def from_mapping(cls, cfg) -> ChaseConfig:
        setup = settings_service.load(cfg) if has_app_context() else settings_service.defaults(cfg)
        return cls.from_setup(setup, base_url=cfg["BASE_URL"])

    @classmethod
    def from_setup(cls, setup: Setup, *, base_url: str) -> ChaseConfig:
        chase = setup.chasing
        return cls(
            schedule=Schedule(setup.rhythms),
            sef_enabled=setup.self_evaluation.enabled,
            sef_due_working_day=setup.self_evaluation.due_working_day,
            sef_first_month=setup.self_evaluation.first_month,
            base_url=base_url.rstrip("/"),
            chair_email=chase.chair_email,
            settings=ChaseSettings(
                remind_days_before=chase.remind_days_before,
                escalate_to_manager_after=chase.escalate_manager_after,
                escalate_to_chair_after=chase.escalate_chair_after,
                target_notice_days=chase.target_notice_days,
            ),
        )


@dataclass
class Digest:
    """One email: everything asked of one person in one run."""

    recipient_id: int
    name: str
    email: str
    chases: list[Chase] = field(default_factory=list)


@dataclass
class ChaseRun:
    day: date
    digests: list[Digest]
    written_items: int = 0
    written_messages: int = 0


def _months_for(today: date, first: str) -> list[str]:
    """Every month from the first SEF's to today's: a SEF still missing is never dropped."""
    months, month = [], date.fromisoformat(f"{first}-01")
    while month <= today:
        months.append(f"{month:%Y-%m}")
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _inputs(today: date, cfg: ChaseConfig):
    """Everything the rules need, as plain values, in a fixed number of queries."""
    users = list(db.session.execute(select(User)).scalars())
    people = [Person(u.id, u.name, u.email or None, u.active, u.line_manager_id) for u in users]
    chair = next((u.id for u in users if cfg.chair_email and u.email == cfg.chair_email), None)
    heads = {u.locality_id: u for u in users if u.role == "locality_head" and u.locality_id}
    localities = list(db.session.execute(select(Locality).order_by(Locality.id)).scalars())

    number = cfg.schedule.number_for(today)
    current: Cycle | None = cfg.schedule.cycle(number) if number else None
    # Every cycle so far: a return still missing from an old cycle is chased (weekly) until it
    # comes in, never dropped.
    numbers = list(range(1, (number or 0) + 1))
    cycle_rows = {
        c.number: c
        for c in db.session.execute(
            select(UpdateCycle).where(UpdateCycle.number.in_(numbers))
        ).scalars()
    }
    submitted_returns = {
        (r.locality_id, r.cycle_id)
        for r in db.session.execute(
            select(LocalityReturn).where(LocalityReturn.status == "submitted")
        ).scalars()
    }
    months = _months_for(today, cfg.sef_first_month) if cfg.sef_enabled else []
    submitted_sefs = sefs.sef_submissions(months)

    deadlines: list[Deadline] = []
    for loc in localities:
        head = heads.get(loc.id)
        if head is None or loc.retired_at is not None:
            continue  # no head to chase, or the area is retired: nothing is asked of it
        for n in numbers:
            cycle = cfg.schedule.cycle(n)
            row = cycle_rows.get(n)
            deadlines.append(
                Deadline(
                    kind="return",
                    owner_id=head.id,
                    period=str(n),
                    what=f"The {loc.name} return for cycle {n}",
                    opens_on=cycle.opens_on,
                    due_on=cycle.due_on,
                    due_text=f"at {cycle.due_at:%H:%M} on {day_text(cycle.due_on)}",
                    link=f"/returns/{loc.code}/{n}",
                    submitted=row is not None and (loc.id, row.id) in submitted_returns,
                    subject=loc.code,
                )
            )
        for month in months:
            due = sef_due_date(month, cfg.sef_due_working_day)
            first = date.fromisoformat(f"{month}-01")
            deadlines.append(
                Deadline(
                    kind="sef",
                    owner_id=head.id,
                    period=month,
                    what=f"The {loc.name} SEF for {first:%B %Y}",
                    opens_on=max(first, _first_working_day(first)),
                    due_on=due,
                    due_text=f"on {day_text(due)}",
                    link=f"/sefs/{loc.code}/{month}",
                    submitted=submitted_sefs.get((loc.code, month), False),
                    subject=loc.code,
                )
            )

    return people, chair, deadlines, _lead_actions(current, cfg), current


def _first_working_day(first: date) -> date:
    day = first
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _open_lead_actions():
    """Open main-plan actions with a lead, from the current-state projection."""
    return (
        select(Action.id)
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Plan, Plan.id == Action.plan_id)
        .where(
            Plan.kind == "main",
            Action.lead_user_id.is_not(None),
            ActionState.lifecycle.not_in([s.value for s in CLOSED]),
        )
    )


def _recent_updates():
    """Just the history rows the stale rule and "updated this cycle" look at, for each open lead
    action: its two latest updates, and its last update in each cycle it was updated in. The
    last version per (action, cycle) is a GROUP BY that the index (action_id, cycle_id, version)
    answers alone, so no history row is read, sorted or ranked but the ones returned. One query,
    however long the history."""
    open_ids = _open_lead_actions().subquery()
    last_in_cycle = (
        select(ActionUpdate.action_id, func.max(ActionUpdate.version).label("version"))
        .where(
            ActionUpdate.action_id.in_(select(open_ids.c.id)),
            ActionUpdate.cycle_id.is_not(None),
        )
        .group_by(ActionUpdate.action_id, ActionUpdate.cycle_id)
    )
    latest_two = (
        select(ActionUpdate.action_id, ActionUpdate.version)
        .join(Action, Action.id == ActionUpdate.action_id)
        .join(open_ids, open_ids.c.id == ActionUpdate.action_id)
        .where(ActionUpdate.version >= Action.version - 1)
    )
    keys = union(last_in_cycle, latest_two).subquery()
    return (
        select(
            ActionUpdate.action_id, ActionUpdate.cycle_id, ActionUpdate.rag, ActionUpdate.summary
        )
        .join(
            keys,
            and_(
                keys.c.action_id == ActionUpdate.action_id, keys.c.version == ActionUpdate.version
            ),
        )
        .order_by(ActionUpdate.action_id, ActionUpdate.version)
    )


def _lead_actions(current: Cycle | None, cfg: ChaseConfig) -> list[LeadAction]:
    """Open main-plan actions with a lead, whether updated this cycle, and whether stale: three
    queries that read the projection and only the few history rows the rules look at."""
    rows = db.session.execute(
        select(Action.id, Action.ref, Action.title, Action.lead_user_id, Action.target_date)
        .where(Action.id.in_(_open_lead_actions().scalar_subquery()))
        .order_by(Action.id)
    ).all()
    history: dict[int, list[tuple[int | None, str | None, str]]] = defaultdict(list)
    cycle_numbers = dict(db.session.execute(select(UpdateCycle.id, UpdateCycle.number)).all())
    if rows:
        for action_id, cycle_id, rag, summary in db.session.execute(_recent_updates()):
            history[action_id].append((cycle_numbers.get(cycle_id), rag, summary))
    out = []
    for r in rows:
        updates = history[r.id]
        updated = current is not None and any(c == current.number for c, _, _ in updates)
        out.append(
            LeadAction(
                r.ref,
                r.title,
                r.lead_user_id,
                r.target_date,
                updated,
                stale=is_stale(updates, cfg.settings.stale_cycles),
            )
        )
    return out


def _challenge_chases(today: date) -> list[Chase]:
    """A challenge waiting for a response (open, or escalated) goes into the digest of each
    person who answers it once a week, from a week after it was raised (the email at the time
    is the first notice): "week-N" keys, so a week's reminder goes once whichever day it
    runs. Three statements, whatever the number of challenges."""
    waiting = [
        c
        for c in challenges.list_open_challenges()
        if c.status in (ChallengeStatus.OPEN, ChallengeStatus.ESCALATED)
    ]
    if not waiting:
        return []
    people = db.session.execute(
        select(User.id, User.role, User.active, User.locality_id, User.deputy_locality_id).where(
            User.active.is_(True)
        )
    ).all()
    codes = dict(db.session.execute(select(Locality.id, Locality.code)).all())
    answers: dict[str, list[int]] = defaultdict(list)  # locality code -> head and deputy
    for person in people:
        if person.role == "locality_head" and person.locality_id:
            answers[codes[person.locality_id]].append(person.id)
        if person.deputy_locality_id:
            answers[codes[person.deputy_locality_id]].append(person.id)
    active = {person.id for person in people}
    out = []
    for c in waiting:
        days = (today - c.raised_at.astimezone(LONDON).date()).days
        if days < 7:
            continue
        who = [c.lead_user_id] if c.lead_user_id in active else []
        who += answers.get(c.locality, []) if c.locality else []
        question = c.question if len(c.question) <= 120 else c.question[:119] + "…"
        for person_id in dict.fromkeys(who):
            out.append(
                Chase(
                    recipient_id=person_id,
                    kind="challenge",
                    period=str(c.id),
                    step=f"week-{days // 7}",
                    text=(
                        f"A challenge on {c.subject} has waited {days} days for a response"
                        f"{' (escalated)' if c.status is ChallengeStatus.ESCALATED else ''}: "
                        f"\u201c{question}\u201d"
                    ),
                    link=f"/challenges/{c.id}",
                )
            )
    return out


def plan_chases(today: date, cfg: ChaseConfig, caught_up: Sequence[Chase] = ()) -> ChaseRun:
    """Who is owed what today, grouped into one digest per person, with any chases caught up
    from days the scheduler missed in the same digest. Writes nothing."""
    people, chair, deadlines, actions, current = _inputs(today, cfg)
    chases = list(caught_up) + decide_chases(
        today,
        people=people,
        deadlines=deadlines,
        actions=actions,
        current_cycle=current,
        chair_id=chair,
        settings=cfg.settings,
    )
    by_person = {p.id: p for p in people}
    chases += [c for c in _challenge_chases(today) if c.recipient_id in by_person]
    # Decisions and changes to followed actions queued for the digest (tracker.services.mail.notify)
    chases += [c for c in notify.digest_chases(today) if c.recipient_id in by_person]
    chases += [c for c in notify.following_chases(today) if c.recipient_id in by_person]
    digests: dict[int, Digest] = {}
    for chase in chases:
        person = by_person[chase.recipient_id]
        digest = digests.setdefault(person.id, Digest(person.id, person.name, person.email or ""))
        digest.chases.append(chase)
    return ChaseRun(today, sorted(digests.values(), key=lambda d: d.name))


class ChaseWriteError(RuntimeError):
    """The day's chase could not be written to the outbox: nothing of it is, and the day is
    not marked as run (the next run catches it up)."""


WRITE_ATTEMPTS = 3


def _already_written(chases: Sequence[Chase]) -> set[str]:
    """The keys of `chases` already in the outbox, read in one query. An item stored before
    keys named the locality (issue 19) is under the chase's legacy key: it counts as this chase
    only if its link, which names the locality (/returns/eastside/3), is this chase's link. So a
    mail sent under an old key is never sent again, and the other locality's escalation, which
    the old key could not hold, is still written."""
    keys = {c.key for c in chases}
    legacy = {c.legacy_key for c in chases if c.subject}
    if not keys:
        return set()
    found = set(
        db.session.execute(
            select(OutboxItem.key, OutboxItem.link).where(OutboxItem.key.in_(keys | legacy))
        ).all()
    )
    found_keys = {key for key, _ in found}
    return {
        c.key
        for c in chases
        if c.key in found_keys or (c.subject and (c.legacy_key, c.link) in found)
    }


def run_chasing(
    today: date, *, now: datetime, cfg: ChaseConfig, caught_up: Sequence[Chase] = ()
) -> ChaseRun:
    """Write today's new chase items to the outbox, one digest message per person; commit once.
    Items already in the outbox (a rerun, or another scheduler) are left alone. A clash on a
    unique key (another writer committed some of the same items, or a digest, between our read
    and our write) is never taken for success: we read again and write what is still missing,
    and if it still cannot be written, raise `ChaseWriteError` having written nothing."""
    run = plan_chases(today, cfg, caught_up)
    chases = [c for d in run.digests for c in d.chases]
    clash: IntegrityError | None = None
    for _ in range(WRITE_ATTEMPTS):
        existing = _already_written(chases)
        made_for = (
            db.session.execute(
                select(OutboxMessage.recipient_id).where(OutboxMessage.run_day == today)
            )
            .scalars()
            .all()
        )
        per_person_today: dict[int, int] = defaultdict(int)
        for recipient in made_for:
            per_person_today[recipient] += 1
        run.written_items = run.written_messages = 0
        try:
            fresh_digests = _write_digests(run, existing, per_person_today, today, now, cfg)
            if run.written_messages:
                add_event(
                    "chase_run",
                    now=now,
                    target=today.isoformat(),
                    detail={"messages": run.written_messages, "items": run.written_items},
                )
            db.session.commit()
        except IntegrityError as exc:
            # Another writer got in first with some of these keys: read again, write the rest.
            db.session.rollback()
            clash = exc
            continue
        run.digests = fresh_digests
        return run
    run.written_items = run.written_messages = 0
    raise ChaseWriteError(
        f"Could not write the chase for {today.isoformat()} to the outbox after "
        f"{WRITE_ATTEMPTS} attempts (a unique key kept clashing: {clash}); nothing was written "
        "and the day is not marked as run."
    ) from clash


def _write_digests(
    run: ChaseRun,
    existing: set[str],
    per_person_today: dict[int, int],
    today: date,
    now: datetime,
    cfg: ChaseConfig,
) -> list[Digest]:
    """All of a run's messages in one INSERT and all their items in another (executemany):
    row-at-a-time ORM flushes cost a statement per item on SQLite. The unique keys make a
    second writer's INSERT fail, so the run writes all or nothing (and `run_chasing` reads
    again and retries). A key planned twice in one run is written once."""
    fresh_digests = []
    messages: list[dict] = []
    seen = set(existing)
    for digest in run.digests:
        fresh = []
        for chase in digest.chases:
            if chase.key not in seen:
                seen.add(chase.key)
                fresh.append(chase)
        if not fresh:
            continue
        fresh_digests.append(Digest(digest.recipient_id, digest.name, digest.email, fresh))
        sequence = per_person_today[digest.recipient_id] + 1
        messages.append(
            {
                "key": f"{digest.recipient_id}|{today.isoformat()}|{sequence}",
                "run_day": today,
                "recipient_id": digest.recipient_id,
                "to_address": digest.email,
                "subject": _subject(fresh, today),
                "created_at": now,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "body_text": _render("email/digest.txt", digest, fresh, cfg, today),
                "body_html": _render("email/digest.html", digest, fresh, cfg, today),
            }
        )
    if not messages:
        return fresh_digests
    ids = dict(
        db.session.execute(
            insert(OutboxMessage).returning(OutboxMessage.key, OutboxMessage.id), messages
        ).all()
    )
    items = [
        {
            "key": chase.key,
            "message_id": ids[message["key"]],
            "recipient_id": chase.recipient_id,
            "kind": chase.kind,
            "period": chase.period,
            "step": chase.step,
            "text": chase.text,
            "link": chase.link,
            "about_id": chase.about_id,
            "note": chase.note,
            "created_at": now,
        }
        for message, digest in zip(messages, fresh_digests, strict=True)
        for chase in digest.chases
    ]
    db.session.execute(insert(OutboxItem), items)
    run.written_items += len(items)
    run.written_messages += len(messages)
    return fresh_digests


def _render(name: str, digest: Digest, chases: list[Chase], cfg: ChaseConfig, day: date) -> str:
    """Mail is rendered outside any web request: no page context, just the template and the
    organisation's words (read once a run)."""
    template = current_app.jinja_env.get_template(name)
    return template.render(
        digest=digest,
        chases=chases,
        base_url=cfg.base_url,
        day=day,
        words=settings_service.current().words,
    )


def _subject(chases: list[Chase], today: date) -> str:
    late = any(c.step.startswith("late") or "escalation" in c.kind for c in chases)
    count = len(chases)
    prefix = "Overdue: " if late else ""
    return (
        f"{prefix}Ofsted action plan: {count} thing{'s' if count != 1 else ''} "
        f"for you on {day_text(today)}"
    )


def still_owed(chase: Chase) -> bool:
    """What a missed day's run would have sent that still matters: everything the rules still
    make from today's data (a return or SEF still missing, an action still not updated, an
    escalation about one), except the owner's own "N working days late" reminders, which
    today's run sends afresh."""
    if chase.kind in ("challenge", "notice", "following"):
        return False  # today's run asks again for every challenge still waiting, and carries
        # every queued notice not yet sent
    return not (chase.kind in ("return", "sef") and chase.step.startswith("late-"))


def run_due_days(today: date, *, now: datetime, cfg: ChaseConfig) -> list[ChaseRun]:
    """The scheduler's job: run today's chasing once, and catch up every working day missed
    since the last recorded run, however long ago: the escalations those days would have made,
    still owed, go out in today's one digest per person (marked as caught up), each missed day
    is recorded as run, and an audit event (shown on Admin > Outbox) says what was caught up.
    It also keeps the cycles table a fortnight ahead, so returns open on time."""
    if ensure_cycles(today, schedule=cfg.schedule):
        settings_service.keep_default_rhythm(settings_service.current(), now=now)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler added them first
    last = db.session.execute(
        select(func.max(SchedulerRun.run_day)).where(SchedulerRun.job_id == CHASE_JOB)
    ).scalar_one_or_none()
    if last is not None and last >= today:
        return []
    missed = []
    if last is not None:
        day = last + timedelta(days=1)
        while day < today:
            if is_working_day(day):
                missed.append(day)
            day += timedelta(days=1)
    caught_up: list[Chase] = []
    per_day: dict[date, int] = {}
    note_for = "Caught up: the reminder service was not running on {}."
    for day in missed:
        owed = [c for d in plan_chases(day, cfg).digests for c in d.chases if still_owed(c)]
        per_day[day] = len(owed)
        caught_up += [replace(c, note=note_for.format(day_text(day))) for c in owed]
    if not missed and not is_working_day(today):
        return []
    run = run_chasing(today, now=now, cfg=cfg, caught_up=caught_up)
    for day in [*missed, *([today] if is_working_day(today) else [])]:
        db.session.add(
            SchedulerRun(
                job_id=CHASE_JOB,
                run_day=day,
                started_at=now,
                finished_at=now,
                items=per_day.get(day, run.written_items),
            )
        )
    if missed:
        add_event(
            "scheduler_caught_up",
            now=now,
            target=today.isoformat(),
            detail={
                "missed_days": [d.isoformat() for d in missed],
                "escalations_owed": len(caught_up),
                "written_items": run.written_items,
            },
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another scheduler recorded these days
    return [run]


def london_now_is_after(now: datetime, hour: int, minute: int) -> bool:
    local = now.astimezone(LONDON)
    return (local.hour, local.minute) >= (hour, minute)
