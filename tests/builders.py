"""Builders for tests that need a few rows: keyword-only arguments with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from werkzeug.security import generate_password_hash

from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionUpdate,
    Inspection,
    Locality,
    Measure,
    MeasureTarget,
    MeasureValue,
    Organisation,
    Plan,
    Recommendation,
    User,
)
from tracker.services.plan.projection import project

# A complete, illustrative SEF: every question answered, a self-grade chosen.
SEF_ANSWERS = {
    "what_we_know": "Management oversight is recorded on most files; drift in two teams.",
    "how_we_know": "Monthly audit of 40 files, supervision records and team meetings.",
    "what_we_are_doing": "Practice weeks in both teams; weekly case direction by managers.",
    "management_oversight": "Case direction recorded on 78% of audited files, up from 61%.",
    "practice_quality": "Assessments timely in 85% of cases; plans still too generic.",
    "evidence": "January case file audit; key measures dashboard.",
    "self_grade": "requires_improvement",
}
NOW = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
_seq = itertools.count(1)


def get_or_make_org(code: str = "trust", *, kind: str = "trust") -> Organisation:
    org = db.session.execute(db.select(Organisation).filter_by(code=code)).scalar_one_or_none()
    if org is None:
        org = Organisation(code=code, name=code.title(), kind=kind)
        db.session.add(org)
        db.session.flush()
    return org


def get_or_make_locality(code: str = "north") -> Locality:
    loc = db.session.execute(db.select(Locality).filter_by(code=code)).scalar_one_or_none()
    if loc is None:
        loc = Locality(code=code, name=code.title())
        db.session.add(loc)
        db.session.flush()
    return loc


def make_user(
    *,
    email: str | None = None,
    role: str = "action_lead",
    org: str = "trust",
    locality: str | None = None,
    password: str | None = "a-long-test-password",
    active: bool = True,
    deputy_for: str | None = None,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"person{n}@trust.example",
        name=f"Person {n}",
        job_title="Service Manager",
        organisation_id=get_or_make_org(org).id,
        role=role,
        locality_id=get_or_make_locality(locality).id if locality else None,
        password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000")
        if password
        else None,
        active=active,
        created_at=NOW,
        deputy_locality_id=get_or_make_locality(deputy_for).id if deputy_for else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_recommendation(*, ref: str | None = None, lead_body: str = "trust") -> Recommendation:
    # Only the id: a builder run against an older schema (the migration tests) still works.
    inspection_id = db.session.execute(db.select(Inspection.id)).scalars().first()
    if inspection_id is None:
        # Only the columns every schema has, for the same reason.
        inspection_id = db.session.execute(
            db.insert(Inspection).values(
                framework="SIF",
                local_authority="Exampleshire",
                report_published=date(2015, 11, 27),
                deadline_anchor="publication",
                judgements=[{"area": "Overall effectiveness", "grade": "Inadequate"}],
            )
        ).inserted_primary_key[0]
    n = next(_seq)
    rec = Recommendation(
        inspection_id=inspection_id,
        ref=ref or f"R{n}",
        number=n,
        title=f"Recommendation {n}",
        text="Illustrative text.",
        judgement_area="Children who need help and protection",
        lead_body=lead_body,
        partners=[],
    )
    db.session.add(rec)
    db.session.flush()
    return rec


def get_or_make_plan(code: str = "main") -> Plan:
    plan = db.session.execute(db.select(Plan).filter_by(code=code)).scalar_one_or_none()
    if plan is None:
        locality = get_or_make_locality(code) if code != "main" else None
        plan = Plan(
            code=code,
            name=f"{code.title()} plan",
            kind="main" if code == "main" else "locality",
            locality_id=locality.id if locality else None,
        )
        db.session.add(plan)
        db.session.flush()
    return plan


def make_action(
    *,
    ref: str | None = None,
    plan: str = "main",
    recommendation: Recommendation | None = None,
    lead: User | None = None,
    org: str = "trust",
    target_date: date | None = date(2016, 3, 31),
    lifecycle: str = "in_progress",
    rag: str | None = "green",
    impact: str = "not_yet_evidenced",
    recorded_at: datetime = NOW,
) -> Action:
    n = next(_seq)
    action = Action(
        ref=ref or f"T-{n:03d}",
        plan_id=get_or_make_plan(plan).id,
        recommendation_id=(recommendation or make_recommendation()).id,
        title=f"Action {n}",
        description="Illustrative action.",
        lead_user_id=lead.id if lead else None,
        lead_organisation_id=get_or_make_org(org).id,
        start_date=date(2016, 1, 4),
        target_date=target_date,
        success_measure="Measured by audit.",
        version=1,
        created_at=recorded_at,
    )
    db.session.add(action)
    db.session.flush()
    first = ActionUpdate(
        action_id=action.id,
        version=1,
        cause="import",
        recorded_at=recorded_at,
        lifecycle=lifecycle,
        rag=rag,
        impact=impact,
        summary="Agreed.",
        reason="",
        evidence="",
    )
    db.session.add(first)
    db.session.flush()
    project(first)  # as every service does: the current state moves with the history
    return action


def add_update(
    action: Action,
    *,
    recorded_at: datetime,
    lifecycle: str = "in_progress",
    rag: str | None = "green",
    impact: str = "not_yet_evidenced",
    summary: str = "Progress.",
    reason: str = "",
    author: User | None = None,
    cycle_id: int | None = None,
) -> ActionUpdate:
    action.version += 1
    update = ActionUpdate(
        action_id=action.id,
        version=action.version,
        cycle_id=cycle_id,
        cause="person",
        author_id=author.id if author else None,
        recorded_at=recorded_at,
        lifecycle=lifecycle,
        rag=rag,
        impact=impact,
        summary=summary,
        reason=reason,
        evidence="",
    )
    db.session.add(update)
    db.session.flush()
    project(update)
    return update


def depends(
    action: Action, on: Action, *, created_at: datetime = NOW, by: User | None = None
) -> None:
    """`action` depends on `on`: loaded with the plan (no `by`), or added by a person."""
    db.session.add(
        ActionDependency(
            action_id=action.id,
            depends_on_id=on.id,
            created_at=created_at,
            created_by_id=by.id if by else None,
        )
    )
    db.session.flush()


def make_cycles(*, upto: int, first_start: date = date(2016, 1, 4)) -> dict:
    """UpdateCycle rows 1..`upto` as the domain builds them (due at noon London), by number."""
    from tracker.domain.cycles import build_cycle
    from tracker.models import UpdateCycle

    cycles = {}
    for number in range(1, upto + 1):
        c = build_cycle(first_start, number)
        cycles[number] = UpdateCycle(
            number=number, opens_on=c.opens_on, due_on=c.due_on, due_at=c.due_at_utc
        )
        db.session.add(cycles[number])
    db.session.flush()
    return cycles


def actor_for(user: User):
    """The plain-values Actor the services are handed for `user`."""
    from tracker.domain.permissions import Actor, Role

    locality = db.session.get(Locality, user.locality_id) if user.locality_id else None
    deputy = db.session.get(Locality, user.deputy_locality_id) if user.deputy_locality_id else None
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        locality=locality.code if locality else None,
        active=user.active,
        deputy_for=deputy.code if deputy else None,
    )


def make_locality_return(
    *,
    locality: str = "north",
    cycle,
    status: str = "submitted",
    late: bool = False,
    submitted_at: datetime | None = None,
    by: User | None = None,
):
    """A LocalityReturn row for `cycle` (an UpdateCycle): submitted by default, or a draft."""
    from tracker.models import LocalityReturn

    record = LocalityReturn(
        locality_id=get_or_make_locality(locality).id,
        cycle_id=cycle.id,
        status=status,
        late=late,
        submitted_at=submitted_at if status == "submitted" else None,
        submitted_by_id=by.id if by and status == "submitted" else None,
        draft_saved_at=submitted_at if status == "draft" else None,
        draft_saved_by_id=by.id if by and status == "draft" else None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def latest_update(ref: str) -> ActionUpdate:
    """The newest history row of the action `ref` (its current state)."""
    from sqlalchemy import select

    return db.session.execute(
        select(ActionUpdate)
        .join(Action, Action.id == ActionUpdate.action_id)
        .where(Action.ref == ref)
        .order_by(ActionUpdate.version.desc())
        .limit(1)
    ).scalar_one()


def make_outbox_message(
    *,
    to: User,
    status: str = "pending",
    attempts: int = 0,
    last_error: str = "",
    subject: str = "Ofsted action plan: 1 thing for you",
    body_html: str = '<p>Update <a href="http://tracker.example/actions/T-001">T-001</a></p>',
    items: int = 0,
    created_at: datetime = NOW,
):
    """An outbox message to `to` (with `items` chase items), as chasing would write it."""
    from tracker.models import OutboxItem, OutboxMessage

    n = next(_seq)
    message = OutboxMessage(
        key=f"test|{n}",
        run_day=created_at.date(),
        recipient_id=to.id,
        to_address=to.email or "",
        subject=subject,
        body_text="Update T-001: http://tracker.example/actions/T-001",
        body_html=body_html,
        created_at=created_at,
        status=status,
        attempts=attempts,
        next_attempt_at=created_at,
        last_error=last_error,
    )
    db.session.add(message)
    db.session.flush()
    for i in range(items):
        db.session.add(
            OutboxItem(
                key=f"test|{n}|{i}",
                message_id=message.id,
                recipient_id=to.id,
                kind="action_update_due",
                period="2016-c3",
                step=f"step-{i}",
                text=f"Update action T-{i:03d}",
                link=f"/actions/T-{i:03d}",
                created_at=created_at,
            )
        )
    db.session.flush()
    return message


def make_date_request(
    action: Action,
    *,
    by: User | None = None,
    new_date: date = date(2016, 4, 29),
    requested_at: datetime = NOW,
    status: str = "pending",
    decided_by: User | None = None,
    decided_at: datetime | None = None,
    reason: str = "Recruitment to two posts is delayed.",
    note: str = "",
):
    """A request to move `action`'s target date (pending unless a status is given). An approved
    one moves the date and keeps the first as the baseline, as the service does."""
    from tracker.models import TargetDateRequest

    request = TargetDateRequest(
        action_id=action.id,
        requested_by_id=by.id if by else None,
        requested_at=requested_at,
        old_date=action.target_date,
        new_date=new_date,
        reason=reason,
        status=status,
        decided_by_id=decided_by.id if decided_by else None,
        decided_at=decided_at if status != "pending" else None,
        decision_note=note,
    )
    db.session.add(request)
    if status == "approved":
        action.baseline_target_date = action.baseline_target_date or action.target_date
        action.target_date = new_date
        action.plan_version += 1
    db.session.flush()
    return request


def make_measure(
    *,
    code: str | None = None,
    title: str = "Illustrative measure",
    area: str = "children_in_need",
    kind: str = "key",
    polarity: str = "higher",
    unit: str = "percentage",
    frequency: str = "monthly",
    basis: str = "latest",
    target: str | None = "90",
    tolerance: str | None = "80",
    effective_from: date = date(2014, 10, 1),
) -> Measure:
    """A measure with one target in force from `effective_from` (none when target is None)."""
    from decimal import Decimal

    n = next(_seq)
    measure = Measure(
        code=code or f"T{n}",
        title=title,
        definition="Illustrative.",
        area=area,
        kind=kind,
        polarity=polarity,
        unit=unit,
        frequency=frequency,
        quarter_basis=basis,
        numerator_label="",
        denominator_label="",
        position=n,
    )
    db.session.add(measure)
    db.session.flush()
    db.session.add(
        MeasureTarget(
            measure_id=measure.id,
            effective_from=effective_from,
            target=None if target is None else Decimal(target),
            tolerance=None if tolerance is None else Decimal(tolerance),
            reason="Illustrative.",
            recorded_at=NOW,
        )
    )
    db.session.flush()
    return measure


def add_measure_value(
    measure: Measure,
    *,
    period: date,
    value: str,
    numerator: str | None = None,
    denominator: str | None = None,
    narrative: str = "Illustrative narrative.",
) -> MeasureValue:
    from decimal import Decimal

    row = MeasureValue(
        measure_id=measure.id,
        period=period,
        value=Decimal(value),
        numerator=None if numerator is None else Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        narrative=narrative,
        recorded_at=NOW,
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_sef_version(
    *,
    locality: str = "north",
    month: str = "2016-02",
    status: str = "submitted",
    saved_at: datetime = NOW,
    version: int = 1,
):
    """One saved version of a locality's SEF (complete, illustrative answers)."""
    from tracker.models import SefVersion

    row = SefVersion(
        locality_id=get_or_make_locality(locality).id,
        month=month,
        version=version,
        status=status,
        **SEF_ANSWERS,
        saved_at=saved_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_meeting(
    *,
    chair: User,
    held_on: date = date(2016, 2, 5),
    kind: str = "getting_to_good",
    attendees: tuple[User, ...] = (),
    follow_ups: tuple[tuple[str, User, date], ...] = (),
    decisions: tuple[str, ...] = (),
    now: datetime = datetime(2016, 2, 5, 10, 0, tzinfo=UTC),
    key: str | None = None,
    by: User | None = None,
) -> int:
    """A meeting recorded through the service, as the chair's form would (commits): its id."""
    from tracker.domain.meetings import FollowUpProposal, MeetingProposal
    from tracker.services.governance.meetings import record_meeting

    meeting_id, _ = record_meeting(
        MeetingProposal(
            kind=kind,
            held_on=held_on,
            chair_id=chair.id,
            attendee_ids=tuple(a.id for a in attendees),
            notes="Illustrative notes.",
            decisions=decisions,
            follow_ups=tuple(
                FollowUpProposal(text=text, assignee_id=who.id, due_on=due)
                for text, who, due in follow_ups
            ),
        ),
        key=key or f"{next(_seq):032x}",
        actor=actor_for(by or chair),
        now=now,
        today=held_on,
    )
    return meeting_id


def add_evidence(
    action: Action,
    *,
    title: str = "Audit of case files",
    by: User | None = None,
    added_at: datetime = NOW,
    withdrawn: bool = False,
):
    """A link to evidence on the action (closing with evidence needs one)."""
    from tracker.models import Evidence

    row = Evidence(
        action_id=action.id,
        kind="link",
        url="https://intranet.example/evidence.pdf",
        title=title,
        evidence_type="audit",
        evidence_date=added_at.date(),
        added_by_id=by.id if by else None,
        added_at=added_at,
        withdrawn_at=added_at if withdrawn else None,
        withdrawn_reason="Superseded by a later audit" if withdrawn else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_inspection(*, published: date = date(2015, 11, 27)):
    """The inspection (SIF), its report published on `published`: the statutory deadline is 70
    working days after it (9 March 2016 for the seed's 27 November 2015)."""
    from tracker.models import Inspection

    inspection = Inspection(
        framework="SIF",
        local_authority="Illustrative council",
        report_published=published,
        deadline_anchor="publication",
        judgements=[],
    )
    db.session.add(inspection)
    db.session.flush()
    return inspection
