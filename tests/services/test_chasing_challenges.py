"""A challenge waiting for a response goes into the daily digest of whoever answers it, once a
week from a week after it was raised, until it is answered (issue 13.2: "notified through the
outbox and digest")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from tests.builders import actor_for, make_action, make_cycles, make_user
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import OutboxItem
from tracker.services.governance import challenges
from tracker.services.mail import chasing
from tracker.services.mail.chasing import ChaseConfig

RAISED = datetime(2016, 2, 1, 10, 0, tzinfo=UTC)  # a Monday


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def raised(clean_db, app):
    chair = make_user(email="ceo@trust.example", role="chair")
    lead = make_user(email="lead@trust.example", role="action_lead")
    head = make_user(email="north@trust.example", role="locality_head", locality="north")
    make_cycles(upto=6)
    make_action(ref="MAP-001", lead=lead)
    make_action(ref="N-01", plan="north")
    db.session.commit()
    on_action = challenges.raise_challenge(
        actor_for(chair), question="Why amber for three cycles?", now=RAISED, action_ref="MAP-001"
    )
    on_return = challenges.raise_challenge(
        actor_for(chair), question="Why was it late?", now=RAISED, locality="north", cycle=2
    )
    return {
        "cfg": ChaseConfig.from_mapping(dict(app.config)),
        "chair": chair,
        "lead": lead,
        "head": head,
        "on_action": on_action,
        "on_return": on_return,
    }


def _challenge_chases(day: date, cfg) -> list[tuple[int, str, str, str]]:
    run = chasing.plan_chases(day, cfg)
    return sorted(
        (c.recipient_id, c.period, c.step, c.link)
        for d in run.digests
        for c in d.chases
        if c.kind == "challenge"
    )


def test_nothing_in_the_first_week_the_raising_email_is_the_notice(raised):
    assert _challenge_chases(date(2016, 2, 5), raised["cfg"]) == []


def test_from_a_week_on_each_who_answers_is_reminded_in_their_digest(raised):
    lead, head = raised["lead"].id, raised["head"].id
    a, r = str(raised["on_action"]), str(raised["on_return"])
    assert _challenge_chases(date(2016, 2, 8), raised["cfg"]) == sorted(
        [
            (lead, a, "week-1", f"/challenges/{a}"),
            (head, r, "week-1", f"/challenges/{r}"),
        ]
    )
    assert _challenge_chases(date(2016, 2, 16), raised["cfg"])[0][2] == "week-2"


def test_a_weeks_reminder_goes_once_and_stops_when_answered(raised):
    cfg, lead = raised["cfg"], raised["lead"]
    for day in (date(2016, 2, 8), date(2016, 2, 9), date(2016, 2, 10)):
        chasing.run_chasing(day, now=_at_nine(day), cfg=cfg)
    mine = db.session.execute(
        select(OutboxItem.step).where(
            OutboxItem.kind == "challenge", OutboxItem.recipient_id == lead.id
        )
    ).scalars()
    assert list(mine) == ["week-1"]
    challenges.add_step(
        raised["on_action"],
        "response",
        text="Two posts were vacant; both are filled from March.",
        actor=actor_for(lead),
        now=_at_nine(date(2016, 2, 11)),
    )
    later = _challenge_chases(date(2016, 2, 22), cfg)
    assert [row for row in later if row[0] == lead.id] == []
    assert [row[2] for row in later if row[0] == raised["head"].id] == ["week-3"]
