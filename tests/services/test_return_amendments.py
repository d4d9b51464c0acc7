"""'No change this cycle', amending a submitted return until its deadline, and the chasing
that follows both."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    latest_update,
    make_action,
    make_cycles,
    make_recommendation,
    make_user,
)
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEvent, LocalityReturn, ReturnDraft
from tracker.services.loop.returns import (
    NOT_SUBMITTED,
    Entry,
    ReturnConflict,
    ReturnRejected,
    get_return,
    list_return_statuses,
    reopen_return,
    save_draft,
    submit_return,
)
from tracker.services.mail import chasing
from tracker.services.mail.chasing import ChaseConfig
from tracker.services.plan.updates import Forbidden, record_update

TODAY = date(2016, 2, 5)  # cycle 3: opens Monday 1 February, due noon Friday 12 February
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
LATER = datetime(2016, 2, 8, 14, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2016, 2, 12, 12, 1, tzinfo=UTC)
OPEN_REFS = ["N-01", "N-02", "N-03"]
RAGS = {"N-01": "green", "N-02": "amber", "N-03": "red"}


@pytest.fixture
def north(clean_db):
    """North with three open actions (last summary "Agreed."), cycles 1 to 6."""
    cycles = make_cycles(upto=6)
    head = make_user(role="locality_head", locality="north", email="north@trust.example")
    south_head = make_user(role="locality_head", locality="south")
    actions = {ref: make_action(ref=ref, plan="north", rag=rag) for ref, rag in RAGS.items()}
    db.session.commit()
    return {"cycles": cycles, "head": head, "south_head": south_head, "actions": actions}


def _entry(ref: str, version: int = 1, **values) -> Entry:
    base = {"lifecycle": "in_progress", "rag": RAGS[ref], "impact": "not_yet_evidenced"}
    return Entry(ref=ref, version=version, **(base | values))


def _ticked(**per_ref) -> list[Entry]:
    """'No change this cycle' ticked with an empty box on every action; per_ref overrides."""
    return [_entry(ref, **({"confirm_unchanged": True} | per_ref.get(ref, {}))) for ref in RAGS]


def _submit(north, entries, *, now=NOW, who="head"):
    return submit_return("north", 3, entries, actor=actor_for(north[who]), now=now)


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _record() -> LocalityReturn:
    return db.session.execute(select(LocalityReturn)).scalar_one()


# --- no change this cycle -------------------------------------------------------------------


def test_a_tick_with_an_empty_box_carries_the_last_summary_forward_as_a_no_change_update(north):
    written = _submit(north, _ticked())

    assert written == 3
    for ref in OPEN_REFS:
        latest = latest_update(ref)
        assert (latest.summary, latest.no_change, latest.version) == ("Agreed.", True, 2)


def test_a_summary_typed_with_the_tick_wins_and_is_not_a_no_change_update(north):
    _submit(north, _ticked(**{"N-02": {"summary": "Audit figures in: 92% on time."}}))

    typed = latest_update("N-02")
    assert (typed.summary, typed.no_change) == ("Audit figures in: 92% on time.", False)
    assert latest_update("N-01").no_change


def test_the_last_summary_typed_again_with_the_tick_is_a_no_change_update(north):
    _submit(north, _ticked(**{"N-03": {"summary": "  Agreed. "}}))

    assert (latest_update("N-03").summary, latest_update("N-03").no_change) == ("Agreed.", True)


def test_an_empty_box_without_the_tick_still_needs_a_summary(north):
    with pytest.raises(ReturnRejected) as caught:
        _submit(north, _ticked(**{"N-01": {"confirm_unchanged": False}}))

    assert caught.value.errors == {"N-01": {"summary": "Enter a progress summary"}}


def test_a_rag_change_with_the_tick_still_needs_its_reason(north):
    with pytest.raises(ReturnRejected) as caught:
        _submit(north, _ticked(**{"N-02": {"rag": "red"}}))
    assert set(caught.value.errors["N-02"]) == {"reason"}

    _submit(north, _ticked(**{"N-02": {"rag": "red", "reason": "Audit slipped a month."}}))

    latest = latest_update("N-02")
    assert (latest.rag, latest.summary, latest.reason) == (
        "red",
        "Agreed.",
        "Audit slipped a month.",
    )


def _single_update(north, lead, **proposal) -> int:
    values = {
        "summary": "",
        "lifecycle": Lifecycle.IN_PROGRESS,
        "rag": Rag.GREEN,
        "impact": Impact.NOT_YET_EVIDENCED,
        "confirm_unchanged": True,
    }
    return record_update(
        "MAP-001",
        Proposal(**(values | proposal)),
        expected_version=1,
        actor=actor_for(lead),
        now=NOW,
        today=TODAY,
        cycle_start=date(2016, 1, 4),
    )


@pytest.fixture
def main_action(north):
    lead = make_user(email="lead@trust.example", role="action_lead")
    make_user(email="ceo@trust.example", role="chair")
    make_action(ref="MAP-001", recommendation=make_recommendation(), lead=lead)
    db.session.commit()
    return lead


def test_the_single_action_update_carries_the_summary_forward_by_the_same_rule(north, main_action):
    assert _single_update(north, main_action) == 2

    latest = latest_update("MAP-001")
    assert (latest.summary, latest.no_change, latest.cycle_id) == (
        "Agreed.",
        True,
        north["cycles"][3].id,
    )


def test_the_single_action_update_takes_a_typed_summary_over_the_tick(north, main_action):
    _single_update(north, main_action, summary="Twelve audits done.")

    assert (latest_update("MAP-001").summary, latest_update("MAP-001").no_change) == (
        "Twelve audits done.",
        False,
    )


def _chases(app, day: date):
    cfg = ChaseConfig.from_mapping({**app.config, "GETTING_TO_GOOD_CHAIR": "ceo@trust.example"})
    return [c for d in chasing.plan_chases(day, cfg).digests for c in d.chases]


def test_a_no_change_update_counts_for_the_stale_update_chase(clean_db, north, main_action):
    next_cycle_opens = date(2016, 2, 15)
    assert not [c for c in _chases(clean_db, next_cycle_opens) if c.kind == "stale_update"]

    _single_update(north, main_action)

    stale = [c for c in _chases(clean_db, next_cycle_opens) if c.kind == "stale_update"]
    assert [(c.step, c.recipient_id) for c in stale] == [("MAP-001", main_action.id)]


# --- reopening and amending ---------------------------------------------------------------------


def test_a_submitted_return_reopens_with_the_current_state_and_the_tick_as_the_easy_path(north):
    _submit(north, _ticked(**{"N-02": {"summary": "First go."}}))

    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)

    view = get_return("north", 3, today=LATER.date(), now=LATER)
    assert view.reopened and view.editable and not view.may_reopen(LATER)
    assert view.reopened_at == LATER and view.reopened_by == north["head"].name
    n02 = view.lines[1].entry
    assert (n02.summary, n02.confirm_unchanged, n02.version, n02.rag) == ("", True, 2, "amber")
    assert view.lines[1].last_summary == "First go."
    assert _count(AuditEvent, AuditEvent.kind == "return_reopened") == 1


def test_resubmitting_writes_history_only_for_the_changed_action_and_keeps_the_first_time(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)
    drawn = {line.ref: line.entry for line in get_return("north", 3, today=TODAY, now=LATER).lines}
    drawn["N-03"].rag = "amber"
    drawn["N-03"].reason = "Recruitment finished early."
    amended_at = datetime(2016, 2, 9, 9, 15, tzinfo=UTC)

    written = _submit(north, list(drawn.values()), now=amended_at)

    assert written == 1
    assert _count(ActionUpdate) == 3 + 3 + 1
    assert (
        latest_update("N-03").rag,
        latest_update("N-03").version,
        latest_update("N-01").version,
    ) == (
        "amber",
        3,
        2,
    )
    record = _record()
    assert (record.status, record.submitted_at, record.late) == ("submitted", NOW, False)
    assert (record.amended_at, record.amended_by_id) == (amended_at, north["head"].id)
    assert record.reopened_at is None and _count(ReturnDraft) == 0
    grid = list_return_statuses(today=TODAY, now=amended_at, upto=3)
    north_cycle_3 = grid[0][0]
    assert (north_cycle_3.amended_at, north_cycle_3.amended_by) == (amended_at, north["head"].name)
    assert _count(AuditEvent, AuditEvent.kind == "return_amended") == 1


def test_resubmitting_with_nothing_changed_writes_nothing_and_records_no_amendment(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)

    assert _submit(north, _ticked(), now=LATER) == 0

    record = _record()
    assert record.reopened_at is None and record.amended_at is None
    assert _count(ActionUpdate) == 6


def test_an_amendment_is_checked_by_the_same_rules(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, [_entry("N-01", version=2, rag="red", confirm_unchanged=True)], now=LATER)

    assert set(caught.value.errors) == {"N-01"} and "reason" in caught.value.errors["N-01"]
    assert _count(ActionUpdate) == 6 and _record().reopened_at is not None


def test_an_amendment_over_someone_elses_change_is_a_conflict(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)
    someone = make_user(role="action_lead")
    north["actions"]["N-01"].lead_user_id = someone.id  # the action's lead
    db.session.commit()
    record_update(
        "N-01",
        Proposal(
            "Rated red by the performance team.",
            Lifecycle.IN_PROGRESS,
            Rag.RED,
            Impact.NOT_YET_EVIDENCED,
            reason="Two visits missed this month.",
        ),
        expected_version=2,
        actor=actor_for(someone),
        now=LATER,
        today=TODAY,
        cycle_start=date(2016, 2, 1),
    )

    with pytest.raises(ReturnConflict) as caught:  # drawn at 2, sets green: theirs is red
        _submit(north, [_entry("N-01", version=2, summary="Stale form.")], now=LATER)

    assert set(caught.value.conflicts) == {"N-01"}


def test_a_draft_can_be_saved_on_a_reopened_return(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)

    result = save_draft(
        "north",
        3,
        [_entry("N-01", version=2, summary="Half typed.")],
        actor=actor_for(north["head"]),
        now=LATER,
    )

    assert result.saved == ["N-01"]
    view = get_return("north", 3, today=TODAY, now=LATER)
    assert view.lines[0].entry.summary == "Half typed." and view.reopened


def test_a_return_cannot_be_reopened_after_its_deadline(north):
    _submit(north, _ticked())

    with pytest.raises(ReturnRejected) as caught:
        reopen_return("north", 3, actor=actor_for(north["head"]), now=AFTER_DEADLINE)

    message = caught.value.errors[""]["return"]
    assert "passed at 12:00 on Friday 12 February 2016" in message
    assert "update it from its own page" in message
    db.session.rollback()
    assert _record().reopened_at is None


def test_a_reopened_return_whose_deadline_passes_refuses_the_submit_and_keeps_a_draft(north):
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)
    typed = [_entry("N-02", version=2, summary="Correction typed before the weekend.")]

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, typed, now=AFTER_DEADLINE)

    message = caught.value.errors[""]["return"]
    assert "can no longer be amended" in message and "kept as a draft" in message
    db.session.remove()
    assert _count(ActionUpdate) == 6
    view = get_return("north", 3, today=AFTER_DEADLINE.date(), now=AFTER_DEADLINE)
    assert view.lines[1].entry.summary == "Correction typed before the weekend."
    assert view.reopened and view.amended_at is None


def test_a_return_that_was_never_submitted_cannot_be_reopened(north):
    with pytest.raises(ReturnRejected) as caught:
        reopen_return("north", 3, actor=actor_for(north["head"]), now=NOW)

    assert caught.value.errors == NOT_SUBMITTED
    assert _count(LocalityReturn) == 0


def test_only_the_localitys_head_may_reopen_its_return(north):
    _submit(north, _ticked())

    with pytest.raises(Forbidden):
        reopen_return("north", 3, actor=actor_for(north["south_head"]), now=LATER)

    db.session.rollback()
    assert _record().reopened_at is None


def test_chasing_treats_a_reopened_return_as_submitted(clean_db, north):
    due_day = date(2016, 2, 12)

    def return_chases():
        return [c for c in _chases(clean_db, due_day) if c.link == "/returns/north/3"]

    assert return_chases()  # the control: an unsubmitted return is chased on its due day
    _submit(north, _ticked())
    reopen_return("north", 3, actor=actor_for(north["head"]), now=LATER)

    assert return_chases() == []
