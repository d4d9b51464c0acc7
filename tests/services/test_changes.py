"""What changed since a date, read from the history: RAG moves (to red first), newly overdue,
closed and new dependencies, with who and why, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.builders import add_update, depends, make_action, make_date_request, make_user
from tracker.domain.changes import ChangeKind
from tracker.extensions import db
from tracker.models import ActionEdit
from tracker.services.reads.changes import list_changes, list_exceptions

SINCE = date(2016, 1, 29)
TODAY = date(2016, 2, 5)
IN_WINDOW = datetime(2016, 2, 2, 10, tzinfo=UTC)
BEFORE = datetime(2016, 1, 20, 10, tzinfo=UTC)


def kinds_and_refs(changes):
    return [(c.kind, c.action_ref) for c in changes.items]


def test_a_rag_move_in_the_window_is_listed_with_who_and_why(clean_db):
    lead = make_user()
    action = make_action(ref="MAP-001", lead=lead, rag="green")
    add_update(action, recorded_at=IN_WINDOW, rag="red", reason="Two managers left.", author=lead)
    db.session.commit()

    [change] = list_changes(since=SINCE, today=TODAY).items
    assert change.kind == ChangeKind.RAG_MOVED
    assert (change.old, change.new) == ("green", "red")
    assert change.who == lead.name and change.lead == lead.name
    assert change.why == "Two managers left."
    assert change.on == date(2016, 2, 2) and change.to_red


def test_a_move_to_red_and_its_reversal_in_the_period_is_not_a_move_to_red(clean_db):
    """The net view: the state at the start, the state now, how many moves between. Moved to red
    and amended back to amber is two moves in the detail and no move to red in the net."""
    author = make_user()
    reversed_ = make_action(ref="MAP-010", rag="amber")
    add_update(reversed_, recorded_at=IN_WINDOW, rag="red", reason="Slipped.", author=author)
    add_update(
        reversed_,
        recorded_at=datetime(2016, 2, 2, 11, tzinfo=UTC),
        rag="amber",
        reason="Amended: typed red by mistake.",
        author=author,
    )
    redder = make_action(ref="MAP-011", rag="green")
    add_update(redder, recorded_at=datetime(2016, 2, 1, 9, tzinfo=UTC), rag="red", author=author)
    add_update(redder, recorded_at=datetime(2016, 2, 3, 9, tzinfo=UTC), rag="amber")
    add_update(redder, recorded_at=datetime(2016, 2, 4, 9, tzinfo=UTC), rag="red")
    closer = make_action(ref="MAP-012", lifecycle="complete_awaiting_signoff", rag="green")
    add_update(closer, recorded_at=IN_WINDOW, lifecycle="closed_evidenced", rag=None)
    greener = make_action(ref="MAP-013", rag="red")
    add_update(greener, recorded_at=BEFORE, rag="amber")  # before the period: its start
    add_update(greener, recorded_at=IN_WINDOW, rag="green")
    db.session.commit()

    changes = list_changes(since=SINCE, today=TODAY)
    # The detail keeps every move: three to red.
    assert len([c for c in changes.of_kind(ChangeKind.RAG_MOVED) if c.to_red]) == 3
    net = [(n.action_ref, n.start, n.end, n.moves, n.outcome) for n in changes.net]
    assert net == [
        ("MAP-011", "green", "red", 3, "to_red"),
        ("MAP-013", "amber", "green", 1, "to_green"),
        ("MAP-012", "green", "closed_evidenced", 1, "closed"),
        ("MAP-010", "amber", "amber", 2, "unchanged"),
    ]
    assert changes.net_counts() == {
        "to_red": 1,
        "to_amber": 0,
        "to_green": 1,
        "closed": 1,
        "unchanged": 1,
    }
    assert [n.to_red for n in changes.net] == [True, False, False, False]


def test_moves_to_red_come_before_other_moves_and_other_kinds(clean_db):
    author = make_user()
    greener = make_action(ref="A-GREEN", rag="amber")
    add_update(greener, recorded_at=IN_WINDOW, rag="green", reason="Recovered.", author=author)
    redder = make_action(ref="Z-RED", rag="amber")
    add_update(redder, recorded_at=IN_WINDOW, rag="red", reason="Slipped.", author=author)
    make_action(ref="B-LATE", target_date=date(2016, 2, 1))
    db.session.commit()

    assert kinds_and_refs(list_changes(since=SINCE, today=TODAY)) == [
        (ChangeKind.RAG_MOVED, "Z-RED"),
        (ChangeKind.RAG_MOVED, "A-GREEN"),
        (ChangeKind.NEWLY_OVERDUE, "B-LATE"),
    ]


def test_updates_that_keep_the_rag_or_fall_outside_the_window_are_not_changes(clean_db):
    action = make_action(ref="MAP-002", rag="green")
    add_update(action, recorded_at=BEFORE, rag="amber", reason="Before the window.")
    add_update(action, recorded_at=IN_WINDOW, rag="amber", summary="Still amber.")
    db.session.commit()
    assert list_changes(since=SINCE, today=TODAY).items == []


def test_the_window_runs_from_the_start_of_the_london_day_to_the_end_of_today(clean_db):
    action = make_action(ref="MAP-003", rag="green")
    # 00:30 London on 29 January is 00:30 UTC (winter): inside; 23:59 UTC on the 28th: outside.
    add_update(action, recorded_at=datetime(2016, 1, 28, 23, 59, tzinfo=UTC), rag="amber")
    add_update(action, recorded_at=datetime(2016, 1, 29, 0, 30, tzinfo=UTC), rag="red")
    add_update(action, recorded_at=datetime(2016, 2, 5, 23, 0, tzinfo=UTC), rag="green")
    add_update(action, recorded_at=datetime(2016, 2, 6, 0, 1, tzinfo=UTC), rag="amber")
    db.session.commit()
    moves = [(c.old, c.new) for c in list_changes(since=SINCE, today=TODAY).items]
    assert moves == [("amber", "red"), ("red", "green")]


def test_closing_with_evidence_is_listed_and_a_reopened_action_is_not_a_rag_move(clean_db):
    chair = make_user(role="chair")
    action = make_action(ref="MAP-004", lifecycle="complete_awaiting_signoff", rag="green")
    add_update(
        action,
        recorded_at=IN_WINDOW,
        lifecycle="closed_evidenced",
        rag=None,
        summary="Signed off.",
        author=chair,
    )
    db.session.commit()
    [change] = list_changes(since=SINCE, today=TODAY).items
    assert change.kind == ChangeKind.CLOSED
    assert change.who == chair.name
    assert (change.old, change.new) == ("complete_awaiting_signoff", "closed_evidenced")


@pytest.mark.parametrize(
    ("target", "lifecycle", "rag", "listed"),
    [
        (date(2016, 1, 29), "in_progress", "amber", True),  # the first day of the window
        (date(2016, 2, 4), "in_progress", "green", True),  # yesterday
        (date(2016, 2, 5), "in_progress", "green", False),  # due today: not overdue yet
        (date(2016, 1, 28), "in_progress", "red", False),  # overdue before the window
        (date(2016, 2, 1), "closed_evidenced", None, False),  # closed: not overdue
        (date(2016, 2, 1), "superseded", None, False),
        (None, "in_progress", "green", False),
    ],
)
def test_newly_overdue_means_the_target_date_passed_in_the_window_and_it_is_still_open(
    clean_db, target, lifecycle, rag, listed
):
    make_action(ref="MAP-005", target_date=target, lifecycle=lifecycle, rag=rag)
    db.session.commit()
    items = list_changes(since=SINCE, today=TODAY).of_kind(ChangeKind.NEWLY_OVERDUE)
    assert [c.action_ref for c in items] == (["MAP-005"] if listed else [])


def test_a_dependency_a_person_added_is_new_and_one_loaded_with_the_plan_is_not(clean_db):
    head = make_user(role="locality_head")
    first, second, third = (make_action(ref=f"N-0{i}") for i in (1, 2, 3))
    depends(second, first, created_at=IN_WINDOW, by=head)
    depends(third, first, created_at=IN_WINDOW)  # imported with the plan
    depends(third, second, created_at=BEFORE, by=head)
    db.session.commit()
    [change] = list_changes(since=SINCE, today=TODAY).items
    assert change.kind == ChangeKind.DEPENDENCY_ADDED
    assert (change.action_ref, change.related_ref, change.who) == ("N-02", "N-01", head.name)


def test_changes_read_elsewhere_join_the_list_in_order(clean_db):
    from tracker.services.reads.changes import Change

    plan_change = Change(
        kind="target_date_approved",
        action_ref="MAP-009",
        action_title="Moved",
        plan="main",
        on=date(2016, 2, 3),
        at=None,
        who="Chair",
        why="Agreed at JSIG.",
        old="2016-02-01",
        new="2016-03-31",
    )
    action = make_action(ref="MAP-006", rag="green")
    add_update(action, recorded_at=IN_WINDOW, rag="red", reason="Slipped.")
    db.session.commit()
    items = list_changes(since=SINCE, today=TODAY, extra=[plan_change]).items
    assert [c.action_ref for c in items] == ["MAP-006", "MAP-009"]


def test_the_changes_run_six_queries_whatever_the_size_of_the_history(clean_db, count_queries):
    author = make_user()
    action = make_action(ref="MAP-007", rag="green")
    add_update(action, recorded_at=IN_WINDOW, rag="red", reason="Slipped.", author=author)
    make_date_request(action, by=author, requested_at=IN_WINDOW)
    db.session.commit()
    with count_queries(clean_db) as small:
        list_changes(since=SINCE, today=TODAY)
    for n in range(30):
        more = make_action(ref=f"MAP-1{n:02d}", rag="green", target_date=date(2016, 2, 1))
        for day in range(1, 5):
            add_update(
                more,
                recorded_at=datetime(2016, 2, day, 9, tzinfo=UTC),
                rag="red" if day % 2 else "green",
                author=author,
            )
        depends(more, action, created_at=IN_WINDOW, by=author)
        make_date_request(more, by=author, requested_at=IN_WINDOW)
    db.session.commit()
    with count_queries(clean_db) as large:
        changes = list_changes(since=SINCE, today=TODAY)
    assert len(changes.items) == 2 + 30 * (4 + 1 + 1 + 1)
    # history, overdue, dependencies; the plan's own edits, date requests, and their actions
    assert small.count == large.count == 6


def test_target_date_moves_and_actions_added_and_superseded_are_changes(clean_db):
    lead, chair = make_user(), make_user(role="chair")
    action = make_action(ref="MAP-001", lead=lead, target_date=date(2016, 1, 29))
    replacement = make_action(ref="MAP-002", lead=lead)
    make_date_request(
        action,
        by=lead,
        requested_at=IN_WINDOW,
        new_date=date(2016, 3, 31),
        status="approved",
        decided_by=chair,
        decided_at=IN_WINDOW,
        reason="Recruitment delayed.",
    )
    db.session.add(
        ActionEdit(
            action_id=replacement.id,
            kind="added",
            field="",
            old_value="",
            new_value="",
            reason="A new action for the recruitment gap.",
            cause="person",
            author_id=chair.id,
            recorded_at=IN_WINDOW,
        )
    )
    db.session.add(
        ActionEdit(
            action_id=action.id,
            kind="superseded",
            field="superseded_by",
            old_value="",
            new_value="MAP-002",
            reason="Replaced by MAP-002.",
            cause="person",
            author_id=chair.id,
            recorded_at=IN_WINDOW,
        )
    )
    db.session.commit()

    changes = list_changes(since=SINCE, today=TODAY)
    by_kind = {c.kind: c for c in changes.items}
    approved = by_kind[ChangeKind.DATE_APPROVED]
    assert (approved.action_ref, approved.new, approved.who) == (
        "MAP-001",
        "2016-03-31",
        chair.name,
    )
    assert approved.lead == lead.name and approved.plan
    assert by_kind[ChangeKind.DATE_REQUESTED].why == "Recruitment delayed."
    assert by_kind[ChangeKind.ADDED].action_ref == "MAP-002"
    assert by_kind[ChangeKind.SUPERSEDED].new == "MAP-002"
    # Dates moved first, then actions added, then superseded.
    order = [c.kind for c in changes.items]
    assert (
        order.index(ChangeKind.DATE_APPROVED)
        < order.index(ChangeKind.ADDED)
        < order.index(ChangeKind.SUPERSEDED)
    )


def test_the_exception_list_is_red_or_overdue_most_days_overdue_first(clean_db):
    lead = make_user()
    make_action(ref="OLD", target_date=date(2016, 1, 4), rag="green", lead=lead)
    make_action(ref="NEWER", target_date=date(2016, 2, 1), rag="amber")
    make_action(ref="RED", target_date=date(2016, 3, 31), rag="red")
    make_action(ref="FINE", target_date=date(2016, 3, 31), rag="green")
    make_action(ref="SHUT", target_date=date(2016, 1, 4), lifecycle="closed_evidenced", rag=None)
    db.session.commit()
    lines = list_exceptions(today=TODAY)
    assert [(e.row.ref, e.days_overdue) for e in lines] == [("OLD", 32), ("NEWER", 4), ("RED", 0)]
    assert lines[0].row.lead_name == lead.name
