from datetime import UTC, date, datetime

import pytest

from tests.builders import add_update, depends, make_action, make_recommendation
from tracker.extensions import db
from tracker.services.errors import BadFilter, NotFound
from tracker.services.plan import queries

TODAY = date(2016, 2, 5)


def test_an_actions_state_is_its_latest_update(clean_db):
    action = make_action(ref="M-1", rag="green")
    add_update(
        action, recorded_at=datetime(2016, 1, 14, 10, tzinfo=UTC), rag="amber", reason="Slipping"
    )
    add_update(
        action, recorded_at=datetime(2016, 1, 28, 10, tzinfo=UTC), rag="red", reason="Post vacant"
    )
    db.session.commit()
    row = queries.get_action("M-1", today=TODAY)
    assert row.rag == "red" and row.version == 3


def test_as_at_rebuilds_the_state_from_history_at_the_end_of_a_london_day(clean_db):
    action = make_action(ref="M-1", rag="green")
    # 23:30 UTC on 20 January is still 20 January in London (GMT).
    add_update(
        action,
        recorded_at=datetime(2016, 1, 20, 23, 30, tzinfo=UTC),
        rag="amber",
        reason="Slipping",
    )
    add_update(
        action, recorded_at=datetime(2016, 1, 21, 0, 30, tzinfo=UTC), rag="red", reason="Worse"
    )
    db.session.commit()
    from tracker.clock import end_of_london_day_utc

    row = queries.get_action(
        "M-1", today=date(2016, 1, 20), as_at=end_of_london_day_utc(date(2016, 1, 20))
    )
    assert row.rag == "amber" and row.version == 2
    history = queries.get_history(row.id, as_at=end_of_london_day_utc(date(2016, 1, 20)))
    assert [h.version for h in history] == [2, 1]
    assert history[0].changed == {"rag", "summary"}


def test_actions_created_after_the_as_at_day_are_not_listed(clean_db):
    make_action(ref="M-1", recorded_at=datetime(2016, 1, 4, 9, tzinfo=UTC))
    make_action(ref="M-2", recorded_at=datetime(2016, 2, 1, 9, tzinfo=UTC))
    db.session.commit()
    rows, total = queries.list_actions(today=TODAY, as_at=datetime(2016, 1, 20, 23, tzinfo=UTC))
    assert [r.ref for r in rows] == ["M-1"] and total == 1


def test_overdue_filter_and_rag_filter(clean_db):
    make_action(ref="M-1", target_date=date(2016, 1, 29), rag="red")
    make_action(ref="M-2", target_date=date(2016, 1, 29), lifecycle="closed_evidenced", rag=None)
    make_action(ref="M-3", target_date=date(2016, 3, 1), rag="red")
    db.session.commit()
    overdue, _ = queries.list_actions(today=TODAY, filters=queries.PlanFilters(overdue=True))
    assert [r.ref for r in overdue] == ["M-1"]
    red, _ = queries.list_actions(today=TODAY, filters=queries.PlanFilters(rag="red"))
    assert [r.ref for r in red] == ["M-1", "M-3"]
    not_overdue, _ = queries.list_actions(today=TODAY, filters=queries.PlanFilters(overdue=False))
    assert [r.ref for r in not_overdue] == ["M-2", "M-3"]


def test_sorting_by_rag_puts_red_first_and_descending_reverses(clean_db):
    make_action(ref="M-1", rag="green")
    make_action(ref="M-2", rag="red")
    make_action(ref="M-3", rag="amber")
    db.session.commit()
    rows, _ = queries.list_actions(today=TODAY, filters=queries.PlanFilters(sort="rag"))
    assert [r.ref for r in rows] == ["M-2", "M-3", "M-1"]
    rows, _ = queries.list_actions(
        today=TODAY, filters=queries.PlanFilters(sort="rag", descending=True)
    )
    assert [r.ref for r in rows] == ["M-1", "M-3", "M-2"]


def test_paging_reports_the_total(clean_db):
    rec = make_recommendation()
    for i in range(7):
        make_action(ref=f"M-{i}", recommendation=rec)
    db.session.commit()
    rows, total = queries.list_actions(today=TODAY, page=2, per_page=3)
    assert total == 7 and [r.ref for r in rows] == ["M-3", "M-4", "M-5"]


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"rag": "blue"}, "rag"),
        ({"lifecycle": "done"}, "lifecycle"),
        ({"overdue": "maybe"}, "overdue"),
        ({"sort": "colour"}, "sort"),
    ],
)
def test_bad_filters_name_the_parameter(args, parameter):
    with pytest.raises(BadFilter) as exc:
        queries.parse_filters(args)
    assert exc.value.parameter == parameter


def test_an_unknown_plan_is_a_bad_filter(clean_db):
    make_action(ref="M-1")  # a plan the database holds
    db.session.commit()
    plans = [p.code for p in queries.list_plan_choices()]
    with pytest.raises(BadFilter) as exc:
        queries.parse_filters({"plan": "west"}, plans=plans)
    assert exc.value.message == "plan must be one of " + ", ".join(plans)


def test_an_unknown_ref_is_not_found(clean_db):
    with pytest.raises(NotFound):
        queries.get_action("NOPE", today=TODAY)


def test_dependencies_both_ways_with_date_clash_and_blocked(clean_db):
    prereq = make_action(ref="M-1", target_date=date(2016, 4, 1), rag="red")
    dependent = make_action(ref="M-2", target_date=date(2016, 3, 1))
    depends(dependent, on=prereq)
    db.session.commit()
    row = queries.get_action("M-2", today=TODAY)
    prereqs, dependents, blocked = queries.get_dependencies(row, today=TODAY)
    assert [p.ref for p in prereqs] == ["M-1"] and prereqs[0].date_clash
    assert dependents == [] and blocked
    assert row.depends_on == ["M-1"]
    _, needed_by, _ = queries.get_dependencies(queries.get_action("M-1", today=TODAY), today=TODAY)
    assert [d.ref for d in needed_by] == ["M-2"]


def _list_all(n_actions: int, prefix: str, count_queries, app) -> int:
    rec = make_recommendation()
    for i in range(n_actions):
        a = make_action(ref=f"{prefix}-{i:03d}", recommendation=rec)
        add_update(a, recorded_at=datetime(2016, 1, 14, tzinfo=UTC), rag="amber", reason="x")
    db.session.commit()
    with count_queries(app) as counter:
        queries.list_actions(today=TODAY)
        queries.list_recommendations(today=TODAY)
    return counter.count


def test_listing_runs_the_same_number_of_queries_for_3_or_30_actions(clean_db, count_queries):
    few = _list_all(3, "A", count_queries, clean_db)
    many = _list_all(30, "B", count_queries, clean_db)
    assert few == many <= 6
