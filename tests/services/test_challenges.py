"""The challenge log: raise, respond, accept or escalate; who may; what is written and sent.
Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import actor_for, make_action, make_cycles, make_recommendation, make_user
from tracker.domain.challenges import Status
from tracker.extensions import db
from tracker.models import AuditEvent, Challenge, ChallengeStep, OutboxItem, OutboxMessage
from tracker.services.errors import NotFound
from tracker.services.governance import challenges as service
from tracker.services.plan.updates import Forbidden, Rejected

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


@pytest.fixture
def story(clean_db):
    rec = make_recommendation(ref="R3")
    people = {
        "chair": make_user(role="chair"),
        "chair2": make_user(role="chair"),
        "viewer": make_user(role="viewer"),
        "admin": make_user(role="admin"),
        "lead": make_user(role="action_lead"),
        "other_lead": make_user(role="action_lead"),
        "head": make_user(role="locality_head", locality="north"),
        "deputy": make_user(role="action_lead", deputy_for="north"),
        "south_head": make_user(role="locality_head", locality="south"),
    }
    make_action(ref="MAP-001", lead=people["lead"], recommendation=rec)
    make_action(ref="N-01", plan="north", lead=people["other_lead"], recommendation=rec)
    make_cycles(upto=3)
    db.session.commit()
    return {k: actor_for(v) for k, v in people.items()}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _messages_to(user_id: int) -> list[OutboxMessage]:
    return list(
        db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == user_id))
        .scalars()
        .all()
    )


def test_a_challenge_is_raised_answered_escalated_answered_again_and_accepted(story):
    chair, lead = story["chair"], story["lead"]
    cid = service.raise_challenge(
        chair, question="Why has this been amber for three cycles?", now=NOW, action_ref="MAP-001"
    )
    view = service.get_challenge(cid, chair)
    assert view.status is Status.OPEN and view.subject.startswith("MAP-001")
    assert [m.subject for m in _messages_to(lead.user_id)] == [
        "Challenge raised on MAP-001: " + view.action_title
    ]
    later = NOW + timedelta(days=1)
    service.add_step(cid, "response", text="Recruitment slipped.", actor=lead, now=later)
    assert len(_messages_to(chair.user_id)) == 1
    service.add_step(cid, "escalated", text="When will it recover?", actor=chair, now=later)
    assert len(_messages_to(lead.user_id)) == 2
    service.add_step(cid, "response", text="By March.", actor=lead, now=later)
    service.add_step(cid, "accepted", text="", actor=story["chair2"], now=later)
    view = service.get_challenge(cid, chair)
    assert view.status is Status.ACCEPTED
    assert [s.kind for s in view.steps] == ["response", "escalated", "response", "accepted"]
    kinds = db.session.execute(
        select(AuditEvent.kind).where(AuditEvent.kind.like("challenge_%")).order_by(AuditEvent.id)
    ).scalars()
    assert list(kinds) == [
        "challenge_raised",
        "challenge_responded",
        "challenge_escalated",
        "challenge_responded",
        "challenge_accepted",
    ]
    # Accepted is closed: nothing more, and nothing written.
    before = _count(ChallengeStep)
    with pytest.raises(Rejected, match="accepted and is closed"):
        service.add_step(cid, "response", text="More.", actor=lead, now=later)
    assert _count(ChallengeStep) == before


def test_each_event_queues_one_message_per_person_with_an_item(story):
    cid = service.raise_challenge(
        story["viewer"], question="Is the return complete?", now=NOW, locality="north", cycle=2
    )
    # A north return is answered by its head and named deputy.
    assert len(_messages_to(story["head"].user_id)) == 1
    assert len(_messages_to(story["deputy"].user_id)) == 1
    assert _messages_to(story["south_head"].user_id) == []
    assert _count(OutboxItem) == _count(OutboxMessage) == 2
    # A second send of the same event (a retry) writes nothing more.
    view = service.get_challenge(cid, story["viewer"])
    service._notify(view, "raised", [story["head"].user_id], now=NOW, author="x", text="y")
    db.session.commit()
    assert _count(OutboxMessage) == 2


def test_a_locality_action_is_answered_by_its_lead_and_its_locality_head(story):
    cid = service.raise_challenge(story["chair"], question="Why?", now=NOW, action_ref="N-01")
    recipients = {m.recipient_id for m in db.session.execute(select(OutboxMessage)).scalars()}
    assert recipients == {
        story["other_lead"].user_id,
        story["head"].user_id,
        story["deputy"].user_id,
    }
    service.add_step(cid, "response", text="Because.", actor=story["head"], now=NOW)


@pytest.mark.parametrize("who", ["lead", "head", "admin", "other_lead"])
def test_only_chairs_and_viewers_raise(story, who):
    with pytest.raises(Forbidden):
        service.raise_challenge(story[who], question="Why?", now=NOW, action_ref="MAP-001")
    assert _count(Challenge) == 0


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Enter the question"),
        ("   ", "Enter the question"),
        ("x" * 10_000, "2,000 characters or fewer"),
    ],
)
def test_an_empty_or_huge_question_is_refused_with_nothing_written(story, question, message):
    with pytest.raises(Rejected, match=message):
        service.raise_challenge(story["chair"], question=question, now=NOW, action_ref="MAP-001")
    assert _count(Challenge) == 0 and _count(OutboxMessage) == 0


def test_unknown_targets_are_not_found(story):
    with pytest.raises(NotFound):
        service.raise_challenge(story["chair"], question="Why?", now=NOW, action_ref="MAP-999")
    with pytest.raises(NotFound):
        service.raise_challenge(story["chair"], question="Why?", now=NOW, locality="x", cycle=1)
    with pytest.raises(NotFound):
        service.raise_challenge(
            story["chair"], question="Why?", now=NOW, locality="north", cycle=99
        )
    with pytest.raises(NotFound):
        service.get_challenge(999_999, story["chair"])
    with pytest.raises(NotFound):
        service.add_step(2**40, "response", text="x", actor=story["lead"], now=NOW)


def test_who_may_respond_accept_and_see(story):
    cid = service.raise_challenge(story["viewer"], question="Why?", now=NOW, action_ref="MAP-001")
    # Not the lead: refused. Someone who may not see it: not found.
    with pytest.raises(Forbidden):
        service.add_step(cid, "response", text="x", actor=story["chair"], now=NOW)
    with pytest.raises(NotFound):
        service.add_step(cid, "response", text="x", actor=story["other_lead"], now=NOW)
    # Nothing to accept before a response.
    with pytest.raises(Rejected, match="waiting for a response"):
        service.add_step(cid, "accepted", text="", actor=story["viewer"], now=NOW)
    service.add_step(cid, "response", text="Answer.", actor=story["lead"], now=NOW)
    # The lead may not accept their own answer; another viewer is not the challenger.
    with pytest.raises(Forbidden):
        service.add_step(cid, "accepted", text="", actor=story["lead"], now=NOW)
    with pytest.raises(Rejected, match="Enter the note"):
        service.add_step(cid, "escalated", text=" ", actor=story["viewer"], now=NOW)
    assert _count(ChallengeStep) == 1
    # Seen by the board, the challenger and the lead; not by another lead or head.
    seen = {
        who: service.list_challenges(story[who])[1]
        for who in ("chair", "admin", "viewer", "lead", "other_lead", "head")
    }
    assert seen == {"chair": 1, "admin": 1, "viewer": 1, "lead": 1, "other_lead": 0, "head": 0}


def test_the_list_filters_by_status_and_plan_oldest_first(story):
    first = service.raise_challenge(story["chair"], question="A", now=NOW, action_ref="N-01")
    second = service.raise_challenge(
        story["chair"], question="B", now=NOW + timedelta(hours=1), action_ref="MAP-001"
    )
    third = service.raise_challenge(
        story["chair"], question="C", now=NOW + timedelta(hours=2), locality="north", cycle=1
    )
    service.add_step(second, "response", text="R", actor=story["lead"], now=NOW)
    every, total = service.list_challenges(story["chair"])
    assert [c.id for c in every] == [first, second, third] and total == 3
    north = service.list_challenges(story["chair"], service.ChallengeFilters(plan="north"))[0]
    assert [c.id for c in north] == [first, third]
    responded = service.ChallengeFilters(status="responded")
    assert [c.id for c in service.list_challenges(story["chair"], responded)[0]] == [second]
    waiting = service.ChallengeFilters(status="awaiting_response")
    assert [c.id for c in service.list_challenges(story["chair"], waiting)[0]] == [first, third]
    assert [c.id for c in service.awaiting_me(story["head"])] == [first, third]


def test_evidence_for_a_period_is_what_was_raised_or_answered_in_it(story):
    old = service.raise_challenge(
        story["chair"], question="Old", now=NOW - timedelta(days=100), action_ref="MAP-001"
    )
    quiet = service.raise_challenge(
        story["chair"], question="Quiet", now=NOW - timedelta(days=90), action_ref="N-01"
    )
    service.add_step(old, "response", text="Answered now", actor=story["lead"], now=NOW)
    new = service.raise_challenge(story["chair"], question="New", now=NOW, action_ref="MAP-001")
    start = NOW - timedelta(days=10)
    found = service.list_challenge_evidence(start, NOW + timedelta(days=1))
    assert [c.id for c in found] == [old, new]
    assert quiet not in [c.id for c in found]
    # As it stood at a moment before the answer: open, with no steps.
    before = service.list_challenge_evidence(None, NOW - timedelta(days=1))
    assert [(c.id, c.status, len(c.steps)) for c in before] == [
        (old, Status.OPEN, 0),
        (quiet, Status.OPEN, 0),
    ]


def test_age_is_counted_in_london_days(story):
    cid = service.raise_challenge(
        story["chair"],
        question="Late evening",
        now=datetime(2016, 1, 31, 23, 30, tzinfo=UTC),
        action_ref="MAP-001",
    )
    view = service.get_challenge(cid, story["chair"])
    assert view.age_days(date(2016, 2, 5)) == 5
