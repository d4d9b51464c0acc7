"""Everyone told of decisions: a target-date request approved or refused (the requester and the
lead), an action signed off or returned (the lead and the locality's head), a meeting's
follow-ups (each owner, with the due date). One message to each person told, written in the
decision's transaction through the outbox; none twice when the decision is posted twice,
including two chairs at the same moment (real threads, each with its own session). Run on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    add_evidence,
    add_update,
    make_action,
    make_cycles,
    make_recommendation,
    make_user,
)
from tracker.domain.meetings import FollowUpProposal, MeetingProposal
from tracker.extensions import db
from tracker.models import Notice, OutboxItem, OutboxMessage, TargetDateRequest
from tracker.services.governance import meetings as meeting_service
from tracker.services.governance.signoff import decide_sign_off
from tracker.services.plan import plan_changes
from tracker.services.plan.updates import Conflict, Rejected

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
TODAY = date(2016, 2, 5)
CYCLE_START = date(2016, 1, 4)
WAIT = 30


@pytest.fixture(params=["immediate", "digest"])
def world(clean_db, request):
    """Everyone told by a mail each time, or (the default) in their daily digest."""
    make_cycles(upto=3)
    people = {
        "chair": make_user(role="chair", email="chair@trust.example"),
        "chair2": make_user(role="chair", email="chair2@trust.example"),
        "lead": make_user(role="action_lead", email="lead@trust.example", locality="north"),
        "head": make_user(role="locality_head", email="head@trust.example", locality="north"),
        "other": make_user(role="action_lead", email="other@trust.example"),
    }
    rec = make_recommendation(ref="R1")
    make_action(
        ref="N-01",
        plan="north",
        lead=people["lead"],
        recommendation=rec,
        target_date=date(2016, 2, 12),
    )
    done = make_action(ref="N-02", plan="north", lead=people["lead"], recommendation=rec)
    add_update(
        done, recorded_at=NOW, lifecycle="complete_awaiting_signoff", summary="Done.", reason="Done"
    )
    add_evidence(done)
    if request.param == "immediate":
        for person in people.values():
            person.mail_preference = "immediate"
    db.session.commit()
    return {name: p.id for name, p in people.items()} | {
        "app": clean_db,
        "users": people,
        "preference": request.param,
    }


def _mail(prefix: str) -> list[int]:
    """Who is told of the event whose key starts with `prefix`: by a message now, or by a
    notice queued for their digest (never both)."""
    sent = db.session.execute(
        select(OutboxMessage.recipient_id).where(OutboxMessage.key.startswith(prefix))
    ).scalars()
    queued = db.session.execute(
        select(Notice.recipient_id).where(Notice.key.startswith(prefix))
    ).scalars()
    return sorted([*sent, *queued])


def _told(world, prefix: str, person: str) -> tuple[str, str]:
    """(subject or digest line, body) of what `person` was told."""
    if world["preference"] == "immediate":
        message = db.session.execute(
            select(OutboxMessage).where(
                OutboxMessage.key.startswith(prefix),
                OutboxMessage.recipient_id == world[person],
            )
        ).scalar_one()
        return message.subject, message.body_text + message.body_html
    notice = db.session.execute(
        select(Notice).where(Notice.key.startswith(prefix), Notice.recipient_id == world[person])
    ).scalar_one()
    return notice.text, notice.text + notice.link


def _written() -> int:
    """Outbox items and queued notices: one per person told."""
    return _count(OutboxItem) + _count(Notice)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def race(app, *writers: Callable[[], Any]) -> list[Any]:
    """Each writer in its own thread, app context and session, released at the same moment."""
    db.session.remove()
    start = threading.Barrier(len(writers), timeout=WAIT)
    outcomes: list[Any] = [None] * len(writers)

    def run(i: int, writer: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                start.wait()
                outcomes[i] = writer()
            except Exception as exc:  # the test looks at what each writer raised
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    return outcomes


# -- target date requests ---------------------------------------------------------------------


def _request(world) -> int:
    return plan_changes.request_target_date(
        "N-01",
        date(2016, 4, 29),
        reason="Posts vacant",
        actor=actor_for(world["users"]["head"]),
        now=NOW,
        today=TODAY,
    )


@pytest.mark.parametrize("approve", [True, False])
def test_a_date_decision_tells_the_requester_and_the_lead_once(world, approve):
    request_id = _request(world)
    assert _mail("target_date|") == []  # asking is not a decision
    plan_changes.decide_target_date(
        request_id,
        approve=approve,
        note="Seen the plan",
        actor=actor_for(world["users"]["chair"]),
        now=NOW,
    )
    mail = _mail(f"target_date|{request_id}|")
    assert mail == sorted([world["head"], world["lead"]])
    subject, body = _told(world, "target_date|", "lead")
    assert ("moved to Friday 29 April 2016" if approve else "refused") in subject
    assert "Seen the plan" in body and "/actions/N-01" in body
    # Posted again: told it was decided, and no second mail.
    with pytest.raises(Rejected):
        plan_changes.decide_target_date(
            request_id, approve=approve, note="", actor=actor_for(world["users"]["chair"]), now=NOW
        )
    assert len(_mail("target_date|")) == 2 and _written() == 2


def test_two_chairs_deciding_a_date_request_at_once_write_one_decision_and_one_mail(world):
    request_id = _request(world)
    chairs = [actor_for(world["users"]["chair"]), actor_for(world["users"]["chair2"])]
    outcomes = race(
        world["app"],
        *[
            (
                lambda c=c, a=a: plan_changes.decide_target_date(
                    request_id, approve=a, note="Decided at the meeting", actor=c, now=NOW
                )
            )
            for c, a in zip(chairs, (True, False), strict=True)
        ],
    )
    wins = [o for o in outcomes if o == "N-01"]
    lost = [o for o in outcomes if isinstance(o, Rejected)]
    assert len(wins) == 1 and len(lost) == 1, outcomes
    # Caught in the act ("decided" meanwhile) or, on a busy machine, read after the other
    # committed ("already been approved/refused"): either way it says the other chair won.
    message = lost[0].errors["decision"]
    assert "decided" in message or "has already been" in message, message
    assert len(_mail("target_date|")) == 2 and _written() == 2
    assert db.session.get(TargetDateRequest, request_id).status in ("approved", "refused")


def test_a_date_decision_that_fails_writes_no_mail(world, monkeypatch):
    request_id = _request(world)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(plan_changes, "add_event", broken)
    with pytest.raises(RuntimeError):
        plan_changes.decide_target_date(
            request_id, approve=True, note="", actor=actor_for(world["users"]["chair"]), now=NOW
        )
    db.session.rollback()
    assert _written() == 0
    assert db.session.get(TargetDateRequest, request_id).status == "pending"


# -- sign-off -------------------------------------------------------------------------------------


def _sign_off(actor, approve=True):
    return decide_sign_off(
        "N-02",
        approve=approve,
        reason="Audit seen" if approve else "No audit yet",
        override_prerequisites=False,
        expected_version=2,
        actor=actor,
        now=NOW,
        today=TODAY,
        cycle_start=CYCLE_START,
    )


@pytest.mark.parametrize("approve", [True, False])
def test_a_sign_off_decision_tells_the_lead_and_the_locality_head_once(world, approve):
    _sign_off(actor_for(world["users"]["chair"]), approve)
    mail = _mail("sign_off|")
    assert mail == sorted([world["head"], world["lead"]])
    subject, _ = _told(world, "sign_off|", "head")
    assert ("signed off and closed" if approve else "returned to its lead") in subject
    with pytest.raises(Conflict):  # posted again: the action has moved on
        _sign_off(actor_for(world["users"]["chair"]), approve)
    assert len(_mail("sign_off|")) == 2 and _written() == 2


def test_two_chairs_signing_off_at_once_write_one_decision_and_one_mail(world):
    chairs = [actor_for(world["users"]["chair"]), actor_for(world["users"]["chair2"])]
    outcomes = race(world["app"], *[(lambda c=c: _sign_off(c)) for c in chairs])
    # One wins. The other is caught in the act (a conflict) or, on a busy machine, reads the
    # action after the winner closed it (refused: closed with evidence). Either way, one
    # decision and one mail.
    won = [o for o in outcomes if isinstance(o, int)]
    lost = [o for o in outcomes if not isinstance(o, int)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], Conflict) or (
        isinstance(lost[0], Rejected) and "closed" in str(lost[0])
    ), outcomes
    assert len(_mail("sign_off|")) == 2 and _written() == 2


def test_a_refused_sign_off_writes_no_mail(world):
    with pytest.raises(Rejected):
        decide_sign_off(
            "N-02",
            approve=True,
            reason="",
            override_prerequisites=False,
            expected_version=2,
            actor=actor_for(world["users"]["chair"]),
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )
    db.session.rollback()
    assert _written() == 0


# -- meeting follow-ups ---------------------------------------------------------------------------


def _meeting(world, key="c" * 32):
    return meeting_service.record_meeting(
        MeetingProposal(
            kind="getting_to_good",
            held_on=TODAY,
            chair_id=world["chair"],
            attendee_ids=(world["lead"], world["head"]),
            follow_ups=(
                FollowUpProposal("Bring a recovery plan", world["lead"], date(2016, 2, 19)),
                FollowUpProposal("Report on audits", world["head"], date(2016, 3, 4)),
                FollowUpProposal("Check the audit sample", world["lead"], date(2016, 3, 4)),
            ),
        ),
        key=key,
        actor=actor_for(world["users"]["chair"]),
        now=NOW,
        today=TODAY,
    )


def test_each_follow_up_owner_is_told_with_the_due_date_once(world):
    _meeting(world)
    mail = _mail("follow_up|")
    assert mail == sorted([world["lead"], world["lead"], world["head"]])
    _, body = _told(world, "follow_up|", "head")
    assert "Report on audits" in body and "Friday 4 March 2016" in body
    _meeting(world)  # the same form posted again: the same meeting, no more mail
    assert len(_mail("follow_up|")) == 3


def test_one_meeting_posted_twice_at_once_tells_each_owner_once(world):
    outcomes = race(world["app"], lambda: _meeting(world), lambda: _meeting(world))
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({o[0] for o in outcomes}) == 1
    assert len(_mail("follow_up|")) == 3 and _written() == 3


# -- the daily digest -----------------------------------------------------------------------------


@pytest.mark.parametrize("world", ["digest"], indirect=True)
def test_a_decision_waits_for_the_digest_and_goes_in_it_once(world):
    """By default people are told in their daily digest: the scheduler's next chase run carries
    the decision, once, however often it runs."""
    assert world["preference"] == "digest"
    from tracker.services.mail.chasing import ChaseConfig, run_chasing

    cfg = ChaseConfig.from_mapping(world["app"].config)
    _sign_off(actor_for(world["users"]["chair"]))
    assert _count(OutboxMessage) == 0  # nothing mailed at once
    day = date(2016, 2, 8)
    now = datetime(2016, 2, 8, 9, 0, tzinfo=UTC)
    run_chasing(day, now=now, cfg=cfg)
    items = db.session.execute(
        select(OutboxItem.recipient_id, OutboxItem.text).where(OutboxItem.kind == "notice")
    ).all()
    assert sorted(r for r, _ in items) == sorted([world["lead"], world["head"]])
    assert all("N-02 is signed off and closed" in text for _, text in items)
    digest = db.session.execute(
        select(OutboxMessage.body_text)
        .join(OutboxItem, OutboxItem.message_id == OutboxMessage.id)
        .where(OutboxItem.kind == "notice", OutboxItem.recipient_id == world["head"])
    ).scalar_one()
    assert "N-02 is signed off and closed" in digest and "/actions/N-02" in digest
    run_chasing(day, now=now, cfg=cfg)  # a rerun, or a second scheduler
    run_chasing(date(2016, 2, 9), now=now, cfg=cfg)  # and the next day
    notices = db.session.execute(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "notice")
    ).scalar_one()
    assert notices == 2


def test_telling_many_people_of_many_events_reads_the_same_few_times(world, count_queries):
    """A meeting with many follow-ups: three reads, whatever the number (writes aside)."""
    from tracker.services.mail import notify

    def reads(n: int) -> int:
        events = [
            (
                notify.Notice(f"test|{n}|{i}", "follow_up", f"Item {i}", ("x", "y"), "/"),
                [world["lead"], world["head"]],
            )
            for i in range(n)
        ]
        with count_queries(world["app"]) as counter:
            notify.tell_each(events, now=NOW)
        db.session.rollback()
        return sum(1 for s in counter.statements if s.lstrip().upper().startswith("SELECT"))

    assert reads(1) == reads(6) == 3
