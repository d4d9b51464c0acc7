"""The challenge log: raise a challenge on an action or a locality's return, answer it, accept or
escalate it. Each service loads, asks `tracker.domain.challenges`, writes one new row (never an
edit), an audit event and the outbox messages it owes, and commits once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tracker.domain import challenges as rules
from tracker.domain.calendar import LONDON
from tracker.domain.challenges import Status
from tracker.domain.permissions import Actor
from tracker.domain.personal_data import personal_data_message
from tracker.extensions import db
from tracker.models import (
    Action,
    Challenge,
    ChallengeStep,
    Invitation,
    Locality,
    OutboxMessage,
    Plan,
    UpdateCycle,
    User,
)
from tracker.services.access import settings
from tracker.services.errors import BadFilter, NotFound
from tracker.services.mail import notify, outbox
from tracker.services.plan.filters import check_plan
from tracker.services.plan.updates import Forbidden, Rejected
from tracker.services.platform.audit import add_event

MAX_ID = 2_147_483_647


class StepRefused(Rejected):
    """The challenge is not in a state for this step (accepted, or not yet answered), or someone
    else added a step a moment before: nothing written."""


@dataclass
class StepView:
    number: int
    kind: str
    text: str
    author_id: int
    author: str
    recorded_at: datetime

    @property
    def label(self) -> str:
        return rules.STEP_LABELS[self.kind]


@dataclass
class ChallengeView:
    id: int
    status: Status
    question: str
    raised_by_id: int
    raised_by: str
    raised_at: datetime
    last_step_at: datetime
    step_count: int
    action_ref: str | None
    action_title: str | None
    lead_user_id: int | None
    lead_name: str | None
    plan: str | None
    locality: str | None
    locality_name: str | None
    cycle: int | None
    steps: list[StepView] = field(default_factory=list)

    @property
    def on_return(self) -> bool:
        return self.action_ref is None

    @property
    def subject(self) -> str:
        """What the challenge is about, in words."""
        if self.action_ref:
            return f"{self.action_ref}: {self.action_title}"
        return f"{self.locality_name} return, cycle {self.cycle}"

    @property
    def link(self) -> str:
        return f"/challenges/{self.id}"

    def age_days(self, today: date) -> int:
        """Calendar days since it was raised, counted in London dates."""
        return (today - self.raised_at.astimezone(LONDON).date()).days

    def sees(self, actor: Actor | None) -> bool:
        return rules.sees_challenge(
            actor,
            raised_by_id=self.raised_by_id,
            lead_user_id=self.lead_user_id,
            locality=self.locality,
        )

    def answered_by(self, actor: Actor | None) -> bool:
        return rules.answers_for(actor, lead_user_id=self.lead_user_id, locality=self.locality)

    def may_respond(self, actor: Actor | None) -> bool:
        return self.answered_by(actor) and isinstance(
            rules.after_step(self.status, "response"), Status
        )

    def may_decide(self, actor: Actor | None) -> bool:
        return rules.may_decide(actor, raised_by_id=self.raised_by_id) and isinstance(
            rules.after_step(self.status, "accepted"), Status
        )


_Raiser = aliased(User)
_Lead = aliased(User)
_ActionPlan = aliased(Plan)
_ActionLocality = aliased(Locality)
_ReturnLocality = aliased(Locality)
_ReturnPlan = aliased(Plan)
_LOCALITY = func.coalesce(_ActionLocality.code, _ReturnLocality.code)
_PLAN = func.coalesce(_ActionPlan.code, _ReturnPlan.code)


def _base() -> Select:
    """Every challenge with what it is about and who raised it: one statement."""
    return (
        select(
            Challenge,
            _Raiser.name.label("raised_by"),
            Action.ref,
            Action.title,
            Action.lead_user_id,
            _Lead.name.label("lead_name"),
            _PLAN.label("plan"),
            _LOCALITY.label("locality"),
            func.coalesce(_ActionLocality.name, _ReturnLocality.name).label("locality_name"),
            UpdateCycle.number,
        )
        .join(_Raiser, _Raiser.id == Challenge.raised_by_id)
        .outerjoin(Action, Action.id == Challenge.action_id)
        .outerjoin(_Lead, _Lead.id == Action.lead_user_id)
        .outerjoin(_ActionPlan, _ActionPlan.id == Action.plan_id)
        .outerjoin(_ActionLocality, _ActionLocality.id == _ActionPlan.locality_id)
        .outerjoin(_ReturnLocality, _ReturnLocality.id == Challenge.locality_id)
        .outerjoin(_ReturnPlan, _ReturnPlan.locality_id == Challenge.locality_id)
        .outerjoin(UpdateCycle, UpdateCycle.id == Challenge.cycle_id)
    )


def _visible_to(query: Select, actor: Actor | None) -> Select:
    """Only what the person may see (the same rule as `rules.sees_challenge`, in SQL)."""
    if actor is None or not actor.active:
        return query.where(literal(False))
    if actor.role in rules.SEES_EVERY_CHALLENGE:
        return query
    mine = [Challenge.raised_by_id == actor.user_id, Action.lead_user_id == actor.user_id]
    spoken = {
        code
        for code in (actor.locality if actor.role == "locality_head" else None, actor.deputy_for)
        if code
    }
    if spoken:
        mine.append(_LOCALITY.in_(sorted(spoken)))
    return query.where(or_(*mine))


def _view(row) -> ChallengeView:
    c: Challenge = row[0]
    return ChallengeView(
        id=c.id,
        status=Status(c.status),
        question=c.question,
        raised_by_id=c.raised_by_id,
        raised_by=row.raised_by,
        raised_at=c.raised_at,
        last_step_at=c.last_step_at,
        step_count=c.steps,
        action_ref=row.ref,
        action_title=row.title,
        lead_user_id=row.lead_user_id,
        lead_name=row.lead_name,
        plan=row.plan,
        locality=row.locality,
        locality_name=row.locality_name,
        cycle=row.number,
    )


def _with_steps(views: list[ChallengeView], upto: datetime | None = None) -> list[ChallengeView]:
    """Fill each challenge's steps in order: one statement for them all."""
    if not views:
        return views
    by_id = {v.id: v for v in views}
    query = (
        select(ChallengeStep, User.name)
        .join(User, User.id == ChallengeStep.author_id)
        .where(ChallengeStep.challenge_id.in_(list(by_id)))
        .order_by(ChallengeStep.challenge_id, ChallengeStep.number)
    )
    if upto is not None:
        query = query.where(ChallengeStep.recorded_at <= upto)
    for step, name in db.session.execute(query).all():
        by_id[step.challenge_id].steps.append(
            StepView(step.number, step.kind, step.text, step.author_id, name, step.recorded_at)
        )
    return views


