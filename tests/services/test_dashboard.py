"""The chair's dashboard: its counts follow the lists' rules, its charts are read from history as
at each cycle's return deadline, and it answers with plain JSON values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tests.builders import (
    add_update,
    depends,
    make_action,
    make_cycles,
    make_locality_return,
    make_user,
)
from tracker.domain.dependencies import date_clash, is_blocked
from tracker.domain.states import is_overdue
from tracker.extensions import db
from tracker.services.errors import BadFilter
from tracker.services.governance.dashboard import (
    COUNT_KEYS,
    DashboardSettings,
    dashboard_snapshot,
    parse_dashboard_filters,
)
from tracker.services.plan import queries

TODAY = date(2016, 2, 5)  # cycle 3: 1 to 12 February; cycle 1 was due 15 Jan, cycle 2 29 Jan
NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
SETTINGS = DashboardSettings(
    cycle_start=date(2016, 1, 4), sef_first_month="2016-02", sef_due_working_day=5
)
IN_CYCLE_1 = datetime(2016, 1, 12, 10, tzinfo=UTC)
AFTER_CYCLE_1 = datetime(2016, 1, 16, 10, tzinfo=UTC)  # cycle 1 was due at noon on 15 Jan
IN_CYCLE_2 = datetime(2016, 1, 26, 10, tzinfo=UTC)
IN_CYCLE_3 = datetime(2016, 2, 2, 10, tzinfo=UTC)


def snapshot(**args: str) -> dict:
    plans = queries.list_plan_choices()
    return dashboard_snapshot(
        TODAY, parse_dashboard_filters(args, plans=plans), now=NOW, settings=SETTINGS, plans=plans
    )


def listed(**args: str) -> set[str]:
    filters = queries.parse_filters(
        args, cycle=3, plans=[p.code for p in queries.list_plan_choices()]
    )
    return {r.ref for r in queries.list_actions(today=TODAY, filters=filters)[0]}


# Each prerequisite as (lifecycle, rag, target date); the dependent is open, due 31 March.
@pytest.mark.parametrize(
    ("lifecycle", "rag", "target"),
    [
        ("in_progress", "red", date(2016, 3, 1)),  # red: blocked
        ("in_progress", "green", date(2016, 1, 29)),  # overdue: blocked
        ("not_started", "amber", date(2016, 2, 4)),  # overdue by a day: blocked
        ("in_progress", "green", date(2016, 2, 5)),  # due today is not overdue
        ("in_progress", "amber", date(2016, 4, 30)),  # due after the dependent: a clash
        ("in_progress", "green", date(2016, 3, 31)),  # due the same day: no clash
        ("in_progress", "green", None),  # no date: neither
        ("complete_awaiting_signoff", "red", date(2016, 1, 8)),  # still open: blocked
        ("closed_evidenced", None, date(2016, 1, 8)),  # closed: neither
        ("superseded", None, date(2016, 6, 30)),  # superseded: no clash left to fix
    ],
)
def test_blocked_and_date_clash_lists_follow_the_domain_rules(clean_db, lifecycle, rag, target):
    make_cycles(upto=4)
    prerequisite = make_action(ref="M-PRE", target_date=target, lifecycle=lifecycle, rag=rag)
    dependent = make_action(ref="M-DEP", target_date=date(2016, 3, 31))
    depends(dependent, prerequisite)
    db.session.commit()
    closed = lifecycle in ("closed_evidenced", "superseded")
    blocked = is_blocked(
        [{"closed": closed, "rag": rag, "overdue": is_overdue(target, lifecycle, TODAY)}]
    )
    clash = not closed and date_clash(dependent.target_date, target)
    assert listed(blocked="true") == ({"M-DEP"} if blocked else set())
    assert listed(date_clash="true") == ({"M-DEP"} if clash else set())
    counts = snapshot()["counts"]
    assert (counts["blocked"], counts["date_clash"]) == (int(blocked), int(clash))


def test_a_closed_action_is_never_blocked_or_clashing(clean_db):
    make_cycles(upto=4)
    red = make_action(ref="M-RED", rag="red", target_date=date(2016, 6, 30))
    done = make_action(
        ref="M-DONE", lifecycle="closed_evidenced", rag=None, target_date=date(2016, 3, 1)
    )
    depends(done, red)
    db.session.commit()
    assert listed(blocked="true") == set() and listed(date_clash="true") == set()


def plan_of_every_kind(cycles) -> None:
    """One action for each count, and a few that count for none."""
    lead = make_user(role="action_lead")
    make_action(ref="M-LATE-RED", rag="red", target_date=date(2016, 1, 29), lead=lead)
    make_action(ref="M-MELON", rag="green", target_date=date(2016, 2, 1))
    make_action(ref="M-AMBER", rag="amber", target_date=date(2016, 5, 31))
    updated = make_action(ref="M-UPDATED", rag="green", target_date=date(2016, 5, 31))
    add_update(updated, recorded_at=IN_CYCLE_3, cycle_id=cycles[3].id)
    waiting = make_action(ref="M-WAIT", target_date=date(2016, 3, 31))
    add_update(
        waiting,
        recorded_at=IN_CYCLE_3,
        cycle_id=cycles[3].id,
        lifecycle="complete_awaiting_signoff",
    )
    make_action(
        ref="M-CLOSED", lifecycle="closed_evidenced", rag=None, target_date=date(2016, 1, 8)
    )
    red_north = make_action(ref="N-01", plan="north", rag="red", target_date=date(2016, 4, 29))
    blocked = make_action(ref="N-02", plan="north", target_date=date(2016, 4, 1))
    depends(blocked, make_action(ref="N-03", plan="north", rag="green", target_date=None))
    depends(blocked, red_north)
    db.session.commit()


def test_each_count_is_the_total_of_the_list_it_links_to(clean_db):
    cycles = make_cycles(upto=4)
    plan_of_every_kind(cycles)
    counts = snapshot()["counts"]
    assert counts == {
        "overdue": 2,
        "red": 2,
        "amber": 1,
        "green": 5,
        "watermelons": 1,
        "no_update": 6,
        "blocked": 1,
        "date_clash": 1,
        "awaiting_sign_off": 1,
        "awaiting_past_target": 0,
        "returns_late": 0,
        "returns_missing": 2,  # North's cycles 1 and 2: never submitted
        "sefs_late": 0,
        "sefs_missing": 0,  # February's is due on 5 February: not missing until tomorrow
        "green_off_target": 0,  # no measure linked here (test below)
    }
    lists = {
        "overdue": {"overdue": "true"},
        "red": {"rag": "red"},
        "amber": {"rag": "amber"},
        "green": {"rag": "green"},
        "watermelons": {"rag": "green", "overdue": "true"},
        "no_update": {"no_update": "true"},
        "blocked": {"blocked": "true"},
        "date_clash": {"date_clash": "true"},
        "awaiting_sign_off": {"lifecycle": "complete_awaiting_signoff"},
        "awaiting_past_target": {"awaiting_past_target": "true"},
    }
    for key, args in lists.items():
        assert counts[key] == len(listed(**args)), key
    assert listed(rag="green", overdue="true") == {"M-MELON"}
    assert listed(blocked="true") == {"N-02"} and listed(date_clash="true") == {"N-02"}


def test_the_filters_narrow_every_count_and_the_charts(clean_db):
    cycles = make_cycles(upto=4)
    plan_of_every_kind(cycles)
    north = snapshot(plan="north")
    assert north["actions"] == 3 and north["filters"] == {"plan": "north"}
    assert north["counts"]["red"] == 1 and north["counts"]["overdue"] == 0
    assert north["counts"]["returns_missing"] == 2
    assert [p["code"] for p in north["charts"]["overdue_by_plan"]["plans"]] == ["north"]
    assert north["charts"]["rag_mix"][-1] == {
        "cycle": 3,
        "as_at": "2016-02-05",
        "so_far": True,
        "red": 1,
        "amber": 0,
        "green": 2,
        "closed": 0,
    }
    main = snapshot(plan="main")
    assert main["counts"]["returns_missing"] == 0 and main["returns"] == []
    assert main["actions"] == 6
    led = snapshot(recommendation="R-NONE")
    assert led["actions"] == 0 and led["counts"]["overdue"] == 0


def test_past_cycles_are_as_they_stood_at_their_return_deadline(clean_db):
    cycles = make_cycles(upto=4)
    action = make_action(ref="M-1", rag="green", target_date=date(2016, 1, 20))
    add_update(action, recorded_at=IN_CYCLE_1, cycle_id=cycles[1].id, rag="red")
    # After cycle 1's deadline: counts for cycle 2, not cycle 1.
    add_update(action, recorded_at=AFTER_CYCLE_1, cycle_id=cycles[1].id, rag="amber")
    add_update(
        action,
        recorded_at=IN_CYCLE_2,
        cycle_id=cycles[2].id,
        lifecycle="closed_evidenced",
        rag=None,
    )
    make_action(ref="M-2", rag="green", target_date=date(2016, 1, 22))
    make_action(ref="M-LATER", rag="amber", target_date=date(2016, 2, 19), recorded_at=IN_CYCLE_2)
    db.session.commit()
    charts = snapshot()["charts"]
    mix = [(r["cycle"], r["red"], r["amber"], r["green"], r["closed"]) for r in charts["rag_mix"]]
    assert mix == [(1, 1, 0, 1, 0), (2, 0, 1, 1, 1), (3, 0, 1, 1, 1)]
    overdue = [
        (c["cycle"], c["as_at"], c["counts"]["main"]) for c in charts["overdue_by_plan"]["cycles"]
    ]
    # On 15 Jan nothing was past its date; on 29 Jan M-2 was (M-1 was closed); today too.
    assert overdue == [(1, "2016-01-15", 0), (2, "2016-01-29", 1), (3, "2016-02-05", 1)]
    burn = [(p["cycle"], p["planned_open"], p["actual_open"]) for p in charts["burn_down"]]
    # Planned: open unless due by the cycle's due day. The chart runs on to cycle 4 (due 26
    # Feb), by when every action with a date is due.
    assert burn == [(1, 3, 2), (2, 1, 2), (3, 1, 2), (4, 0, None)]


def test_returns_and_sefs_late_or_missing_are_as_their_pages_say(clean_db):
    cycles = make_cycles(upto=4)
    make_action(ref="N-1", plan="north")
    make_action(ref="S-1", plan="south")
    make_locality_return(
        locality="north",
        cycle=cycles[1],
        late=True,
        submitted_at=datetime(2016, 1, 15, 15, tzinfo=UTC),
    )
    make_locality_return(locality="north", cycle=cycles[2], submitted_at=IN_CYCLE_2)
    make_locality_return(locality="south", cycle=cycles[2], status="draft", submitted_at=IN_CYCLE_2)
    db.session.commit()
    snap = dashboard_snapshot(
        date(2016, 2, 8),
        parse_dashboard_filters({}, plans=[]),
        now=NOW.replace(day=8),
        settings=SETTINGS,
        plans=queries.list_plan_choices(),
    )
    got = {(r["locality"], r["cycle"], r["status"]) for r in snap["returns"]}
    assert got == {("north", 1, "late"), ("south", 1, "missing"), ("south", 2, "missing")}
    sefs = {(s["locality"], s["month"], s["status"]) for s in snap["sefs"]}
    assert sefs == {("north", "2016-02", "missing"), ("south", "2016-02", "missing")}
    assert snap["counts"]["returns_late"] == 1 and snap["counts"]["sefs_missing"] == 2


def test_the_snapshot_is_plain_json_values(clean_db):
    cycles = make_cycles(upto=4)
    plan_of_every_kind(cycles)
    snap = snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert list(snap["counts"]) == list(COUNT_KEYS)
    assert snap["awaiting_sign_off"][0]["ref"] == "M-WAIT"
    assert snap["cycle"] == 3 and snap["cycle_due_at"] == "2016-02-12T12:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"rag": "red"}, "rag"),
        ({"plan": "west"}, "plan"),
        ({"lead": "x"}, "lead"),
        ({"lead": "99999999999"}, "lead"),
        ({"recommendation": "R1\x00"}, "recommendation"),
        ({"as_at": "2016-01-01"}, "as_at"),
    ],
)
def test_the_dashboard_refuses_filters_it_does_not_understand(args, parameter):
    with pytest.raises(BadFilter) as refused:
        parse_dashboard_filters(args, plans=[])
    assert refused.value.parameter == parameter


def test_an_action_green_while_a_linked_measure_is_off_target_is_on_the_dashboard(clean_db):
    from tests.builders import add_measure_value, make_measure
    from tracker.models import measure_action

    make_cycles(upto=4)
    green = make_action(ref="MAP-001", rag="green", target_date=date(2016, 6, 30))
    make_action(ref="N-01", plan="north", rag="green", target_date=date(2016, 6, 30))
    measure = make_measure(code="A3", polarity="higher", target="95", tolerance="90")
    add_measure_value(measure, period=date(2016, 1, 1), value="81")  # off target
    db.session.execute(measure_action.insert().values(measure_id=measure.id, action_id=green.id))
    db.session.commit()

    snap = snapshot()
    assert snap["counts"]["green_off_target"] == 1
    [row] = snap["green_off_target"]
    assert (row["ref"], row["measure"], row["period"], row["value"]) == (
        "MAP-001",
        "A3",
        "2016-01",
        81.0,
    )
    assert (row["value_text"], row["unit"], row["period_label"]) == (
        "81%",
        "percentage",
        "January 2016",
    )
    assert snapshot(plan="north")["counts"]["green_off_target"] == 0
