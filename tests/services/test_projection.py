"""The current-state projection always says what the history says: after the seed, after every
kind of write, and after a rebuild; and a difference is reported, not hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from tests.builders import actor_for, add_evidence, make_action, make_cycles, make_user
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import Action, ActionState
from tracker.services.governance.signoff import decide_sign_off
from tracker.services.plan import projection
from tracker.services.plan.updates import record_update

NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
TODAY = date(2016, 2, 5)
CYCLE_START = date(2016, 1, 4)


def test_the_seeded_plan_has_one_current_state_per_action_matching_its_history(seeded_app):
    with seeded_app.app_context():
        assert projection.differences() == []
        actions = db.session.execute(select(func.count()).select_from(Action)).scalar_one()
        states = db.session.execute(select(func.count()).select_from(ActionState)).scalar_one()
        assert actions == states == 183 + 4 * 38
        db.session.remove()


def _proposal(**changes) -> Proposal:
    values = {
        "summary": "Daily list in use.",
        "lifecycle": Lifecycle.IN_PROGRESS,
        "rag": Rag.GREEN,
        "impact": Impact.NOT_YET_EVIDENCED,
    } | changes
    return Proposal(**values)


@pytest.fixture
def story(clean_db):
    make_cycles(upto=4)
    lead = make_user(role="action_lead")
    chair = make_user(role="chair")
    action = make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    return {"lead": lead, "chair": chair, "action": action}


def _record(story, version, **changes):
    return record_update(
        "MAP-001",
        _proposal(**changes),
        expected_version=version,
        actor=actor_for(story["lead"]),
        now=NOW,
        today=TODAY,
        cycle_start=CYCLE_START,
    )


def _state(action_id):
    db.session.expire_all()
    return db.session.get(ActionState, action_id)


def test_every_update_moves_the_current_state_in_the_same_commit(story):
    action = story["action"]
    add_evidence(action)  # closing with evidence needs an item
    db.session.commit()
    assert _state(action.id).version == 1

    _record(story, 1, rag=Rag.AMBER, reason="Slipping.")
    state = _state(action.id)
    assert (state.version, state.rag, state.summary, state.reason) == (
        2,
        "amber",
        "Daily list in use.",
        "Slipping.",
    )
    assert state.author_id == story["lead"].id and state.cycle_id is not None

    _record(
        story,
        2,
        summary="Every team works from the daily list.",
        lifecycle=Lifecycle.COMPLETE_AWAITING_SIGNOFF,
        rag=Rag.AMBER,
        reason="Done.",
        evidence="Audit of January contacts.",
    )
    decide_sign_off(
        "MAP-001",
        approve=True,
        reason="Audit seen.",
        override_prerequisites=False,
        expected_version=3,
        actor=actor_for(story["chair"]),
        now=NOW,
        today=TODAY,
        cycle_start=CYCLE_START,
    )
    state = _state(action.id)
    assert (state.version, state.lifecycle, state.rag) == (4, "closed_evidenced", None)
    assert projection.differences() == []


def test_a_refused_update_leaves_the_current_state_as_it_was(story):
    from tracker.services.plan.updates import Conflict

    _record(story, 1)
    with pytest.raises(Conflict):
        _record(story, 1, summary="From a stale form.")
    assert _state(story["action"].id).summary == "Daily list in use."
    assert projection.differences() == []


def test_a_projection_out_of_step_is_reported_and_a_rebuild_mends_it(story):
    action = story["action"]
    _record(story, 1, rag=Rag.RED, reason="Blocked.")
    db.session.execute(
        update(ActionState)
        .where(ActionState.action_id == action.id)
        .values(rag="green", summary="Tampered.")
    )
    db.session.commit()

    problems = projection.differences()
    assert any("rag is 'green' in the projection but 'red' in history" in p for p in problems)
    assert any("summary" in p for p in problems)

    assert projection.rebuild() == 1
    db.session.commit()
    assert projection.differences() == []
    assert _state(action.id).rag == "red"


def test_a_missing_current_state_is_reported(story):
    db.session.execute(ActionState.__table__.delete())
    db.session.commit()
    assert projection.differences() == [
        f"action {story['action'].id} has history but no current state"
    ]


def test_the_cli_checks_and_rebuilds_the_projection(story, clean_db):
    runner = clean_db.test_cli_runner()
    assert runner.invoke(args=["tracker", "projection", "check"]).exit_code == 0
    db.session.execute(ActionState.__table__.delete())
    db.session.commit()
    checked = runner.invoke(args=["tracker", "projection", "check"])
    assert checked.exit_code == 1 and "has history but no current state" in checked.output
    rebuilt = runner.invoke(args=["tracker", "projection", "rebuild"])
    assert rebuilt.exit_code == 0 and "1 action" in rebuilt.output
    db.session.expire_all()
    assert runner.invoke(args=["tracker", "projection", "check"]).exit_code == 0
