"""The chasing reads only the history rows its rules look at; what it decides is exactly what
the whole history says (checked against a reference that reads every row)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.builders import add_update, make_action, make_cycles, make_user
from tracker.domain.chasing import is_stale
from tracker.domain.cycles import build_cycle
from tracker.extensions import db
from tracker.models import ActionState, ActionUpdate, UpdateCycle
from tracker.services.mail.chasing import ChaseConfig, _lead_actions


def _reference(current, stale_cycles):
    """The old way: every history row of every open main-plan action with a lead."""
    from tracker.models import Action, Plan

    cycle_numbers = dict(db.session.execute(select(UpdateCycle.id, UpdateCycle.number)).all())
    ids = db.session.execute(
        select(Action.id)
        .join(ActionState, ActionState.action_id == Action.id)
        .join(Plan, Plan.id == Action.plan_id)
        .where(
            Plan.kind == "main",
            Action.lead_user_id.is_not(None),
            ActionState.lifecycle.not_in(["closed_evidenced", "superseded"]),
        )
    ).scalars()
    history = defaultdict(list)
    for action_id, cycle_id, rag, summary in db.session.execute(
        select(
            ActionUpdate.action_id, ActionUpdate.cycle_id, ActionUpdate.rag, ActionUpdate.summary
        )
        .where(ActionUpdate.action_id.in_(list(ids)))
        .order_by(ActionUpdate.action_id, ActionUpdate.version)
    ):
        history[action_id].append((cycle_numbers.get(cycle_id), rag, summary))
    return {
        action_id: (
            current is not None and any(c == current.number for c, _, _ in updates),
            is_stale(updates, stale_cycles),
        )
        for action_id, updates in history.items()
    }


def _decided(app, current):
    cfg = ChaseConfig.from_mapping(app.config)
    refs = {r.ref: (r.updated_this_cycle, r.stale) for r in _lead_actions(current, cfg)}
    from tracker.models import Action

    ids = dict(db.session.execute(select(Action.ref, Action.id)).all())
    return {ids[ref]: v for ref, v in refs.items()}, cfg.settings.stale_cycles


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_on_the_seeded_plan_each_cycle_decides_as_the_whole_history_does(seeded_app, number):
    with seeded_app.app_context():
        current = build_cycle(date(2016, 1, 4), number)
        decided, stale_cycles = _decided(seeded_app, current)
        assert decided == _reference(current, stale_cycles)
        assert any(stale for _, stale in decided.values())  # the seed story has stale actions
        db.session.remove()


def test_random_histories_decide_as_the_whole_history_does(clean_db):
    """Updates in some cycles and not others, repeated summaries and RAGs, imports between."""
    rng = random.Random(7)
    cycles = make_cycles(upto=8)
    lead = make_user(role="action_lead")
    start = datetime(2016, 1, 4, 9, tzinfo=UTC)
    for n in range(60):
        action = make_action(ref=f"MAP-{n:03d}", lead=lead, recorded_at=start)
        when = start
        for _ in range(rng.randint(0, 12)):
            when += timedelta(days=rng.choice([1, 3, 7, 14, 20]))
            number = min(8, 1 + (when.date() - date(2016, 1, 4)).days // 14)
            add_update(
                action,
                recorded_at=when,
                rag=rng.choice(["red", "amber", "green"]),
                summary=rng.choice(["Same.", "Same.", "Moving on.", "New step."]),
                cycle_id=None if rng.random() < 0.1 else cycles[number].id,
            )
    db.session.commit()
    # Chasing runs on today's data: no update is ever recorded in a later cycle than today's.
    for number in (8, 9):
        current = build_cycle(date(2016, 1, 4), number)
        decided, stale_cycles = _decided(clean_db, current)
        assert decided == _reference(current, stale_cycles), number
