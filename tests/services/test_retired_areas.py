"""A retired area (issue 20.2) is asked for no return or SEF from the day it is retired: the
chasing, the dashboard, the head's home page and the calendar leave it out, the pickers offer it
for no new work, and the returns and SEF grids keep its history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.builders import (
    get_or_make_locality,
    get_or_make_org,
    make_action,
    make_cycles,
    make_locality_return,
    make_sef_version,
    make_user,
)
from tracker.domain.areas import asked_for
from tracker.domain.sef import SefStatus
from tracker.extensions import db
from tracker.models import Locality
from tracker.services.access import people
from tracker.services.exchange.calendar_feeds import return_localities
from tracker.services.loop.return_reads import list_return_statuses
from tracker.services.loop.sefs import list_sef_grid
from tracker.services.mail import chasing
from tracker.services.mail.chasing import ChaseConfig

# Retired during cycle 3 (it opened on Monday 1 February 2016); today is Friday 26 February.
RETIRED = datetime(2016, 2, 3, 15, 0, tzinfo=UTC)
TODAY = date(2016, 2, 26)
NOW = datetime(2016, 2, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("retired_at", "opens_on", "asked"),
    [
        (None, date(2030, 1, 1), True),
        (RETIRED, date(2016, 2, 1), True),  # the cycle in progress when it was retired
        (RETIRED, date(2016, 2, 3), False),  # opening on the day it was retired
        (RETIRED, date(2016, 2, 15), False),
        # 23:30 on 31 March UTC is 00:30 on 1 April in London: April is not asked.
        (datetime(2016, 3, 31, 23, 30, tzinfo=UTC), date(2016, 4, 1), False),
        (datetime(2016, 3, 31, 22, 30, tzinfo=UTC), date(2016, 3, 1), True),
    ],
)
def test_what_a_retired_area_is_still_asked_for(retired_at, opens_on, asked):
    assert asked_for(retired_at, opens_on) is asked


@pytest.fixture
def two_areas(clean_db):
    """North in use and South retired during cycle 3, each with a head; cycle 1 submitted by
    both, nothing since."""
    cycles = make_cycles(upto=5)
    north_head = make_user(email="north@trust.example", role="locality_head", locality="north")
    south_head = make_user(email="south@trust.example", role="locality_head", locality="south")
    for head, place in ((north_head, "north"), (south_head, "south")):
        make_locality_return(locality=place, cycle=cycles[1], by=head, submitted_at=RETIRED)
    get_or_make_locality("south").retired_at = RETIRED
    db.session.commit()
    return {"cycles": cycles, "north": north_head, "south": south_head}


def _cells(grid, code):
    return {cell.cycle_number: cell for row in grid for cell in row if cell.locality_code == code}


def test_the_returns_grid_keeps_a_retired_areas_history_and_asks_nothing_after(two_areas):
    grid = list_return_statuses(today=TODAY, now=NOW, upto=5)
    south, north = _cells(grid, "south"), _cells(grid, "north")
    assert south[1].status == "submitted" and south[1].asked
    assert south[2].asked and south[2].overdue  # missed before it was retired: still shown
    assert south[3].asked  # in progress when it was retired
    assert not south[4].asked and not south[4].overdue and south[4].retired
    assert north[4].asked and north[3].overdue and not north[4].retired


def test_the_sef_grid_asks_a_retired_area_for_no_month_after_it(two_areas):
    make_sef_version(locality="south", month="2016-01")
    db.session.commit()
    grid = list_sef_grid(["2016-01", "2016-02", "2016-03"], date(2016, 3, 20))
    cells = {(c.locality_code, c.month): c for row in grid for c in row.cells}
    assert cells[("south", "2016-01")].asked and cells[("south", "2016-01")].versions == 1
    assert cells[("south", "2016-02")].asked  # begun before it was retired
    assert not cells[("south", "2016-03")].asked
    assert cells[("south", "2016-03")].status is SefStatus.NOT_STARTED
    assert cells[("north", "2016-03")].status is SefStatus.MISSING


def test_a_retired_areas_head_is_chased_for_nothing(two_areas, clean_db):
    cfg = ChaseConfig.from_mapping(dict(clean_db.config))
    run = chasing.plan_chases(TODAY, cfg)
    owners = {c.subject for d in run.digests for c in d.chases if c.kind in ("return", "sef")}
    assert "north" in owners and "south" not in owners


def test_a_retired_areas_head_has_no_return_or_sef_dates_in_their_calendar(two_areas):
    assert [loc.code for loc in return_localities(two_areas["north"])] == ["north"]
    assert return_localities(two_areas["south"]) == []


def test_a_retired_area_is_offered_for_no_new_person_but_kept_by_those_in_it(two_areas):
    south = db.session.execute(select(Locality).where(Locality.code == "south")).scalar_one()
    org = get_or_make_org("trust")
    new = people.PersonDetails(
        name="Sam New",
        email="sam@trust.example",
        job_title="Head of service",
        organisation_id=org.id,
        role="locality_head",
        locality_id=south.id,
    )
    with pytest.raises(people.Refused, match="South is retired: choose an area in use"):
        people.check_details(new, None)
    head = two_areas["south"]
    kept = people.PersonDetails(
        name=head.name,
        email=head.email,
        job_title="Head of service",
        organisation_id=head.organisation_id,
        role="locality_head",
        locality_id=south.id,
    )
    people.change_person(head.id, kept, actor_id=head.id, now=NOW)  # not refused


def test_a_retired_areas_actions_stay_in_its_plan(two_areas):
    action = make_action(plan="south")
    db.session.commit()
    assert action.plan_id is not None  # its plan and history are untouched by retiring


def _dashboard_on_15_february() -> dict:
    """The chair's dashboard, every plan, on Monday 15 February 2016 (cycle 4)."""
    from tracker.services.governance.dashboard import (
        DashboardSettings,
        dashboard_snapshot,
        parse_dashboard_filters,
    )
    from tracker.services.plan import queries

    return dashboard_snapshot(
        date(2016, 2, 15),
        parse_dashboard_filters({}, plans=[]),
        now=datetime(2016, 2, 15, 10, tzinfo=UTC),
        settings=DashboardSettings(
            cycle_start=date(2016, 1, 4), sef_first_month="2016-02", sef_due_working_day=5
        ),
        plans=queries.list_plan_choices(),
    )


