"""Issue 20.3: inspection events of every kind, recorded by an administrator with their
findings; an action answers findings of more than one event; progress per event and finding."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import actor_for, make_action, make_recommendation, make_user
from tracker.domain.inspection_events import EventInput, FindingInput
from tracker.extensions import db
from tracker.models import AuditEvent, Inspection, Recommendation, action_finding
from tracker.services.plan import inspection_events as events
from tracker.services.plan import queries
from tracker.services.reads.inspections import list_events

NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
TODAY = date(2016, 2, 5)
RULES = {"SIF": 70, "FOCUSED_VISIT": 70, "MONITORING_VISIT": 0}


def _visit(*findings: FindingInput, framework: str = "FOCUSED_VISIT", **changes) -> EventInput:
    values = {
        "framework": framework,
        "title": "Focused visit: the front door",
        "local_authority": "Exampleshire",
        "started_on": date(2016, 1, 12),
        "ended_on": date(2016, 1, 13),
        "report_published": date(2016, 2, 1),
        "findings": findings
        or (
            FindingInput(None, "area_for_priority_action", "APA1", "Strategy discussions"),
            FindingInput(None, "area_for_improvement", "AFI1", "Supervision", actions=("N-01",)),
        ),
    }
    return EventInput(**(values | changes))


def _rows() -> dict[str, int]:
    return {
        table: db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for table, model in (
            ("inspection", Inspection),
            ("recommendation", Recommendation),
            ("action_finding", action_finding),
            ("audit_event", AuditEvent),
        )
    }


@pytest.fixture
def world(clean_db):
    admin = make_user(role="admin", email="admin@trust.example")
    chair = make_user(role="chair", email="chair@trust.example")
    north = make_action(ref="N-01", plan="north", recommendation=make_recommendation(ref="R1"))
    make_action(ref="M-01", rag="red", recommendation=make_recommendation(ref="R2"))
    db.session.commit()
    ids = {"admin": admin.id, "chair": chair.id, "north": north.id}
    db.session.remove()
    return ids


def _actor(user_id: int):
    from tracker.models import User

    return actor_for(db.session.get(User, user_id))


def test_an_administrator_adds_a_focused_visit_with_its_findings_in_one_audited_commit(world):
    event_id = events.save_event(_actor(world["admin"]), _visit(), now=NOW).id
    db.session.remove()
    saved = db.session.get(Inspection, event_id)
    assert (saved.framework, saved.title, saved.judgements) == (
        "FOCUSED_VISIT",
        "Focused visit: the front door",
        [],
    )
    findings = db.session.execute(
        select(Recommendation.ref, Recommendation.kind, Recommendation.number)
        .where(Recommendation.inspection_id == event_id)
        .order_by(Recommendation.number)
    ).all()
    assert findings == [
        ("APA1", "area_for_priority_action", 1),
        ("AFI1", "area_for_improvement", 2),
    ]
    audit = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "inspection_added")
    ).scalar_one()
    assert audit.detail["findings_added"] == ["APA1", "AFI1"]
    assert audit.target == f"inspection/{event_id}"


@pytest.mark.parametrize("role", ["chair", "viewer", "locality_head"])
def test_only_an_administrator_records_inspections(world, role):
    person = make_user(role=role, email=f"another.{role}@trust.example", locality="north")
    db.session.commit()
    before = _rows()
    with pytest.raises(PermissionError):
        events.save_event(actor_for(person), _visit(), now=NOW)
    db.session.remove()
    assert _rows() == before


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (_visit(FindingInput(None, "area_for_improvement", "R1", "Taken")), "already has the ref"),
        (
            _visit(FindingInput(None, "area_for_improvement", "AFI1", "T", actions=("X-99",))),
            "there is no action X-99",
        ),
        (_visit(FindingInput(None, "recommendation", "R9", "T")), "produces area for"),
        (_visit(judgements={"Overall effectiveness": "Good"}), "has no judgement"),
        (_visit(report_published=None, title=""), "Enter a title"),
    ],
)
def test_bad_input_writes_nothing_and_names_every_problem(world, event, words):
    before = _rows()
    with pytest.raises(events.EventRefused) as refused:
        events.save_event(_actor(world["admin"]), event, now=NOW)
    assert words in str(refused.value)
    db.session.remove()
    assert _rows() == before


def test_a_finding_cannot_be_removed_or_taken_from_another_event(world):
    first = db.session.execute(select(Inspection.id)).scalar_one()
    other = make_recommendation(ref="R7")
    db.session.commit()
    page = events.get_event(first)
    keep = [
        FindingInput(f.id, "recommendation", f.ref, f.title, lead_body=f.lead_body)
        for f in page.findings
    ]
    sif = {"framework": "SIF", "title": "Single inspection", "started_on": None, "ended_on": None}
    with pytest.raises(events.EventRefused, match="cannot be removed"):
        events.save_event(
            _actor(world["admin"]), _visit(*keep[:1], **sif), now=NOW, inspection_id=first
        )
    # R7 is a finding of the same inspection here (the builders make one), so a made-up id is used
    stranger = FindingInput(other.id + 1000, "recommendation", "R8", "Not ours")
    with pytest.raises(events.EventRefused, match="not one of this inspection"):
        events.save_event(
            _actor(world["admin"]), _visit(*keep, stranger, **sif), now=NOW, inspection_id=first
        )


def test_an_action_answers_findings_of_two_events_and_progress_counts_it_for_each(world):
    visit_id = events.save_event(_actor(world["admin"]), _visit(), now=NOW).id
    db.session.remove()
    progress = queries.get_progress(today=TODAY)
    by_ref = {f.ref: f for f in progress.findings}
    # N-01 answers R1 (its own) and AFI1 (linked): counted under both findings and both events.
    assert by_ref["AFI1"].action_count == 1 and by_ref["APA1"].action_count == 0
    assert progress.events[visit_id].action_count == 1
    assert progress.plan.action_count == 2  # each action once across the whole plan
    listed, _ = queries.list_actions(
        today=TODAY, filters=queries.PlanFilters(recommendation="AFI1")
    )
    assert [row.ref for row in listed] == ["N-01"]
    summaries = list_events(
        progress, queries.list_inspections(), rule_days=RULES, default_anchor="publication"
    )
    assert [e.title for e in summaries][1] == "Focused visit: the front door"
    # An area for priority action: the plan is due 70 working days after 1 February 2016.
    assert summaries[1].deadline.due == date(2016, 5, 12)
    assert summaries[1].findings[0].kind_label == "Area for priority action"


def test_changing_an_event_changes_its_findings_and_links_and_is_audited(world):
    visit_id = events.save_event(_actor(world["admin"]), _visit(), now=NOW).id
    page = events.get_event(visit_id)
    assert page.linked_actions == {page.findings[0].id: [], page.findings[1].id: ["N-01"]}
    apa, afi = page.findings
    changed = _visit(
        FindingInput(apa.id, apa.kind, "APA1", "Strategy discussions", actions=("M-01", "N-01")),
        FindingInput(afi.id, afi.kind, "AFI1", "Supervision, monthly"),
        FindingInput(None, "area_for_improvement", "AFI2", "Return interviews"),
    )
    events.save_event(_actor(world["admin"]), changed, now=NOW, inspection_id=visit_id)
    db.session.remove()
    page = events.get_event(visit_id)
    assert [f.ref for f in page.findings] == ["APA1", "AFI1", "AFI2"]
    assert page.linked_actions[page.findings[0].id] == ["M-01", "N-01"]
    assert page.linked_actions[page.findings[1].id] == []
    audit = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "inspection_changed")
    ).scalar_one()
    assert audit.detail["findings_added"] == ["AFI2"]
    assert set(audit.detail["findings_changed"]) == {"APA1", "AFI1"}


def test_a_primary_finding_is_never_repeated_as_a_link(world):
    first = db.session.execute(select(Inspection.id)).scalar_one()
    page = events.get_event(first)
    r1 = next(f for f in page.findings if page.primary_actions[f.id] == ["N-01"])
    findings = [
        FindingInput(
            f.id,
            "recommendation",
            f.ref,
            f.title,
            lead_body=f.lead_body,
            actions=("N-01",) if f.id == r1.id else (),
        )
        for f in page.findings
    ]
    sif = {"framework": "SIF", "title": "Single inspection", "started_on": None, "ended_on": None}
    events.save_event(
        _actor(world["admin"]),
        _visit(*findings, judgements={"Overall effectiveness": "Inadequate"}, **sif),
        now=NOW,
        inspection_id=first,
    )
    db.session.remove()
    assert db.session.execute(select(func.count()).select_from(action_finding)).scalar_one() == 0
    saved = db.session.get(Inspection, first)
    assert saved.judgements == [{"area": "Overall effectiveness", "grade": "Inadequate"}]


def test_the_overview_reads_every_event_s_progress_in_three_statements(
    world, clean_db, count_queries
):
    def statements() -> int:
        with count_queries(clean_db) as counter:
            progress = queries.get_progress(today=TODAY)
            list_events(
                progress, queries.list_inspections(), rule_days=RULES, default_anchor="publication"
            )
        db.session.remove()
        return counter.count

    one = statements()
    events.save_event(_actor(world["admin"]), _visit(), now=NOW)
    db.session.remove()
    assert statements() == one == 3


def test_an_event_becomes_another_kind_only_when_its_findings_fit_and_only_by_an_admin(world):
    visit = events.save_event(_actor(world["admin"]), _visit(), now=NOW).id
    db.session.remove()
    before = _rows()
    with pytest.raises(PermissionError):
        events.change_framework(_actor(world["chair"]), visit, "OTHER", now=NOW)
    with pytest.raises(events.EventRefused) as refused:
        events.change_framework(_actor(world["admin"]), visit, "MONITORING_VISIT", now=NOW)
    assert [field for field, _ in refused.value.problems] == ["framework"]
    assert "Finding APA1 is an area for priority action" in str(refused.value)
    db.session.remove()
    assert _rows() == before
    assert db.session.get(Inspection, visit).framework == "FOCUSED_VISIT"
    db.session.remove()
    events.change_framework(_actor(world["admin"]), visit, "OTHER", now=NOW)
    db.session.remove()
    saved = db.session.get(Inspection, visit)
    assert saved.framework == "OTHER"
    # Other asks for no plan unless its rule's days say so: the deadline follows its rule.
    progress = queries.get_progress(today=TODAY)
    (summary,) = list_events(progress, [saved], rule_days=RULES, default_anchor="publication")
    assert summary.deadline is None
    assert _rows() == before | {"audit_event": before["audit_event"] + 1}
