"""Chairs' sign-off of completed actions, and dependencies between actions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
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
from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionUpdate, AuditEvent
from tracker.services.errors import NotFound
from tracker.services.governance.signoff import decide_sign_off, list_awaiting_sign_off
from tracker.services.plan.dependencies import DependencyRefused, add_dependency, remove_dependency
from tracker.services.plan.updates import Conflict, Forbidden, Rejected

CYCLE_START = date(2016, 1, 4)
TODAY = date(2016, 2, 5)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _latest(action_id: int) -> ActionUpdate:
    return db.session.execute(
        select(ActionUpdate)
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.version.desc())
        .limit(1)
    ).scalar_one()


def _mark_complete(
    action: Action, *, at: datetime, evidence: str = "Audit report.", **state: str
) -> None:
    update = add_update(
        action,
        recorded_at=at,
        lifecycle="complete_awaiting_signoff",
        summary=f"Complete ({at:%d %b %H:%M}).",
        reason="Done",
        **state,
    )
    update.evidence = evidence


@pytest.fixture
def people(clean_db):
    make_cycles(upto=4)
    people = {
        "lead": make_user(role="action_lead"),
        "other_lead": make_user(role="action_lead"),
        "chair": make_user(role="chair"),
        "admin": make_user(role="admin"),
        "north_head": make_user(role="locality_head", locality="north"),
        "south_head": make_user(role="locality_head", locality="south"),
        "viewer": make_user(role="viewer"),
    }
    db.session.commit()
    return people


# --- waiting for sign-off -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marked", "today", "waiting"),
    [
        ("2016-02-01", date(2016, 2, 1), 0),  # marked today
        ("2016-02-01", date(2016, 2, 5), 4),  # Monday to Friday
        ("2016-01-29", date(2016, 2, 1), 1),  # Friday to Monday: the weekend does not count
        ("2015-12-24", date(2016, 1, 5), 5),  # Christmas, Boxing Day (observed 28th), New Year
        ("2016-03-24", date(2016, 3, 29), 1),  # Good Friday and Easter Monday skipped
        ("2016-05-27", date(2016, 5, 31), 1),  # the spring bank holiday skipped
    ],
)
def test_waiting_time_is_counted_in_working_days_since_marked_complete(
    people, marked, today, waiting
):
    action = make_action(ref="MAP-001", lead=people["lead"], recorded_at=_at("2015-12-18"))
    _mark_complete(action, at=_at(marked))
    db.session.commit()

    [item] = list_awaiting_sign_off(today)

    assert item.ref == "MAP-001"
    assert item.since == _at(marked)
    assert item.working_days_waiting == waiting


def test_waiting_runs_from_the_first_update_marking_it_complete_not_the_latest(people):
    action = make_action(ref="MAP-001", lead=people["lead"], recorded_at=_at("2015-12-18"))
    _mark_complete(action, at=_at("2016-02-01"), evidence="First audit.")
    add_update(
        action,
        recorded_at=_at("2016-02-04"),
        lifecycle="complete_awaiting_signoff",
        summary="Still waiting for the chair.",
    )
    db.session.commit()

    [item] = list_awaiting_sign_off(TODAY)

    assert item.since == _at("2016-02-01")
    assert item.working_days_waiting == 4
    assert item.evidence == "First audit."
    assert item.version == 3


def test_an_action_returned_and_marked_complete_again_waits_from_the_second_time(people):
    action = make_action(ref="MAP-001", lead=people["lead"], recorded_at=_at("2015-12-18"))
    _mark_complete(action, at=_at("2016-01-11"))
    add_update(action, recorded_at=_at("2016-01-20"), lifecycle="in_progress", reason="Returned")
    _mark_complete(action, at=_at("2016-02-03"), evidence="Second audit.")
    db.session.commit()

    [item] = list_awaiting_sign_off(TODAY)

    assert item.since == _at("2016-02-03")
    assert item.working_days_waiting == 2
    assert item.evidence == "Second audit."


def test_the_day_marked_complete_is_the_london_day(people):
    """23:30 UTC on 31 March 2016 is 00:30 on Friday 1 April in London (BST)."""
    action = make_action(ref="MAP-001", recorded_at=_at("2015-12-18"))
    _mark_complete(action, at=datetime(2016, 3, 31, 23, 30, tzinfo=UTC))
    db.session.commit()

    [item] = list_awaiting_sign_off(date(2016, 4, 4))

    assert item.working_days_waiting == 1  # Friday 1 April to Monday 4 April


def test_only_actions_awaiting_sign_off_are_listed_longest_waiting_first(people):
    first = make_action(ref="MAP-001", recorded_at=_at("2015-12-18"))
    second = make_action(ref="MAP-002", recorded_at=_at("2015-12-18"))
    make_action(ref="MAP-003", recorded_at=_at("2015-12-18"))
    closed = make_action(ref="MAP-004", recorded_at=_at("2015-12-18"))
    _mark_complete(second, at=_at("2016-02-02"))
    _mark_complete(first, at=_at("2016-01-26"))
    _mark_complete(closed, at=_at("2016-01-12"))
    add_update(closed, recorded_at=_at("2016-01-20"), lifecycle="closed_evidenced", rag=None)
    db.session.commit()

    assert [w.ref for w in list_awaiting_sign_off(TODAY)] == ["MAP-001", "MAP-002"]


# --- deciding -----------------------------------------------------------------------------------


@pytest.fixture
def complete(people):
    action = make_action(ref="MAP-001", lead=people["lead"], rag="amber", impact="emerging")
    _mark_complete(action, at=_at("2016-02-01"), rag="amber", impact="emerging")
    add_evidence(action)  # closing with evidence needs an item
    db.session.commit()
    return action


def _decide(ref="MAP-001", *, who, people, approve=True, reason="Audit evidence seen", **kw):
    values = {"override_prerequisites": False, "expected_version": 2} | kw
    return decide_sign_off(
        ref,
        approve=approve,
        reason=reason,
        actor=actor_for(people[who]),
        now=NOW,
        today=TODAY,
        cycle_start=CYCLE_START,
        **values,
    )


@pytest.mark.parametrize("who", ["chair"])
def test_signing_off_closes_the_action_with_evidence_and_no_rag(people, complete, who):
    assert _decide(who=who, people=people) == 3

    row = _latest(complete.id)
    assert (row.lifecycle, row.rag, row.impact) == ("closed_evidenced", None, "emerging")
    assert row.author_id == people[who].id
    assert row.reason == "Audit evidence seen"
    # The reason is recorded once, as the reason; the summary says what happened.
    assert row.summary == "Signed off by the chair."
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.kind, event.target) == ("action_signed_off", "MAP-001")
    assert list_awaiting_sign_off(TODAY) == []


def test_returning_an_action_puts_it_back_in_progress_with_the_reason(people, complete):
    _decide(who="chair", people=people, approve=False, reason="Needs the re-audit results")

    row = _latest(complete.id)
    assert (row.lifecycle, row.rag) == ("in_progress", "amber")
    assert row.reason == "Needs the re-audit results"
    assert row.summary == "Returned to the lead by the chair."  # the reason is not repeated
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert event.kind == "action_returned"


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_reason(people, complete, approve, reason):
    with pytest.raises(Rejected) as caught:
        _decide(who="chair", people=people, approve=approve, reason=reason)

    assert caught.value.errors == {"reason": "Give a reason for your decision"}
    assert _count(ActionUpdate, ActionUpdate.action_id == complete.id) == 2


@pytest.mark.parametrize("approve", [True, False])
def test_child_level_data_in_a_decisions_reason_gets_the_guards_warning(people, complete, approve):
    reason = "Seen with mum. DOB 03/04/2009."

    with pytest.raises(Rejected) as caught:
        _decide(who="chair", people=people, approve=approve, reason=reason)

    assert caught.value.errors == {"reason": personal_data_message(reason)}
    assert _count(ActionUpdate, ActionUpdate.action_id == complete.id) == 2


@pytest.mark.parametrize(
    "who", ["lead", "other_lead", "north_head", "viewer", "admin"], ids=lambda who: who
)
def test_only_chairs_may_sign_off(people, complete, who):
    with pytest.raises(Forbidden):
        _decide(who=who, people=people)
    assert _count(ActionUpdate, ActionUpdate.action_id == complete.id) == 2


def test_only_an_action_marked_complete_can_be_signed_off(people):
    make_action(ref="MAP-001", lead=people["lead"])
    db.session.commit()

    with pytest.raises(Rejected) as caught:
        _decide(who="chair", people=people, expected_version=1)

    assert "decision" in caught.value.errors


def test_a_stale_version_is_a_conflict(people, complete):
    with pytest.raises(Conflict) as caught:
        _decide(who="chair", people=people, expected_version=1)

    assert caught.value.current_version == 2
    assert _count(ActionUpdate, ActionUpdate.action_id == complete.id) == 2


def test_a_decision_on_an_action_moved_on_since_the_page_was_drawn_is_a_conflict(people, complete):
    """The lead took it back to in progress after the chair opened the page: the chair sees
    who changed what (a conflict), not 'only an action marked complete can be signed off'."""
    add_update(
        complete,
        recorded_at=_at("2016-02-04"),
        rag="amber",
        reason="More to do",
        author=people["lead"],
    )
    db.session.commit()

    with pytest.raises(Conflict) as caught:
        _decide(who="chair", people=people, expected_version=2)

    assert [c.author_name for c in caught.value.changes] == [people["lead"].name]


def test_an_unknown_action_is_not_found(people):
    with pytest.raises(NotFound):
        _decide("MAP-999", who="chair", people=people)


@pytest.mark.parametrize(
    ("override", "reason", "closes"),
    [
        (False, "Audit evidence seen", False),
        (True, "", False),
        (True, "MAP-002 is the Council's and is on track; the Trust's part is evidenced", True),
    ],
)
def test_closing_over_an_open_prerequisite_needs_the_override_and_a_reason(
    people, complete, override, reason, closes
):
    depends(complete, make_action(ref="MAP-002"))
    db.session.commit()

    if closes:
        _decide(who="chair", people=people, reason=reason, override_prerequisites=override)
        assert _latest(complete.id).lifecycle == "closed_evidenced"
    else:
        with pytest.raises(Rejected) as caught:
            _decide(who="chair", people=people, reason=reason, override_prerequisites=override)
        message = " ".join(caught.value.errors.values())
        assert "MAP-002" in message or "reason" in message
        assert _latest(complete.id).lifecycle == "complete_awaiting_signoff"


def test_returning_an_action_is_not_blocked_by_an_open_prerequisite(people, complete):
    depends(complete, make_action(ref="MAP-002"))
    db.session.commit()

    _decide(who="chair", people=people, approve=False, reason="Wait for MAP-002")

    assert _latest(complete.id).lifecycle == "in_progress"


# --- dependencies -------------------------------------------------------------------------------


@pytest.fixture
def chain(people):
    """MAP-001 (due March) led by `lead`, MAP-002 (due April), MAP-003, N-01 and S-01."""
    lead = people["lead"]
    actions = {
        "MAP-001": make_action(ref="MAP-001", lead=lead, target_date=date(2016, 3, 1)),
        "MAP-002": make_action(ref="MAP-002", lead=lead, target_date=date(2016, 4, 1)),
        "MAP-003": make_action(ref="MAP-003", lead=lead, target_date=date(2016, 2, 1)),
        "N-01": make_action(ref="N-01", plan="north"),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    db.session.commit()
    return actions


def _edges() -> set[tuple[int, int]]:
    rows = db.session.execute(select(ActionDependency.action_id, ActionDependency.depends_on_id))
    return {tuple(row) for row in rows}


def _add(ref, prerequisite, people, who="lead"):
    return add_dependency(ref, prerequisite, actor=actor_for(people[who]), now=NOW)


def test_adding_a_dependency_records_it_and_an_audit_event(people, chain):
    added = _add("MAP-002", "MAP-003", people)

    assert (added.ref, added.prerequisite, added.date_clash) == ("MAP-002", "MAP-003", False)
    assert _edges() == {(chain["MAP-002"].id, chain["MAP-003"].id)}
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.kind, event.target, event.detail) == (
        "dependency_added",
        "MAP-002",
        {"depends_on": "MAP-003", "date_clash": False},
    )


def test_a_prerequisite_ref_is_read_whatever_its_case_and_spacing(people, chain):
    assert _add("MAP-002", "  map-003 ", people).prerequisite == "MAP-003"


def test_an_action_due_before_its_prerequisite_is_flagged_and_no_date_moves(people, chain):
    added = _add("MAP-001", "MAP-002", people)

    assert added.date_clash is True
    db.session.expire_all()
    assert db.session.get(Action, chain["MAP-001"].id).target_date == date(2016, 3, 1)
    assert db.session.get(Action, chain["MAP-002"].id).target_date == date(2016, 4, 1)


@pytest.mark.parametrize(
    ("existing", "ref", "prerequisite", "message"),
    [
        ([], "MAP-001", "MAP-001", "An action cannot depend on itself"),
        ([], "MAP-001", "MAP-999", "There is no action MAP-999"),
        ([("MAP-001", "MAP-002")], "MAP-001", "MAP-002", "MAP-001 already depends on MAP-002"),
        (
            [("MAP-001", "MAP-002")],
            "MAP-002",
            "MAP-001",
            "That would make a loop of dependencies: MAP-002 depends on MAP-001 depends on MAP-002",
        ),
        (
            [("MAP-001", "MAP-002"), ("MAP-002", "MAP-003")],
            "MAP-003",
            "MAP-001",
            "That would make a loop of dependencies: "
            "MAP-003 depends on MAP-001 depends on MAP-002 depends on MAP-003",
        ),
    ],
    ids=["self", "unknown", "duplicate", "two-way-loop", "three-way-loop"],
)
def test_a_refused_dependency_says_why_and_writes_nothing(
    people, chain, existing, ref, prerequisite, message
):
    for a, b in existing:
        depends(chain[a], chain[b])
    db.session.commit()
    before = _edges()

    with pytest.raises(DependencyRefused) as caught:
        _add(ref, prerequisite, people)

    assert str(caught.value) == message
    db.session.rollback()
    assert _edges() == before
    assert _count(AuditEvent) == 0


def test_removing_a_dependency_deletes_only_that_link_and_is_audited(people, chain):
    depends(chain["MAP-001"], chain["MAP-002"])
    depends(chain["MAP-001"], chain["MAP-003"])
    db.session.commit()

    remove_dependency("MAP-001", "MAP-002", actor=actor_for(people["lead"]), now=NOW)

    assert _edges() == {(chain["MAP-001"].id, chain["MAP-003"].id)}
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.kind, event.detail) == ("dependency_removed", {"depends_on": "MAP-002"})


def test_removing_a_dependency_that_does_not_exist_is_not_found(people, chain):
    with pytest.raises(NotFound):
        remove_dependency("MAP-001", "MAP-002", actor=actor_for(people["lead"]), now=NOW)


@pytest.mark.parametrize(
    ("who", "ref", "allowed"),
    [
        ("lead", "MAP-001", True),
        ("other_lead", "MAP-001", False),
        ("admin", "MAP-001", False),  # separation of duties
        ("north_head", "N-01", True),
        ("north_head", "S-01", False),
        ("south_head", "N-01", False),
        ("chair", "MAP-001", False),
        ("viewer", "MAP-001", False),
    ],
)
def test_only_people_who_may_update_an_action_may_change_its_dependencies(
    people, chain, who, ref, allowed
):
    actor = actor_for(people[who])
    if allowed:
        add_dependency(ref, "MAP-003", actor=actor, now=NOW)
        remove_dependency(ref, "MAP-003", actor=actor, now=NOW)
        assert _edges() == set()
    else:
        with pytest.raises(Forbidden):
            add_dependency(ref, "MAP-003", actor=actor, now=NOW)
        depends(chain[ref], chain["MAP-003"])
        db.session.commit()
        with pytest.raises(Forbidden):
            remove_dependency(ref, "MAP-003", actor=actor, now=NOW)
        assert _edges() == {(chain[ref].id, chain["MAP-003"].id)}


def test_a_dependency_on_an_unknown_action_is_not_found(people, chain):
    with pytest.raises(NotFound):
        _add("MAP-999", "MAP-001", people)
