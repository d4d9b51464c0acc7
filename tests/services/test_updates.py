"""Recording one change to one action: rules, permissions, versions and the append-only history."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    add_evidence,
    add_update,
    depends,
    make_action,
    make_cycles,
    make_user,
)
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, AuditEvent
from tracker.services.errors import NotFound
from tracker.services.plan.updates import Conflict, Forbidden, Rejected, record_update

CYCLE_START = date(2016, 1, 4)
TODAY = date(2016, 2, 5)  # a Friday in cycle 3 (1 to 14 February 2016)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


def _proposal(**overrides) -> Proposal:
    values = {
        "summary": "Audit of strategy discussions completed; findings go to the next board.",
        "lifecycle": Lifecycle.IN_PROGRESS,
        "rag": Rag.GREEN,
        "impact": Impact.NOT_YET_EVIDENCED,
    }
    return Proposal(**(values | overrides))


def _record(ref, proposal, *, actor, version=1, now=NOW, today=TODAY):
    return record_update(
        ref,
        proposal,
        expected_version=version,
        actor=actor,
        now=now,
        today=today,
        cycle_start=CYCLE_START,
        remote_addr="203.0.113.9",
    )


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _updates(action_id: int) -> list[ActionUpdate]:
    return list(
        db.session.execute(
            select(ActionUpdate)
            .where(ActionUpdate.action_id == action_id)
            .order_by(ActionUpdate.version)
        ).scalars()
    )


def _assert_nothing_written(action_id: int, *, versions: int, events: int = 0) -> None:
    db.session.rollback()
    assert len(_updates(action_id)) == versions
    assert db.session.get(Action, action_id).version == versions
    assert _count(AuditEvent) == events


@pytest.fixture
def story(clean_db):
    """Cycles 1 to 4, a lead with one main-plan action, and a North and a South action."""
    cycles = make_cycles(upto=4)
    lead = make_user(role="action_lead")
    other_lead = make_user(role="action_lead")
    north_head = make_user(role="locality_head", locality="north")
    signer = make_user(role="chair")  # a chair who also leads MAP-001 in some tests
    chair = make_user(role="chair")
    action = make_action(ref="MAP-001", lead=lead)
    north = make_action(ref="N-01", plan="north")
    south = make_action(ref="S-01", plan="south")
    db.session.commit()
    return {
        "cycles": cycles,
        "lead": lead,
        "other_lead": other_lead,
        "north_head": north_head,
        "signer": signer,
        "chair": chair,
        "action": action,
        "north": north,
        "south": south,
    }


def _chair_leading(story):
    """A chair who leads MAP-001: updating follows leading, signing off follows being a chair."""
    story["action"].lead_user_id = story["signer"].id
    db.session.commit()
    return actor_for(story["signer"])


def test_an_update_writes_one_history_row_with_author_cause_and_cycle(story):
    lead, action = story["lead"], story["action"]

    new_version = _record("MAP-001", _proposal(), actor=actor_for(lead))

    db.session.expire_all()
    assert new_version == 2
    rows = _updates(action.id)
    assert [r.version for r in rows] == [1, 2]
    row = rows[-1]
    assert row.author_id == lead.id
    assert row.cause == "person"
    assert row.cycle_id == story["cycles"][3].id  # 5 February 2016 is in cycle 3
    assert row.recorded_at == NOW
    assert (row.lifecycle, row.rag, row.impact) == ("in_progress", "green", "not_yet_evidenced")
    assert row.summary.startswith("Audit of strategy discussions")
    assert db.session.get(Action, action.id).version == 2


def test_an_update_is_recorded_as_an_audit_event(story):
    _record("MAP-001", _proposal(rag=Rag.AMBER, reason="Data late"), actor=actor_for(story["lead"]))

    events = db.session.execute(select(AuditEvent)).scalars().all()
    assert len(events) == 1
    event = events[0]
    assert (event.kind, event.target, event.user_id) == (
        "action_updated",
        "MAP-001",
        story["lead"].id,
    )
    assert event.detail == {"version": 2, "lifecycle": "in_progress", "rag": "amber"}
    assert event.remote_addr == "203.0.113.9"


@pytest.mark.parametrize(
    ("today", "cycle_number"),
    [
        (date(2016, 1, 4), 1),  # the first cycle opens
        (date(2016, 1, 17), 1),  # its last day, a Sunday
        (date(2016, 1, 18), 2),
        (date(2016, 2, 5), 3),
        (date(2016, 2, 14), 3),
        (date(2016, 2, 15), 4),
    ],
)
def test_the_update_is_filed_under_the_cycle_holding_today(story, today, cycle_number):
    _record("MAP-001", _proposal(), actor=actor_for(story["lead"]), today=today)

    assert _updates(story["action"].id)[-1].cycle_id == story["cycles"][cycle_number].id


def test_an_update_before_the_first_cycle_has_no_cycle(story):
    _record("MAP-001", _proposal(), actor=actor_for(story["lead"]), today=date(2015, 12, 31))

    assert _updates(story["action"].id)[-1].cycle_id is None


def test_a_stale_version_is_a_conflict_naming_who_changed_what_and_writes_nothing(story):
    action, other = story["action"], story["other_lead"]
    add_update(
        action,
        recorded_at=datetime(2016, 2, 4, 15, 0, tzinfo=UTC),
        rag="red",
        summary="Panel cancelled; audit moved to March.",
        reason="Panel cancelled",
        author=other,
    )
    db.session.commit()

    with pytest.raises(Conflict) as caught:
        _record("MAP-001", _proposal(), actor=actor_for(story["lead"]), version=1)

    conflict = caught.value
    assert (conflict.ref, conflict.expected_version, conflict.current_version) == ("MAP-001", 1, 2)
    assert len(conflict.changes) == 1
    change = conflict.changes[0]
    assert change.version == 2
    assert change.author_name == other.name
    assert change.rag is Rag.RED
    assert change.summary == "Panel cancelled; audit moved to March."
    assert change.reason == "Panel cancelled"
    _assert_nothing_written(action.id, versions=2)


def test_a_conflict_lists_every_change_since_the_version_the_form_was_drawn_at(story):
    action = story["action"]
    for hour in (9, 10, 11):
        add_update(action, recorded_at=datetime(2016, 2, 4, hour, tzinfo=UTC), summary=f"{hour}")
    db.session.commit()

    with pytest.raises(Conflict) as caught:
        _record("MAP-001", _proposal(), actor=actor_for(story["lead"]), version=2)

    assert sorted(c.version for c in caught.value.changes) == [3, 4]
    _assert_nothing_written(action.id, versions=4)


def test_a_version_from_the_future_is_a_conflict_too(story):
    with pytest.raises(Conflict):
        _record("MAP-001", _proposal(), actor=actor_for(story["lead"]), version=7)
    _assert_nothing_written(story["action"].id, versions=1)


# (current lifecycle, current rag, the proposal's changes, who proposes, the field in error)
RULES = [
    pytest.param("in_progress", "green", {"summary": ""}, "lead", "summary", id="summary-missing"),
    pytest.param(
        "in_progress", "green", {"summary": "   \n "}, "lead", "summary", id="summary-blank"
    ),
    pytest.param(
        "in_progress", "green", {"summary": "Agreed."}, "lead", "summary", id="summary-unchanged"
    ),
    pytest.param("in_progress", "green", {"rag": None}, "lead", "rag", id="no-rag-while-open"),
    pytest.param(
        "in_progress",
        "green",
        {"rag": Rag.RED},
        "lead",
        "reason",
        id="rag-change-without-reason",
    ),
    pytest.param(
        "in_progress",
        "green",
        {"rag": Rag.RED, "reason": "   "},
        "lead",
        "reason",
        id="rag-change-with-blank-reason",
    ),
    pytest.param(
        "not_started",
        "green",
        {"lifecycle": Lifecycle.IN_PROGRESS},
        "lead",
        "reason",
        id="lifecycle-change-without-reason",
    ),
    pytest.param(
        "in_progress",
        "green",
        {"lifecycle": Lifecycle.NOT_STARTED, "reason": "Paused"},
        "lead",
        "lifecycle",
        id="lifecycle-jump-back-to-not-started",
    ),
    pytest.param(
        "in_progress",
        "green",
        {"lifecycle": Lifecycle.COMPLETE_AWAITING_SIGNOFF, "reason": "Done"},
        "lead",
        "evidence",
        id="complete-without-evidence",
    ),
    pytest.param(
        "complete_awaiting_signoff",
        "green",
        {"lifecycle": Lifecycle.CLOSED_EVIDENCED, "rag": None, "reason": "Done"},
        "lead",
        "lifecycle",
        id="a-lead-cannot-close",
    ),
    pytest.param(
        "in_progress",
        "green",
        {"lifecycle": Lifecycle.SUPERSEDED, "rag": None, "reason": "Merged"},
        "lead",
        "lifecycle",
        id="a-lead-cannot-supersede",
    ),
    pytest.param(
        "complete_awaiting_signoff",
        "green",
        {"lifecycle": Lifecycle.CLOSED_EVIDENCED, "rag": Rag.GREEN, "reason": "Audited"},
        "signer",
        "rag",
        id="a-rag-on-a-closed-action",
    ),
    pytest.param(
        "in_progress",
        "green",
        {"lifecycle": Lifecycle.CLOSED_EVIDENCED, "rag": None, "reason": "Audited"},
        "signer",
        "lifecycle",
        id="closing-skips-complete",
    ),
    pytest.param(
        "closed_evidenced",
        None,
        {"reason": "Reopened"},
        "signer",
        "lifecycle",
        id="a-closed-action-cannot-be-updated",
    ),
    pytest.param(
        "superseded",
        None,
        {"reason": "Reopened"},
        "signer",
        "lifecycle",
        id="a-superseded-action-cannot-be-updated",
    ),
]


@pytest.mark.parametrize(("lifecycle", "rag", "changes", "who", "field"), RULES)
def test_each_broken_rule_is_rejected_naming_the_field_and_nothing_is_written(
    story, lifecycle, rag, changes, who, field
):
    action = story["action"]
    add_update(action, recorded_at=NOW, lifecycle=lifecycle, rag=rag, summary="Agreed.")
    db.session.commit()
    actor = _chair_leading(story) if who == "signer" else actor_for(story[who])

    with pytest.raises(Rejected) as caught:
        _record("MAP-001", _proposal(**changes), actor=actor, version=2)

    assert field in caught.value.errors, caught.value.errors
    assert caught.value.errors[field]
    _assert_nothing_written(action.id, versions=2)


def test_several_broken_rules_are_reported_together(story):
    proposal = _proposal(summary="", rag=None, lifecycle=Lifecycle.COMPLETE_AWAITING_SIGNOFF)

    with pytest.raises(Rejected) as caught:
        _record("MAP-001", proposal, actor=actor_for(story["lead"]))

    assert set(caught.value.errors) == {"summary", "rag", "reason", "evidence"}
    assert caught.value.errors["summary"] == "Enter a progress summary"
    _assert_nothing_written(story["action"].id, versions=1)


def test_an_unchanged_summary_is_accepted_when_the_person_confirms_no_change(story):
    proposal = _proposal(summary="Agreed.", confirm_unchanged=True)

    assert _record("MAP-001", proposal, actor=actor_for(story["lead"])) == 2


def test_marking_complete_with_evidence_and_a_reason_is_accepted(story):
    proposal = _proposal(
        lifecycle=Lifecycle.COMPLETE_AWAITING_SIGNOFF,
        reason="Audit finished",
        evidence="Audit report to the February board.",
    )

    _record("MAP-001", proposal, actor=actor_for(story["lead"]))

    row = _updates(story["action"].id)[-1]
    assert row.lifecycle == "complete_awaiting_signoff"
    assert row.evidence == "Audit report to the February board."


PERSONAL_DATA = [
    "Visited child X aged 7 at home",
    "Seen with mum. DOB 03/04/2009.",
    "Referred to CAMHS, 943 476 5919",
    "Discussed case no. 12345 at panel",
]


@pytest.mark.parametrize("field", ["summary", "reason", "evidence"])
@pytest.mark.parametrize("text", PERSONAL_DATA)
def test_child_level_data_in_any_free_text_is_held_back_with_the_guards_message(story, field, text):
    changes = {
        "lifecycle": Lifecycle.COMPLETE_AWAITING_SIGNOFF,
        "reason": "Audit finished",
        "evidence": "Audit report.",
        field: f"Progress noted. {text}",
    }

    with pytest.raises(Rejected) as caught:
        _record("MAP-001", _proposal(**changes), actor=actor_for(story["lead"]))

    assert caught.value.errors == {field: personal_data_message(changes[field])}
    _assert_nothing_written(story["action"].id, versions=1)


def test_an_action_lead_may_update_only_the_actions_they_lead(story):
    with pytest.raises(Forbidden):
        _record("MAP-001", _proposal(), actor=actor_for(story["other_lead"]))
    _assert_nothing_written(story["action"].id, versions=1)


def test_a_north_head_may_update_a_north_action_but_not_a_south_one(story):
    north_head = actor_for(story["north_head"])

    assert _record("N-01", _proposal(), actor=north_head) == 2
    with pytest.raises(Forbidden):
        _record("S-01", _proposal(), actor=north_head)
    _assert_nothing_written(story["south"].id, versions=1, events=1)


@pytest.mark.parametrize("role", ["chair", "viewer", "performance_officer"])
def test_people_who_do_not_update_actions_are_forbidden(story, role):
    person = make_user(role=role)
    db.session.commit()

    with pytest.raises(Forbidden):
        _record("MAP-001", _proposal(), actor=actor_for(person))
    _assert_nothing_written(story["action"].id, versions=1)


def test_a_permission_refusal_comes_before_a_version_check(story):
    """Someone who may not update the action learns nothing about its history."""
    with pytest.raises(Forbidden):
        _record("MAP-001", _proposal(), actor=actor_for(story["other_lead"]), version=9)


def test_an_unknown_action_is_not_found(story):
    with pytest.raises(NotFound):
        _record("MAP-999", _proposal(), actor=actor_for(story["lead"]))


def test_closing_with_an_open_prerequisite_is_refused_naming_it(story):
    action = story["action"]
    prerequisite = make_action(ref="MAP-002")
    depends(action, prerequisite)
    add_update(action, recorded_at=NOW, lifecycle="complete_awaiting_signoff")
    add_evidence(action)
    db.session.commit()
    proposal = _proposal(lifecycle=Lifecycle.CLOSED_EVIDENCED, rag=None, reason="Audited")

    with pytest.raises(Rejected) as caught:
        _record("MAP-001", proposal, actor=_chair_leading(story), version=2)

    assert "MAP-002" in caught.value.errors["lifecycle"]
    _assert_nothing_written(action.id, versions=2)


@pytest.mark.parametrize(
    ("override", "reason", "error"),
    [
        (False, "Audited", "lifecycle"),
        (True, "", "reason"),
        (True, "MAP-002 is for the Council; the Trust's part is done", None),
    ],
)
def test_a_chair_can_close_over_an_open_prerequisite_only_with_override_and_reason(
    story, override, reason, error
):
    action = story["action"]
    depends(action, make_action(ref="MAP-002"))
    add_update(action, recorded_at=NOW, lifecycle="complete_awaiting_signoff")
    add_evidence(action)
    db.session.commit()
    proposal = _proposal(
        lifecycle=Lifecycle.CLOSED_EVIDENCED,
        rag=None,
        reason=reason,
        override_prerequisites=override,
    )

    if error:
        with pytest.raises(Rejected) as caught:
            _record("MAP-001", proposal, actor=_chair_leading(story), version=2)
        assert error in caught.value.errors
        _assert_nothing_written(action.id, versions=2)
    else:
        _record("MAP-001", proposal, actor=_chair_leading(story), version=2)
        row = _updates(action.id)[-1]
        assert (row.lifecycle, row.rag) == ("closed_evidenced", None)


def test_a_closed_prerequisite_does_not_block_closing(story):
    action = story["action"]
    prerequisite = make_action(ref="MAP-002", lifecycle="closed_evidenced", rag=None)
    depends(action, prerequisite)
    add_update(action, recorded_at=NOW, lifecycle="complete_awaiting_signoff")
    add_evidence(action)
    db.session.commit()
    proposal = _proposal(lifecycle=Lifecycle.CLOSED_EVIDENCED, rag=None, reason="Audited")

    assert _record("MAP-001", proposal, actor=_chair_leading(story), version=2) == 3


def test_two_writers_with_the_same_version_exactly_one_wins(story, app: Flask):
    """Real concurrency: two threads, two sessions, the same expected version."""
    lead_id, action_id = story["lead"].id, story["action"].id
    actor = actor_for(story["lead"])
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                _record("MAP-001", _proposal(summary=f"Writer {n} was here."), actor=actor)
                outcomes.append("written")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["conflict", "written"]
    rows = _updates(action_id)
    assert [r.version for r in rows] == [1, 2]
    assert rows[-1].author_id == lead_id
    assert db.session.get(Action, action_id).version == 2
    assert _count(AuditEvent) == 1
