"""Changing the plan: edits with reasons, adding actions, target date requests and decisions,
superseding, and the 'what changed' read. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    get_or_make_org,
    make_action,
    make_date_request,
    make_recommendation,
    make_user,
)
from tests.conftest import QueryCounter
from tracker.domain.plan_changes import NewAction, PlanEntry
from tracker.domain.states import Impact, Lifecycle
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import Action, ActionEdit, ActionState, AuditEvent, TargetDateRequest
from tracker.services.plan import plan_changes as service
from tracker.services.plan import queries
from tracker.services.plan.updates import Forbidden, Rejected, record_update
from tracker.services.reads.plan_changes import (
    action_plan_changes,
    count_rebaselined,
    list_rebaselined,
    plan_changes_between,
)

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
TODAY = date(2016, 2, 5)


@pytest.fixture
def story(clean_db):
    chair = make_user(role="chair")
    admin = make_user(role="admin")
    lead = make_user(role="action_lead")
    head = make_user(role="locality_head", locality="north")
    viewer = make_user(role="viewer")
    get_or_make_org("syp", kind="police")
    rec = make_recommendation(ref="R3")
    action = make_action(
        ref="MAP-001", lead=lead, recommendation=rec, target_date=date(2016, 2, 12)
    )
    other = make_action(ref="MAP-002", lead=lead, recommendation=rec)
    north = make_action(ref="N-01", plan="north", lead=head, recommendation=rec)
    db.session.commit()
    return {
        "chair": chair,
        "admin": admin,
        "lead": lead,
        "head": head,
        "viewer": viewer,
        "action": action,
        "other": other,
        "north": north,
    }


def _entry(ref: str, **changes) -> PlanEntry:
    entry = service.load_edit_context(ref).entry
    return PlanEntry(**({f: getattr(entry, f) for f in entry.__dataclass_fields__} | changes))


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_edit_changes_the_fields_and_keeps_each_with_its_reason(story):
    version = service.edit_action(
        "MAP-001",
        _entry("MAP-001", title="Fortnightly dip sample", partners=("syp",)),
        reason="Agreed at JSIG on 3 February",
        expected_plan_version=1,
        actor=actor_for(story["chair"]),
        now=NOW,
    )
    db.session.expire_all()
    action = db.session.execute(select(Action).where(Action.ref == "MAP-001")).scalar_one()
    assert (version, action.plan_version, action.title) == (2, 2, "Fortnightly dip sample")
    assert action.version == 1  # the update history's version is not touched by a plan edit
    edits = db.session.execute(select(ActionEdit).order_by(ActionEdit.field)).scalars().all()
    assert [(e.field, e.old_value, e.new_value) for e in edits] == [
        ("partners", "", "Syp"),
        ("title", "Action " + edits[1].old_value.split()[-1], "Fortnightly dip sample"),
    ]
    assert {(e.kind, e.reason, e.cause, e.author_id) for e in edits} == {
        ("edited", "Agreed at JSIG on 3 February", "person", story["chair"].id)
    }
    assert _count(AuditEvent) == 1


def test_a_lead_change_is_recorded_by_name(story):
    service.edit_action(
        "MAP-001",
        _entry("MAP-001", lead=str(story["head"].id)),
        reason="Lead moved to North",
        expected_plan_version=1,
        actor=actor_for(story["admin"]),
        now=NOW,
    )
    edit = db.session.execute(select(ActionEdit)).scalar_one()
    assert (edit.field, edit.old_value, edit.new_value) == (
        "lead",
        story["lead"].name,
        story["head"].name,
    )


def test_an_importer_records_its_edits_through_the_same_service(story):
    service.edit_action(
        "MAP-001",
        _entry("MAP-001", success_measure="95% of decisions recorded"),
        reason="Spreadsheet import of 5 February",
        expected_plan_version=1,
        actor=None,
        now=NOW,
        cause="import",
    )
    edit = db.session.execute(select(ActionEdit)).scalar_one()
    assert (edit.cause, edit.author_id) == ("import", None)


@pytest.mark.parametrize("who", ["lead", "head", "viewer"])
def test_only_chairs_and_admins_edit_the_plan(story, who):
    with pytest.raises(Forbidden):
        service.edit_action(
            "MAP-001",
            _entry("MAP-001", title="Mine now"),
            reason="Why not",
            expected_plan_version=1,
            actor=actor_for(story[who]),
            now=NOW,
        )
    assert _count(ActionEdit) == 0


def test_two_people_editing_at_once_do_not_overwrite_each_other(story):
    first = _entry("MAP-001", title="First title")
    second = _entry("MAP-001", description="Second description")
    service.edit_action(
        "MAP-001",
        first,
        reason="One",
        expected_plan_version=1,
        actor=actor_for(story["chair"]),
        now=NOW,
    )
    with pytest.raises(service.PlanConflict) as caught:
        service.edit_action(
            "MAP-001",
            second,
            reason="Two",
            expected_plan_version=1,
            actor=actor_for(story["admin"]),
            now=NOW + timedelta(minutes=1),
        )
    assert caught.value.current_version == 2
    assert "changed by someone else" in str(caught.value)
    assert [c.new for c in caught.value.changes] == ["First title"]
    db.session.expire_all()
    action = db.session.execute(select(Action).where(Action.ref == "MAP-001")).scalar_one()
    assert action.title == "First title" and action.description == "Illustrative action."
    assert _count(ActionEdit) == 1


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"title": "New"}, "", "reason"),
        ({}, "Nothing", "title"),
        ({"partners": ("nope",)}, "New partner", "partners"),
        ({"lead": "999999"}, "Someone", "lead"),
        ({"title": "Visit to Jane Smith (DOB 01/02/2010)"}, "Typo", "title"),
    ],
)
def test_a_refused_edit_names_the_field_and_writes_nothing(story, changes, reason, field):
    with pytest.raises(Rejected) as caught:
        service.edit_action(
            "MAP-001",
            _entry("MAP-001", **changes),
            reason=reason,
            expected_plan_version=1,
            actor=actor_for(story["chair"]),
            now=NOW,
        )
    assert field in caught.value.errors
    assert _count(ActionEdit) == 0
    assert (
        db.session.execute(select(Action.plan_version).where(Action.ref == "MAP-001")).scalar_one()
        == 1
    )


def _new(**changes) -> NewAction:
    values = {
        "recommendation": "R3",
        "title": "Audit twenty core groups",
        "description": "A themed audit.",
        "lead_organisation": "trust",
        "start_date": date(2016, 2, 8),
        "target_date": date(2016, 4, 29),
        "success_measure": "Twenty core groups audited.",
        "reason": "Gap found at JSIG",
    }
    return NewAction(**(values | changes))


def test_a_new_action_gets_the_next_ref_its_first_state_and_an_added_row(story):
    ref = service.add_action(
        "north",
        _new(),
        lead_user_id=story["head"].id,
        partners=("syp",),
        actor=actor_for(story["chair"]),
        now=NOW,
    )
    assert ref == "N-02"
    db.session.expire_all()
    row = queries.get_action("N-02", today=TODAY)
    assert (row.lifecycle, row.rag.value, row.lead_user_id, row.partners) == (
        Lifecycle.NOT_STARTED,
        "green",
        story["head"].id,
        ["syp"],
    )
    added = db.session.execute(select(ActionEdit)).scalar_one()
    assert (added.kind, added.new_value, added.reason) == (
        "added",
        "Audit twenty core groups",
        "Gap found at JSIG",
    )
    assert _count(ActionState) == 4


def test_a_new_action_with_a_target_date_before_its_start_is_refused_and_nothing_is_written(story):
    before = _count(Action)
    with pytest.raises(Rejected) as caught:
        service.add_action(
            "main",
            _new(target_date=date(2016, 2, 1)),
            lead_user_id=None,
            partners=(),
            actor=actor_for(story["chair"]),
            now=NOW,
        )
    assert set(caught.value.errors) == {"target_date"}
    assert _count(Action) == before and _count(ActionEdit) == 0


def test_a_lead_cannot_add_an_action(story):
    with pytest.raises(Forbidden):
        service.add_action(
            "main", _new(), lead_user_id=None, partners=(), actor=actor_for(story["lead"]), now=NOW
        )


def _request(story, who="lead", ref="MAP-001", new=date(2016, 4, 29), reason="Posts vacant"):
    return service.request_target_date(
        ref, new, reason=reason, actor=actor_for(story[who]), now=NOW, today=TODAY
    )


def test_an_approved_request_moves_the_date_keeps_the_baseline_and_the_overdue_rule_follows(story):
    request_id = _request(story, new=date(2016, 2, 19))
    service.decide_target_date(
        request_id, approve=True, note="", actor=actor_for(story["chair"]), now=NOW
    )
    db.session.expire_all()
    action = db.session.execute(select(Action).where(Action.ref == "MAP-001")).scalar_one()
    assert (action.baseline_target_date, action.target_date) == (
        date(2016, 2, 12),
        date(2016, 2, 19),
    )
    request = db.session.get(TargetDateRequest, request_id)
    assert (request.status, request.decided_by_id, request.old_date) == (
        "approved",
        story["chair"].id,
        date(2016, 2, 12),
    )
    # On 15 February the old date would be overdue; the approved one is not.
    overdue, _ = queries.list_actions(
        today=date(2016, 2, 15), filters=queries.PlanFilters(overdue=True)
    )
    assert "MAP-001" not in [r.ref for r in overdue]
    assert [r.ref for r in list_rebaselined(TODAY)] == ["MAP-001"] and count_rebaselined() == 1


def test_a_refused_request_keeps_the_date(story):
    request_id = _request(story)
    service.decide_target_date(
        request_id,
        approve=False,
        note="Keep the pressure on",
        actor=actor_for(story["chair"]),
        now=NOW,
    )
    db.session.expire_all()
    action = db.session.execute(select(Action).where(Action.ref == "MAP-001")).scalar_one()
    assert (action.target_date, action.baseline_target_date) == (date(2016, 2, 12), None)
    assert db.session.get(TargetDateRequest, request_id).decision_note == "Keep the pressure on"
    assert count_rebaselined() == 0


def test_no_second_request_while_one_is_pending(story):
    _request(story)
    with pytest.raises(Rejected) as caught:
        _request(story, new=date(2016, 5, 27))
    assert "already waiting" in caught.value.errors["new_date"]
    assert _count(TargetDateRequest) == 1


def test_a_request_is_decided_once(story):
    request_id = _request(story)
    chair = actor_for(story["chair"])
    service.decide_target_date(request_id, approve=True, note="", actor=chair, now=NOW)
    with pytest.raises(Rejected) as caught:
        service.decide_target_date(request_id, approve=False, note="No", actor=chair, now=NOW)
    assert "already been approved" in caught.value.errors["decision"]


@pytest.mark.parametrize(
    ("who", "ref", "ok"),
    [
        ("lead", "MAP-001", True),
        ("head", "N-01", True),
        ("head", "MAP-001", False),
        ("chair", "MAP-001", False),
        ("viewer", "N-01", False),
    ],
)
def test_the_lead_or_the_locality_s_head_asks(story, who, ref, ok):
    if ok:
        assert _request(story, who=who, ref=ref)
    else:
        with pytest.raises(Forbidden):
            _request(story, who=who, ref=ref)


@pytest.mark.parametrize("who", ["admin", "lead", "head"])
def test_only_a_chair_decides(story, who):
    request_id = _request(story)
    with pytest.raises(Forbidden):
        service.decide_target_date(
            request_id, approve=True, note="", actor=actor_for(story[who]), now=NOW
        )
    assert db.session.get(TargetDateRequest, request_id).status == "pending"


def _chair_leading(story):
    """Superseding is an update: a chair who leads MAP-001 makes it."""
    story["action"].lead_user_id = story["chair"].id
    db.session.commit()
    return actor_for(story["chair"])


def test_superseding_names_an_open_replacement_and_both_histories_agree(story):
    chair = _chair_leading(story)
    proposal = Proposal(
        summary="Merged into MAP-002.",
        lifecycle=Lifecycle.SUPERSEDED,
        rag=None,
        impact=Impact.NOT_YET_EVIDENCED,
        reason="Merged at Getting to Good",
        superseded_by="map-002",
    )
    record_update(
        "MAP-001",
        proposal,
        expected_version=1,
        actor=chair,
        now=NOW,
        today=TODAY,
        cycle_start=date(2016, 1, 4),
    )
    db.session.expire_all()
    row = queries.get_action("MAP-001", today=TODAY)
    assert (row.lifecycle, row.superseded_by) == (Lifecycle.SUPERSEDED, "MAP-002")
    [change] = action_plan_changes(row.id)
    assert (change.kind, change.new, change.reason) == (
        "superseded",
        "MAP-002",
        "Merged at Getting to Good",
    )


@pytest.mark.parametrize(
    ("replacement", "closed"),
    [("", False), ("MAP-001", False), ("MAP-404", False), ("MAP-002", True)],
)
def test_superseding_without_an_open_replacement_is_refused(story, replacement, closed):
    if closed:
        db.session.execute(
            ActionState.__table__.update()
            .where(ActionState.action_id == story["other"].id)
            .values(lifecycle="closed_evidenced", rag=None)
        )
        db.session.commit()
    proposal = Proposal(
        summary="Merged.",
        lifecycle=Lifecycle.SUPERSEDED,
        rag=None,
        impact=Impact.NOT_YET_EVIDENCED,
        reason="Merged",
        superseded_by=replacement,
    )
    with pytest.raises(Rejected) as caught:
        record_update(
            "MAP-001",
            proposal,
            expected_version=1,
            actor=_chair_leading(story),
            now=NOW,
            today=TODAY,
            cycle_start=date(2016, 1, 4),
        )
    assert "superseded_by" in caught.value.errors
    assert _count(ActionEdit) == 0


def test_what_changed_between_two_moments_in_two_queries_whatever_the_size(story, clean_db):
    chair = actor_for(story["chair"])
    t0 = NOW - timedelta(days=3)
    make_date_request(
        story["action"],
        by=story["lead"],
        requested_at=t0,
        status="approved",
        decided_by=story["chair"],
        decided_at=t0 + timedelta(hours=2),
        note="Agreed",
    )
    make_date_request(story["north"], by=story["head"], requested_at=NOW)
    db.session.commit()
    service.edit_action(
        "MAP-002",
        _entry("MAP-002", title="Renamed"),
        reason="Clearer",
        expected_plan_version=1,
        actor=chair,
        now=NOW,
    )
    window = (NOW - timedelta(days=4), NOW + timedelta(hours=1))
    chair_name = story["chair"].name

    def measured():
        db.session.remove()
        with QueryCounter(db.engine) as counter:
            changes = plan_changes_between(*window)
        return changes, counter.count

    changes, few = measured()
    assert [(c.kind, c.action_ref) for c in changes] == [
        ("date_requested", "N-01"),
        ("edited", "MAP-002"),
        ("date_approved", "MAP-001"),
        ("date_requested", "MAP-001"),
    ]
    approved = changes[2]
    assert (approved.who, approved.old, approved.new, approved.reason, approved.field) == (
        chair_name,
        "2016-02-12",
        "2016-04-29",
        "Agreed",
        "target_date",
    )
    for n in range(10):
        other = make_action(ref=f"MAP-1{n:02d}")
        make_date_request(other, requested_at=NOW)
    db.session.commit()
    more, many = measured()
    assert len(more) == 14 and few == many == 2
    # A window that ends before the decision sees only the request.
    early = plan_changes_between(t0 - timedelta(minutes=1), t0 + timedelta(minutes=1))
    assert [c.kind for c in early] == ["date_requested"]


def test_an_edit_that_loses_a_race_after_its_check_is_a_conflict_and_writes_nothing(
    story, monkeypatch
):
    """Someone else saves between this edit's version check and its write: the conditional
    UPDATE finds the version moved, so nothing is overwritten."""
    real = service.load_edit_context

    def racing(ref):
        ctx = real(ref)
        with db.engine.begin() as conn:  # another person's edit, committed meanwhile
            conn.execute(
                Action.__table__.update()
                .where(Action.ref == ref)
                .values(plan_version=2, title="Their title")
            )
        return ctx

    monkeypatch.setattr(service, "load_edit_context", racing)
    with pytest.raises(service.PlanConflict) as caught:
        service.edit_action(
            "MAP-001",
            PlanEntry("My title", "", str(story["lead"].id), "trust", (), "Measured by audit."),
            reason="Mine",
            expected_plan_version=1,
            actor=actor_for(story["chair"]),
            now=NOW,
        )
    assert caught.value.current_version == 2
    db.session.expire_all()
    title = db.session.execute(select(Action.title).where(Action.ref == "MAP-001")).scalar_one()
    assert title == "Their title" and _count(ActionEdit) == 0


def test_two_requests_at_once_leave_one_pending(story, monkeypatch):
    """The partial unique index holds the rule when both requests pass the check together."""
    _request(story)
    monkeypatch.setattr(service, "_pending_for", lambda action_id: False)
    with pytest.raises(Rejected) as caught:
        _request(story, new=date(2016, 5, 27))
    assert "already waiting" in caught.value.errors["new_date"]
    assert _count(TargetDateRequest) == 1


def test_an_action_renamed_is_found_by_its_new_words_at_once(story):
    from tracker.domain.permissions import Actor, Role
    from tracker.services import search

    viewer = Actor(user_id=None, role=Role.VIEWER)
    service.edit_action(
        "MAP-001",
        _entry(
            "MAP-001",
            title="Kaleidoscope dip sample of plans",
            success_measure="Zephyr audits twice a year",
        ),
        reason="Agreed at JSIG on 3 February",
        expected_plan_version=1,
        actor=actor_for(story["chair"]),
        now=NOW,
    )
    db.session.commit()
    for words in ("kaleidoscope", "zephyr"):
        hits = search.search(words, actor=viewer).hits
        assert [(h.kind, h.action_ref) for h in hits] == [("action", "MAP-001")], words