def test_the_dashboard_lists_no_missing_return_or_sef_of_a_retired_area(clean_db):
    make_cycles(upto=4)
    make_action(ref="N-1", plan="north")
    make_action(ref="S-1", plan="south")
    get_or_make_locality("south").retired_at = RETIRED
    db.session.commit()
    snap = _dashboard_on_15_february()
    assert {r["locality"] for r in snap["returns"]} == {"north"}
    assert {s["locality"] for s in snap["sefs"]} == {"north"}


@pytest.mark.parametrize(
    ("south_target", "charted"), [(date(2016, 3, 31), False), (date(2016, 2, 1), True)]
)
def test_a_retired_areas_plan_is_charted_only_while_it_has_overdue_actions(
    clean_db, south_target, charted
):
    make_cycles(upto=4)
    make_action(ref="N-1", plan="north", target_date=date(2016, 2, 1))
    make_action(ref="S-1", plan="south", target_date=south_target)
    get_or_make_locality("south").retired_at = RETIRED
    db.session.commit()
    snap = _dashboard_on_15_february()
    chart = snap["charts"]["overdue_by_plan"]
    codes = [p["code"] for p in chart["plans"]]
    assert "north" in codes and ("south" in codes) is charted
    assert all(set(point["counts"]) == set(codes) for point in chart["cycles"])


def test_a_retired_areas_head_is_asked_for_no_return_or_sef_on_their_home_page(clean_db):
    from tests.builders import actor_for
    from tracker.services.plan import home

    make_cycles(upto=4)
    make_action(ref="S-1", plan="south")
    head = make_user(role="locality_head", locality="south")
    get_or_make_locality("south").retired_at = RETIRED
    db.session.commit()
    org = head.organisation
    work = home.get_home(
        actor_for(head),
        organisation_code=org.code,
        organisation_kind=org.kind,
        organisation_name=org.name,
        today=date(2016, 2, 5),
        now=datetime(2016, 2, 5, 10, tzinfo=UTC),
        cycle=3,
        sef_first_month="2016-02",
        sef_due_working_day=5,
    ).locality
    assert work is not None and work.locality_code == "south"
    assert work.cycle_number is None and work.sef_month is None
    assert work.retired_at is not None


def test_a_retired_areas_head_saves_and_submits_nothing_for_a_cycle_opened_after(two_areas):
    """Reached by its address, the form of a cycle that opened after the area was retired
    refuses a draft and a submission; the cycle in progress when it was retired is still open
    to it."""
    from tracker.models import ReturnDraft
    from tracker.services.loop.returns import ReturnRejected, save_draft, submit_return
    from tracker.web.access import actor_for

    make_action(ref="S-01", plan="south", lead=two_areas["south"])
    db.session.commit()
    actor = actor_for(two_areas["south"])
    for write in (save_draft, submit_return):
        with pytest.raises(ReturnRejected) as refused:
            write("south", 4, [], actor=actor, now=NOW)
        assert "was retired before cycle 4 opened" in str(refused.value.errors)
    assert db.session.execute(select(ReturnDraft)).first() is None
    with pytest.raises(ReturnRejected) as refused:  # cycle 3: asked, so other checks speak
        submit_return("south", 3, [], actor=actor, now=NOW)
    assert "retired" not in str(refused.value.errors)
