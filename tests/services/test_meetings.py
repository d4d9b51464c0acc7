"""Meetings: the snapshot is frozen when the meeting is recorded, a double click (even two
requests racing) makes one meeting, people see the meetings they may, and the snapshot is read
in a fixed number of statements."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    add_update,
    make_action,
    make_meeting,
    make_recommendation,
    make_user,
)
from tracker.domain.meetings import FollowUpProposal, MeetingProposal
from tracker.extensions import db
from tracker.models import AuditEvent, Meeting, MeetingDecision, MeetingFollowUp
from tracker.services.errors import NotFound
from tracker.services.governance import meetings as meeting_service
from tracker.services.governance.meeting_snapshot import SNAPSHOT_VERSION, build_snapshot
from tracker.services.plan.updates import Forbidden

MEETING_DAY = date(2016, 2, 5)
NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)
LATER = datetime(2016, 2, 8, 11, 0, tzinfo=UTC)


@pytest.fixture
def world(clean_db):
    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    rec = make_recommendation(ref="R1")
    late = make_action(ref="MAP-001", recommendation=rec, lead=lead, target_date=date(2016, 1, 20))
    red = make_action(
        ref="MAP-002", recommendation=rec, lead=lead, target_date=date(2016, 3, 1), rag="red"
    )
    later = make_action(ref="MAP-003", recommendation=rec, target_date=date(2016, 2, 1))
    closed = make_action(
        ref="MAP-004",
        recommendation=rec,
        target_date=date(2016, 1, 10),
        lifecycle="closed_evidenced",
        rag=None,
    )
    add_update(red, recorded_at=NOW, rag="red", summary="Recruitment stalled.", reason="No bids.")
    db.session.commit()
    return {"app": clean_db, "chair": chair, "lead": lead, "actions": (late, red, later, closed)}


def test_the_snapshot_holds_every_row_and_the_exceptions_most_days_overdue_first(world):
    snapshot = build_snapshot(meeting_day=MEETING_DAY, now=NOW)
    assert snapshot["version"] == SNAPSHOT_VERSION and snapshot["dashboard"] is None
    rows = {r["ref"]: r for r in snapshot["actions"]}
    assert set(rows) == {"MAP-001", "MAP-002", "MAP-003", "MAP-004"}
    # Overdue on the meeting day: 16 and 4 calendar days; a closed action is never overdue.
    assert (rows["MAP-001"]["days_overdue"], rows["MAP-003"]["days_overdue"]) == (16, 4)
    assert rows["MAP-004"]["overdue"] is False and rows["MAP-004"]["rag"] is None
    assert snapshot["exceptions"] == ["MAP-001", "MAP-003", "MAP-002"]
    assert rows["MAP-002"]["summary"] == "Recruitment stalled." and rows["MAP-002"]["reason"]
    assert rows["MAP-001"]["lead_name"] == world["lead"].name
    totals = snapshot["totals"]
    assert (totals["actions"], totals["open"], totals["overdue"]) == (4, 3, 2)
    assert totals["rag"] == {"red": 1, "amber": 0, "green": 2}
    assert totals["lifecycle"]["closed_evidenced"] == 1
    (main,) = [p for p in snapshot["by_plan"] if p["key"] == "main"]
    assert main["actions"] == 4 and main["overdue"] == 2
    assert [b["key"] for b in snapshot["by_lead_body"]] == ["trust"]
    assert snapshot["by_recommendation"][0]["key"] == "R1"


def test_a_meeting_still_shows_the_old_values_after_the_plan_changes(world):
    late, red, *_ = world["actions"]
    meeting_id = make_meeting(chair=world["chair"], now=NOW)
    add_update(red, recorded_at=LATER, rag="green", summary="Recovered.", reason="Bid agreed.")
    add_update(late, recorded_at=LATER, lifecycle="closed_evidenced", rag=None, summary="Done.")
    late.target_date = date(2016, 6, 30)
    db.session.commit()

    rows = {r["ref"]: r for r in meeting_service.get_meeting(meeting_id).snapshot["actions"]}
    assert (rows["MAP-002"]["rag"], rows["MAP-002"]["summary"]) == ("red", "Recruitment stalled.")
    assert (rows["MAP-001"]["lifecycle"], rows["MAP-001"]["target_date"]) == (
        "in_progress",
        "2016-01-20",
    )
    fresh = build_snapshot(meeting_day=MEETING_DAY, now=LATER)
    assert fresh["exceptions"] == ["MAP-003"]  # the plan moved on; the meeting did not


def test_a_snapshot_as_at_a_past_moment_reads_the_history(world):
    _, red, *_ = world["actions"]
    add_update(red, recorded_at=LATER, rag="green", summary="Recovered.", reason="Bid agreed.")
    db.session.commit()
    snapshot = build_snapshot(meeting_day=MEETING_DAY, now=LATER, as_at=NOW)
    rows = {r["ref"]: r for r in snapshot["actions"]}
    assert rows["MAP-002"]["rag"] == "red" and snapshot["source"] == "history"


def test_the_snapshot_runs_the_same_statements_for_a_bigger_plan(world, count_queries):
    def statements() -> int:
        with count_queries(world["app"]) as counter:
            build_snapshot(meeting_day=MEETING_DAY, now=NOW)
        return counter.count

    small = statements()
    rec = make_recommendation(ref="R2", lead_body="joint")
    for n in range(30):
        make_action(ref=f"N-{n:02d}", plan="north", recommendation=rec, rag="red")
    db.session.commit()
    assert statements() == small <= 8  # two for the challenges raised, two for the evidence added


def _proposal(world, **changes) -> MeetingProposal:
    values = {
        "kind": "getting_to_good",
        "held_on": MEETING_DAY,
        "chair_id": world["chair"].id,
        "attendee_ids": (world["lead"].id,),
        "notes": "Illustrative notes.",
        "decisions": ("Report red actions weekly.",),
        "follow_ups": (FollowUpProposal("Bring a recovery plan", world["lead"].id, MEETING_DAY),),
    } | changes
    return MeetingProposal(**values)


def _record(world, key: str = "a" * 32, **changes):
    return meeting_service.record_meeting(
        _proposal(world, **changes),
        key=key,
        actor=actor_for(world["chair"]),
        now=NOW,
        today=MEETING_DAY,
    )


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_same_form_sent_twice_makes_one_meeting(world):
    first, made = _record(world)
    again, made_again = _record(world, notes="Sent again by a double click.")
    assert first == again and made and not made_again
    assert _count(Meeting) == 1 and _count(MeetingDecision) == 1 and _count(MeetingFollowUp) == 1
    recorded = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "meeting_recorded")
    ).scalar_one()
    assert recorded == 1


def test_two_requests_racing_with_the_same_key_make_one_meeting(world, app):
    chair_id, lead_id = world["chair"].id, world["lead"].id
    actor = actor_for(world["chair"])
    db.session.remove()
    start = threading.Barrier(2, timeout=30)
    outcomes: list = [None, None]

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait()
                outcomes[i] = meeting_service.record_meeting(
                    MeetingProposal(
                        kind="jsig",
                        held_on=MEETING_DAY,
                        chair_id=chair_id,
                        attendee_ids=(lead_id,),
                    ),
                    key="b" * 32,
                    actor=actor,
                    now=NOW,
                    today=MEETING_DAY,
                )
            except Exception as exc:  # the test looks at what each request raised
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    ids = {o[0] for o in outcomes}
    assert len(ids) == 1 and sorted(o[1] for o in outcomes) == [False, True]
    assert _count(Meeting) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": date(2016, 2, 6)}, "held_on"),  # tomorrow
        ({"held_on": None}, "held_on"),
        ({"kind": "weekly"}, "kind"),
        ({"chair_id": None}, "chair"),
        ({"chair_id": 2_147_483_648}, "attendees"),  # past any id: refused before the database
        ({"chair_id": 999_999}, "chair"),
        ({"attendee_ids": (999_999,)}, "attendees"),
        ({"notes": "Discussed the child born 03/04/2009 at length."}, "notes"),
        ({"follow_ups": (FollowUpProposal("", None, None),)}, "follow_ups-0-text"),
        (
            {"follow_ups": (FollowUpProposal("Report back", 1, date(2016, 2, 1)),)},
            "follow_ups-0-due_on",
        ),
    ],
)
def test_a_meeting_that_breaks_a_rule_is_refused_and_writes_nothing(world, changes, field):
    with pytest.raises(meeting_service.MeetingRejected) as refused:
        _record(world, **changes)
    assert field in refused.value.errors
    assert _count(Meeting) == 0 and _count(MeetingFollowUp) == 0


def test_only_chairs_and_admins_record_meetings(world):
    with pytest.raises(Forbidden):
        meeting_service.record_meeting(
            _proposal(world),
            key="c" * 32,
            actor=actor_for(world["lead"]),
            now=NOW,
            today=MEETING_DAY,
        )
    with pytest.raises(meeting_service.MeetingRejected):
        _record(world, key="not a key")
    assert _count(Meeting) == 0


def test_people_see_the_meetings_that_name_them_and_the_board_sees_all(world):
    stranger = make_user(role="locality_head", locality="north")
    holder = make_user(role="action_lead")
    viewer = make_user(role="viewer")
    named = make_meeting(
        chair=world["chair"],
        attendees=(world["lead"],),
        follow_ups=(("Report back", holder, MEETING_DAY),),
    )
    make_meeting(chair=world["chair"], held_on=date(2016, 1, 28))

    def seen(user) -> list[int]:
        return [m.id for m in meeting_service.list_meetings(actor_for(user))[0]]

    assert len(seen(world["chair"])) == len(seen(viewer)) == 2
    assert seen(world["lead"]) == seen(holder) == [named]
    assert seen(stranger) == []
    view = meeting_service.get_meeting(named)
    assert meeting_service.may_see(actor_for(holder), view)
    assert not meeting_service.may_see(actor_for(stranger), view)


def test_a_follow_up_is_marked_done_by_its_holder_or_a_chair_only(world):
    other = make_user(role="action_lead")
    meeting_id = make_meeting(
        chair=world["chair"], follow_ups=(("Report back", world["lead"], MEETING_DAY),)
    )
    (follow_up,) = meeting_service.get_meeting(meeting_id).follow_ups
    with pytest.raises(Forbidden):
        meeting_service.set_follow_up_done(
            meeting_id, follow_up.id, done=True, actor=actor_for(other), now=LATER
        )
    meeting_service.set_follow_up_done(
        meeting_id, follow_up.id, done=True, actor=actor_for(world["lead"]), now=LATER
    )
    (done,) = meeting_service.get_meeting(meeting_id).follow_ups
    assert done.done_at == LATER and done.done_by == world["lead"].name
    meeting_service.set_follow_up_done(
        meeting_id, follow_up.id, done=False, actor=actor_for(world["chair"]), now=LATER
    )
    assert meeting_service.get_meeting(meeting_id).follow_ups[0].done_at is None
    with pytest.raises(NotFound):
        meeting_service.set_follow_up_done(
            meeting_id + 1, follow_up.id, done=True, actor=actor_for(world["chair"]), now=LATER
        )


@pytest.mark.parametrize("meeting_id", [0, 999_999, 2_147_483_648])
def test_an_unknown_meeting_is_not_found(world, meeting_id):
    with pytest.raises(NotFound):
        meeting_service.get_meeting(meeting_id)


def test_a_recorded_meeting_freezes_the_dashboard_and_its_charts(world):
    from tests.builders import make_cycles
    from tracker.domain.permissions import Actor, Role
    from tracker.services.governance.dashboard import DashboardSettings

    make_cycles(upto=3)
    settings = DashboardSettings(
        cycle_start=date(2016, 1, 4), sef_first_month="2016-02", sef_due_working_day=5
    )
    chair = Actor(user_id=world["chair"].id, role=Role.CHAIR)
    meeting_id, _ = meeting_service.record_meeting(
        _proposal(world),
        key="f" * 32,
        actor=chair,
        now=NOW,
        today=MEETING_DAY,
        dashboard=settings,
    )
    frozen = db.session.get(Meeting, meeting_id).snapshot["dashboard"]
    assert frozen["counts"]["red"] == 1 and frozen["counts"]["overdue"] >= 1
    assert set(frozen["charts"]) >= {"rag_mix", "burn_down", "overdue_by_plan"}
    # The plan moves on; the meeting's dashboard does not.
    add_update(world["actions"][1], recorded_at=NOW, rag="green", reason="Recovered.")
    db.session.commit()
    again = meeting_service.get_meeting(meeting_id).snapshot["dashboard"]
    assert again["counts"]["red"] == 1