@dataclass(frozen=True)
class ChallengeFilters:
    status: str | None = None  # a status, or "open" for every one not accepted
    plan: str | None = None
    action_ref: str | None = None
    locality: str | None = None  # with cycle: a return's challenges
    cycle: int | None = None


STATUS_FILTERS = ("open", "awaiting_response", "responded", "escalated", "accepted")


def parse_filters(args, *, plans: Collection[str]) -> ChallengeFilters:
    """The list's filters from a query string; a value the tracker does not know is BadFilter.
    `plans`: the plans' codes."""
    status = args.get("status") or None
    if status is not None and status not in STATUS_FILTERS:
        raise BadFilter("status", f"status must be one of {', '.join(STATUS_FILTERS)}")
    return ChallengeFilters(status=status, plan=check_plan(args.get("plan"), plans))


def _filtered(query: Select, f: ChallengeFilters) -> Select:
    if f.status == "open":
        query = query.where(Challenge.status.in_(rules.OPEN_STATUSES))
    elif f.status == "awaiting_response":
        query = query.where(Challenge.status == Status.OPEN.value)
    elif f.status:
        query = query.where(Challenge.status == f.status)
    if f.plan:
        query = query.where(f.plan == _PLAN)
    if f.action_ref:
        query = query.where(Action.ref == f.action_ref)
    if f.locality is not None:
        query = query.where(
            Challenge.action_id.is_(None),
            _ReturnLocality.code == f.locality,
            UpdateCycle.number == f.cycle,
        )
    return query


