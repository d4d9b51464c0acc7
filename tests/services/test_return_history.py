"""Past returns as submitted, read from the history (services/loop/return_history.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.builders import actor_for, add_update, make_action, make_cycles, make_user
from tracker.domain.permissions import Actor, Role
from tracker.extensions import db
from tracker.models import Action
from tracker.services.errors import NotFound
from tracker.services.loop import return_history
from tracker.services.loop.returns import Entry, save_draft, submit_return

SUBMITTED_AT = datetime(2016, 1, 29, 10, 0, tzinfo=UTC)  # cycle 2, due noon 29 January
LATE = datetime(2016, 1, 29, 15, 0, tzinfo=UTC)


def _entry(ref: str, summary: str, version: int = 1) -> Entry:
    return Entry(
        ref=ref,
        version=version,
        summary=summary,
        lifecycle="in_progress",
        rag="green",
        impact="not_yet_evidenced",
    )


@pytest.fixture
def world(clean_db):
    cycles = make_cycles(upto=3)
    head = make_user(role="locality_head", locality="north")
    south = make_user(role="locality_head", locality="south")
    lead = make_user(role="action_lead")
    n01 = make_action(ref="N-01", plan="north")
    make_action(ref="N-02", plan="north", lifecycle="closed_evidenced", rag=None)
    make_action(ref="S-01", plan="south")
    db.session.commit()
    return {"cycles": cycles, "head": head, "south": south, "lead": lead, "n01": n01}


def test_a_change_made_in_the_cycle_after_submission_is_an_amendment_by_its_author(world):
    submit_return(
        "north", 2, [_entry("N-01", "As sent.")], actor=actor_for(world["head"]), now=SUBMITTED_AT
    )
    n01 = db.session.execute(select(Action).where(Action.ref == "N-01")).scalar_one()
    before = datetime(2016, 1, 28, 9, 0, tzinfo=UTC)
    later = datetime(2016, 1, 29, 16, 0, tzinfo=UTC)
    add_update(
        n01,
        recorded_at=later,
        summary="Lead's correction.",
        author=world["lead"],
        cycle_id=world["cycles"][2].id,
    )
    # A row of an earlier cycle is not part of this return at all.
    add_update(n01, recorded_at=before, summary="Cycle 1 row.", cycle_id=world["cycles"][1].id)
    db.session.commit()

    view = return_history.get_submitted_return("north", 2)

    [line] = view.lines  # the closed action was not on the return
    assert (line.ref, line.submitted.summary) == ("N-01", "As sent.")
    assert [(a.summary, a.author, a.recorded_at) for a in line.amendments] == [
        ("Lead's correction.", world["lead"].name, later)
    ]
    assert view.submitted_by == world["head"].name and view.amended_count == 1


def test_a_return_not_submitted_has_nothing_to_show_as_submitted(world):
    save_draft(
        "north", 2, [_entry("N-01", "Draft.")], actor=actor_for(world["head"]), now=SUBMITTED_AT
    )

    with pytest.raises(return_history.NotSubmitted):
        return_history.get_submitted_return("north", 2)
    with pytest.raises(return_history.NotSubmitted):
        return_history.get_submitted_return("south", 2)
    with pytest.raises(NotFound):
        return_history.get_submitted_return("north", 99)
    with pytest.raises(NotFound):
        return_history.get_submitted_return("nowhere", 2)


def test_the_lists_give_newest_cycle_first_late_and_amended(world):
    submit_return("north", 2, [_entry("N-01", "Late.")], actor=actor_for(world["head"]), now=LATE)
    submit_return(
        "south",
        1,
        [_entry("S-01", "On time.")],
        actor=actor_for(world["south"]),
        now=datetime(2016, 1, 15, 9, 0, tzinfo=UTC),
    )
    now = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)

    north = return_history.list_past_returns(locality_code="north", upto=3, now=now)
    every = return_history.list_past_returns(locality_code=None, upto=3, now=now)

    assert [(r.cycle_number, r.status, r.late, r.overdue) for r in north] == [
        (3, "not_started", False, False),
        (2, "submitted", True, False),
        (1, "not_started", False, True),
    ]
    assert north[1].submitted_at == LATE and north[1].submitted_by == world["head"].name
    assert [(r.cycle_number, r.locality_code) for r in every] == [
        (3, "north"),
        (3, "south"),
        (2, "north"),
        (2, "south"),
        (1, "north"),
        (1, "south"),
    ]
    assert every[5].submitted_by == world["south"].name and not every[5].late
    with pytest.raises(NotFound):
        return_history.list_past_returns(locality_code="nowhere", upto=3, now=now)


@pytest.mark.parametrize(
    ("actor", "north", "every"),
    [
        (Actor(1, Role.LOCALITY_HEAD, locality="north"), True, False),
        (Actor(1, Role.ACTION_LEAD, deputy_for="north"), True, False),
        (Actor(1, Role.LOCALITY_HEAD, locality="south"), False, False),
        (Actor(1, Role.ACTION_LEAD), False, False),
        (Actor(1, Role.PERFORMANCE_OFFICER), False, False),
        (Actor(1, Role.CHAIR), True, True),
        (Actor(1, Role.VIEWER), True, True),
        (Actor(1, Role.ADMIN), True, True),
        (Actor(1, Role.CHAIR, active=False), False, False),
        (None, False, False),
    ],
)
def test_who_reads_past_returns(actor, north, every):
    assert return_history.may_read_returns(actor, "north") is north
    assert return_history.reads_every_return(actor) is every