def list_challenges(
    actor: Actor | None,
    filters: ChallengeFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 100,
    with_steps: bool = True,
    with_total: bool = True,
) -> tuple[list[ChallengeView], int]:
    """The challenges the person may see, oldest raised first (the longest waiting at the top),
    with the total: three statements at most (the steps only when there are challenges, the
    total only when asked for; otherwise it is the number on this page)."""
    f = filters or ChallengeFilters()
    query = _filtered(_visible_to(_base(), actor), f)
    rows = db.session.execute(
        query.order_by(Challenge.raised_at, Challenge.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    total = (
        db.session.execute(
            select(func.count()).select_from(query.with_only_columns(Challenge.id).subquery())
        ).scalar_one()
        if with_total
        else len(rows)
    )
    views = [_view(r) for r in rows]
    return (_with_steps(views) if with_steps else views), total


def get_challenge(challenge_id: int, actor: Actor | None) -> ChallengeView:
    """One challenge with its steps, if the person may see it; NotFound otherwise."""
    if not 0 < challenge_id <= MAX_ID:
        raise NotFound(f"No challenge {challenge_id}")
    row = db.session.execute(_base().where(Challenge.id == challenge_id)).first()
    if row is None:
        raise NotFound(f"No challenge {challenge_id}")
    view = _view(row)
    if not view.sees(actor):
        raise NotFound(f"No challenge {challenge_id}")
    return _with_steps([view])[0]


def list_open_challenges(*, upto: datetime | None = None) -> list[ChallengeView]:
    """Every challenge not accepted, oldest first, for the chair's dashboard: one statement."""
    query = _base().where(Challenge.status.in_(rules.OPEN_STATUSES))
    return [_view(r) for r in db.session.execute(query.order_by(Challenge.raised_at)).all()]


def list_challenge_evidence(start: datetime | None, end: datetime) -> list[ChallengeView]:
    """Evidence of challenge for a meeting pack or a quarter: every challenge raised before `end`
    that was raised, or had a step, from `start` (every one, when `start` is None), with its
    steps up to `end`: two statements."""
    query = _base().where(Challenge.raised_at <= end)
    if start is not None:
        stepped = select(ChallengeStep.challenge_id).where(
            ChallengeStep.recorded_at >= start, ChallengeStep.recorded_at <= end
        )
        query = query.where(or_(Challenge.raised_at >= start, Challenge.id.in_(stepped)))
    views = [
        _view(r) for r in db.session.execute(query.order_by(Challenge.raised_at, Challenge.id))
    ]
    views = _with_steps(views, upto=end)
    for view in views:  # the status as it stood at `end`
        view.status = _status_after(view.steps)
    return views


def challenge_evidence(start: datetime | None, end: datetime) -> list[dict]:
    """`list_challenge_evidence` as plain values (JSON as it is), for a meeting's frozen
    snapshot and the quarterly report: raised, by whom, the question, every step, the status."""
    return [
        {
            "id": c.id,
            "subject": c.subject,
            "action": c.action_ref,
            "plan": c.plan,
            "question": c.question,
            "raised_by": c.raised_by,
            "raised_at": c.raised_at.isoformat(),
            "status": c.status.value,
            "status_label": c.status.label,
            "steps": [
                {
                    "kind": s.kind,
                    "label": s.label,
                    "text": s.text,
                    "by": s.author,
                    "at": s.recorded_at.isoformat(),
                }
                for s in c.steps
            ],
        }
        for c in list_challenge_evidence(start, end)
    ]


def hidden_note(count: int) -> str:
    """What a report or pack says in place of the challenges its reader may not read."""
    group = settings.current().words.group_short
    return (
        f"{count} challenge{'s are' if count != 1 else ' is'} not shown: the challenge log "
        f"shows a challenge's text only to chairs, {group} members and administrators, and to "
        "the people who raised or answer it."
    )


def readable_evidence(items: list[dict], actor: Actor | None) -> tuple[list[dict], int]:
    """Evidence of challenge (as `challenge_evidence` writes it: in the quarterly report, or a
    meeting's stored snapshot) cut to what the challenge log lets `actor` read: the challenges
    they may see, text and all, and how many others there are (they exist; their text is not
    shown). The board (admin, chairs, the group's members) reads every one without a query; anyone
    else's are decided by the log's own rule (`_visible_to`) on the challenges as they are now,
    in one statement. A challenge no longer found is not shown."""
    if not items:
        return [], 0
    if actor is not None and actor.active and actor.role in rules.SEES_EVERY_CHALLENGE:
        return list(items), 0
    ids = [c["id"] for c in items if isinstance(c.get("id"), int)]
    readable: set[int] = set()
    if ids and actor is not None and actor.active:
        query = _visible_to(_base(), actor).where(Challenge.id.in_(ids))
        readable = {row[0].id for row in db.session.execute(query)}
    shown = [c for c in items if c.get("id") in readable]
    return shown, len(items) - len(shown)


def _status_after(steps: list[StepView]) -> Status:
    status = Status.OPEN
    for step in steps:
        moved = rules.after_step(status, step.kind)
        if isinstance(moved, Status):
            status = moved
    return status


def awaiting_me(actor: Actor | None) -> list[ChallengeView]:
    """The challenges waiting for this person's response (open or escalated): for the home
    page. One statement."""
    if actor is None or actor.user_id is None:
        return []
    query = _base().where(Challenge.status.in_((Status.OPEN.value, Status.ESCALATED.value)))
    mine = [Action.lead_user_id == actor.user_id]
    spoken = {
        c
        for c in (actor.locality if actor.role == "locality_head" else None, actor.deputy_for)
        if c
    }
    if spoken:
        mine.append(_LOCALITY.in_(sorted(spoken)))
    query = query.where(or_(*mine)).order_by(Challenge.raised_at)
    return [_view(r) for r in db.session.execute(query).all()]


# -- writing ------------------------------------------------------------------------------------


def _check_text(text: str | None, *, name: str, what: str, limit: int, required: bool = True):
    message = rules.check_text(text, what=what, limit=limit, required=required)
    if message is None:
        message = personal_data_message(text or "")
    if message:
        raise Rejected({name: message})
    return (text or "").strip()


def raise_challenge(
    actor: Actor | None,
    *,
    question: str | None,
    now: datetime,
    action_ref: str | None = None,
    locality: str | None = None,
    cycle: int | None = None,
    remote_addr: str = "",
) -> int:
    """A chair or group member puts a question on an action or a locality's return for a cycle;
    the people who answer it are told through the outbox. Committed once; returns its id."""
    if action_ref is not None:
        action = db.session.execute(
            select(Action.id).where(Action.ref == action_ref[:32])
        ).scalar_one_or_none()
        if action is None:
            raise NotFound(f"No action {action_ref}")
        target = {"action_id": action, "locality_id": None, "cycle_id": None}
    else:
        locality_id = db.session.execute(
            select(Locality.id).where(Locality.code == (locality or "")[:32])
        ).scalar_one_or_none()
        cycle_id = db.session.execute(
            select(UpdateCycle.id).where(
                UpdateCycle.number == (cycle if cycle and 0 < cycle <= MAX_ID else -1)
            )
        ).scalar_one_or_none()
        if locality_id is None or cycle_id is None:
            raise NotFound(f"No return for {locality} cycle {cycle}")
        found = (locality_id, cycle_id)
        target = {"action_id": None, "locality_id": found[0], "cycle_id": found[1]}
    if not rules.may_raise(actor):
        raise Forbidden(action_ref or f"{locality}/{cycle}")
    assert actor is not None and actor.user_id is not None
    text = _check_text(question, name="question", what="question", limit=rules.QUESTION_LIMIT)
    challenge = Challenge(
        **target,
        question=text,
        raised_by_id=actor.user_id,
        raised_at=now,
        status=Status.OPEN.value,
        steps=0,
        last_step_at=now,
    )
    db.session.add(challenge)
    db.session.flush()
    view = get_challenge(challenge.id, actor)
    add_event(
        "challenge_raised",
        now=now,
        user_id=actor.user_id,
        target=view.subject,
        detail={"challenge": challenge.id},
        remote_addr=remote_addr,
    )
    recipients, on_behalf = _routed(view)
    _notify(
        view, "raised", recipients, now=now, author=view.raised_by, text=text, on_behalf=on_behalf
    )
    if challenge.action_id is not None:  # the challenger follows the action from now on
        notify.add_follow(actor.user_id, challenge.action_id, now=now)
    db.session.commit()
    return challenge.id


def add_step(
    challenge_id: int,
    kind: str,
    *,
    text: str | None,
    actor: Actor | None,
    now: datetime,
    remote_addr: str = "",
) -> ChallengeView:
    """A response (by whoever answers for the action or return), or an acceptance or escalation
    (by the challenger or a chair), as a new step; committed once. Nothing is written when the
    step is not allowed, the text is wrong, or someone else wrote a step a moment before."""
    if kind not in rules.STEP_KINDS:
        raise Rejected({"outcome": "Choose whether to accept or escalate the challenge"})
    view = get_challenge(challenge_id, actor)
    if kind == "response":
        if not view.answered_by(actor):
            raise Forbidden(str(challenge_id))
    elif not rules.may_decide(actor, raised_by_id=view.raised_by_id):
        raise Forbidden(str(challenge_id))
    assert actor is not None and actor.user_id is not None
    field_name = "response" if kind == "response" else "note"
    moved = rules.after_step(view.status, kind)
    if not isinstance(moved, Status):
        raise StepRefused({field_name: moved})
    if kind == "response":
        body = _check_text(text, name=field_name, what="response", limit=rules.RESPONSE_LIMIT)
    else:
        body = _check_text(
            text,
            name=field_name,
            what="note saying why it is escalated" if kind == "escalated" else "note",
            limit=rules.NOTE_LIMIT,
            required=kind == "escalated",
        )
    number = view.step_count + 1
    claimed = db.session.execute(
        update(Challenge)
        .where(Challenge.id == challenge_id, Challenge.steps == view.step_count)
        .values(steps=number, status=moved.value, last_step_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise StepRefused(
            {field_name: "Someone else added to this challenge a moment ago: read it again"}
        )
    step = ChallengeStep(
        challenge_id=challenge_id,
        action_id=db.session.execute(
            select(Challenge.action_id).where(Challenge.id == challenge_id)
        ).scalar_one(),
        number=number,
        kind=kind,
        text=body,
        author_id=actor.user_id,
        recorded_at=now,
    )
    try:
        db.session.add(step)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise StepRefused(
            {field_name: "Someone else added to this challenge a moment ago: read it again"}
        ) from None
    add_event(
        f"challenge_{'responded' if kind == 'response' else kind}",
        now=now,
        user_id=actor.user_id,
        target=view.subject,
        detail={"challenge": challenge_id, "step": number},
        remote_addr=remote_addr,
    )
    author = db.session.execute(select(User.name).where(User.id == actor.user_id)).scalar_one()
    if kind == "response":
        _notify(
            view, "response", [view.raised_by_id], now=now, author=author, text=body, step=step.id
        )
    elif kind == "escalated":
        recipients, on_behalf = _routed(view)
        _notify(
            view,
            "escalated",
            recipients,
            now=now,
            author=author,
            text=body,
            step=step.id,
            on_behalf=on_behalf,
        )
    db.session.commit()
    view.status = moved
    return view


def _answerers(view: ChallengeView) -> list[int]:
    """Who answers: the action's lead and, for a locality's action or return, its head and
    named deputy."""
    return _answerer_ids(view.lead_user_id, view.locality)


@dataclass(frozen=True)
class Routing:
    """Where a challenge's mail for one person who answers it goes: to them, or, when they
    cannot sign in, to their line manager or an area's head instead (or to nobody)."""

    person_id: int
    person: str
    problem: str | None  # why they cannot sign in; None when they can
    instead_id: int | None = None
    instead: str | None = None
    instead_as: str = ""

    @property
    def recipient_id(self) -> int | None:
        return self.person_id if self.problem is None else self.instead_id

    @property
    def warning(self) -> str | None:
        """What the chair is told before sending, or None when the person is told."""
        if self.problem is None:
            return None
        if self.instead_id is None:
            return (
                f"{self.person} cannot sign in ({self.problem}), and has no line manager or "
                "head of service who can: nobody will be emailed for them. Ask an administrator "
                "to invite them."
            )
        return (
            f"{self.person} cannot sign in ({self.problem}); this will go to {self.instead}, "
            f"{self.instead_as}, instead."
        )

    @property
    def on_behalf(self) -> str:
        """The line in the substitute's mail saying why it came to them."""
        return (
            f"{self.person} cannot sign in ({self.problem}), so this comes to you as "
            f"{self.instead_as}: please pass it on or answer for them."
        )


def _signs_in(user: User | None) -> bool:
    return bool(user and user.active and user.email and user.password_hash)


def route_answerers(lead_user_id: int | None, locality: str | None) -> list[Routing]:
    """Who a challenge on this action or return is mailed to, person by person: four queries
    at most, whatever the number of people."""
    ids = _answerer_ids(lead_user_id, locality)
    if not ids:
        return []
    people = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}
    stuck = [people[i] for i in ids if i in people and not _signs_in(people[i])]
    if not stuck:
        return [Routing(i, people[i].name, None) for i in ids if i in people]
    # Their line managers and the heads of their localities (and of the challenge's), who can
    # sign in: one statement.
    manager_ids = [p.line_manager_id for p in stuck if p.line_manager_id] or [-1]
    place_ids = [p.locality_id for p in stuck if p.locality_id] or [-1]
    here = select(Locality.id).where(Locality.code == (locality or ""))
    candidates = [
        u
        for u in db.session.execute(
            select(User)
            .where(
                or_(
                    User.id.in_(manager_ids),
                    and_(
                        User.role == "locality_head",
                        or_(User.locality_id.in_(place_ids), User.locality_id.in_(here)),
                    ),
                )
            )
            .order_by(User.id)
        ).scalars()
        if _signs_in(u)
    ]
    managers = {u.id: u for u in candidates}
    heads: dict[int | None, User] = {}
    for u in candidates:
        if u.role == "locality_head":
            heads.setdefault(u.locality_id, u)
    locality_id = next(
        (u.locality_id for u in candidates if u.locality and u.locality.code == locality), None
    )
    invited = set(
        db.session.execute(
            select(Invitation.user_id).where(Invitation.user_id.in_([p.id for p in stuck]))
        ).scalars()
    )
    out = []
    for i in ids:
        person = people.get(i)
        if person is None:
            continue
        if _signs_in(person):
            out.append(Routing(i, person.name, None))
            continue
        if not person.active:
            problem = "they have left"
        elif not person.email:
            problem = "they have no email address"
        elif person.id in invited:
            problem = "invited, but they have not set a password yet"
        else:
            problem = "not invited yet"
        manager = managers.get(person.line_manager_id or -1)
        head = next(
            (
                h
                for h in (heads.get(person.locality_id or -1), heads.get(locality_id or -1))
                if h is not None and h.id != person.id
            ),
            None,
        )
        if _signs_in(manager) and manager is not None:
            out.append(
                Routing(i, person.name, problem, manager.id, manager.name, "their line manager")
            )
        elif head is not None:
            area = settings.current().words.area_lower
            place = f"the {head.locality.name} {area}" if head.locality else f"their {area}"
            out.append(Routing(i, person.name, problem, head.id, head.name, f"the head of {place}"))
        else:
            out.append(Routing(i, person.name, problem))
    return out


def who_is_told(*, action_ref: str | None = None, locality: str | None = None) -> list[Routing]:
    """Before a challenge is raised: who its mail goes to (for the chair's warning)."""
    if action_ref is not None:
        row = db.session.execute(
            select(Action.lead_user_id, Locality.code)
            .join(Plan, Plan.id == Action.plan_id)
            .outerjoin(Locality, Locality.id == Plan.locality_id)
            .where(Action.ref == action_ref[:32])
        ).first()
        if row is None:
            return []
        return route_answerers(row[0], row[1])
    return route_answerers(None, locality)


def _routed(view: ChallengeView) -> tuple[list[int], dict[int, str]]:
    """The recipients of a challenge's mail, and for each substitute the line saying for whom."""
    recipients: list[int] = []
    on_behalf: dict[int, list[str]] = {}
    for r in route_answerers(view.lead_user_id, view.locality):
        if r.recipient_id is None:
            continue
        recipients.append(r.recipient_id)
        if r.problem is not None:
            on_behalf.setdefault(r.recipient_id, []).append(r.on_behalf)
    return list(dict.fromkeys(recipients)), {k: " ".join(v) for k, v in on_behalf.items()}


def _answerer_ids(lead_user_id: int | None, locality: str | None) -> list[int]:
    ids = [lead_user_id] if lead_user_id else []
    view_locality = locality
    if view_locality:
        ids += (
            db.session.execute(
                select(User.id)
                .join(
                    Locality,
                    or_(Locality.id == User.locality_id, Locality.id == User.deputy_locality_id),
                )
                .where(
                    Locality.code == view_locality,
                    User.active.is_(True),
                    or_(
                        and_(User.role == "locality_head", User.locality_id == Locality.id),
                        User.deputy_locality_id == Locality.id,
                    ),
                )
                .order_by(User.id)
            )
            .scalars()
            .all()
        )
    return list(dict.fromkeys(ids))


_SUBJECTS = {
    "raised": "Challenge raised on {subject}",
    "response": "Your challenge on {subject} has a response",
    "escalated": "Challenge on {subject} escalated: a further response is needed",
}


def _notify(
    view: ChallengeView,
    event: str,
    recipients: list[int],
    *,
    now: datetime,
    author: str,
    text: str,
    step: int | None = None,
    on_behalf: dict[int, str] | None = None,
) -> None:
    """One message (with one item) per person per event, under a key naming the event: a retry
    or a double submission can never send it twice. People without an address, or who have
    left, are skipped (the home page still shows them what waits)."""
    people = db.session.execute(
        select(User.id, User.name, User.email).where(
            User.id.in_(recipients), User.active.is_(True), User.email.is_not(None)
        )
    ).all()
    if not people:
        return
    base_url = current_app.config["BASE_URL"].rstrip("/")
    env = current_app.jinja_env
    subject = _SUBJECTS[event].format(subject=view.subject)[:300]
    event_key = f"challenge|{view.id}|{event}|{step or 0}"
    keys = [f"{event_key}|{person_id}" for person_id, _, _ in people]
    done = set(
        db.session.execute(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))).scalars()
    )
    for person_id, name, email in people:
        key = f"{event_key}|{person_id}"
        if key in done:
            continue
        values = {
            "name": name,
            "event": event,
            "view": view,
            "author": author,
            "text": text,
            "link": f"{base_url}{view.link}",
            "on_behalf": (on_behalf or {}).get(person_id, ""),
        }
        outbox.add_message(
            key=key,
            run_day=now.astimezone(LONDON).date(),
            recipient_id=person_id,
            to_address=email,
            subject=subject,
            body_text=env.get_template("email/challenge.txt").render(**values),
            body_html=env.get_template("email/challenge.html").render(**values),
            now=now,
            item={
                "kind": f"challenge_{event}",
                "period": now.astimezone(LONDON).date().isoformat(),
                "step": str(step or 0),
                "text": subject,
                "link": view.link,
            },
        )
