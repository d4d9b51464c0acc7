"""Waiting work is not late work in the reads behind the charts and packs: the dashboard's
history, a meeting's (and the board pack's) exception list, and an action's age awaiting
sign-off now and as at a past moment. Today is Friday 5 February 2016."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.builders import add_update, make_action, make_cycles
from tracker.extensions import db
from tracker.models import Action
from tracker.services.governance.dashboard import DashboardSettings, dashboard_snapshot
from tracker.services.governance.meeting_snapshot import build_snapshot, exception_rows
from tracker.services.plan import queries

TODAY = date(2016, 2, 5)  # cycle 3; cycle 2 was due at noon on Friday 29 January
NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
SETTINGS = DashboardSettings(
    cycle_start=date(2016, 1, 4), sef_first_month="2016-02", sef_due_working_day=5
)
IN_CYCLE_1 = datetime(2016, 1, 12, 10, tzinfo=UTC)
MARKED = datetime(2016, 1, 21, 10, tzinfo=UTC)  # Thursday 21 January, in cycle 2


def _plan(cycles) -> None:
    """Two actions due 20 January: one finished and awaiting sign-off since 21 January, one
    still in progress."""
    waiting = make_action(ref="M-WAIT", rag="green", target_date=date(2016, 1, 20))
    add_update(waiting, recorded_at=IN_CYCLE_1, cycle_id=cycles[1].id, rag="green")
    add_update(
        waiting,
        recorded_at=MARKED,
        cycle_id=cycles[2].id,
        lifecycle="complete_awaiting_signoff",
        rag="green",
    )
    make_action(ref="M-LATE", rag="amber", target_date=date(2016, 1, 20))
    db.session.commit()


def test_the_dashboard_history_counts_waiting_work_apart_from_overdue(clean_db):
    cycles = make_cycles(upto=4)
    _plan(cycles)
    snap = dashboard_snapshot(
        TODAY, None, now=NOW, settings=SETTINGS, plans=queries.list_plan_choices()
    )
    assert snap["counts"]["overdue"] == 1 and snap["counts"]["awaiting_past_target"] == 1
    assert snap["counts"]["watermelons"] == 0  # the green one is finished, not late
    overdue = [
        (c["cycle"], c["counts"]["main"]) for c in snap["charts"]["overdue_by_plan"]["cycles"]
    ]
    # On 29 January (cycle 2's deadline) and today: only M-LATE, the open work, was overdue.
    assert overdue == [(1, 0), (2, 1), (3, 1)]
    # Waiting keeps its RAG in the mix (green), as it did before it was marked complete.
    mix = [(r["cycle"], r["amber"], r["green"]) for r in snap["charts"]["rag_mix"]]
    assert mix == [(1, 1, 1), (2, 1, 1), (3, 1, 1)]


def test_a_pack_lists_waiting_work_as_awaiting_sign_off_with_its_age_not_as_overdue(clean_db):
    cycles = make_cycles(upto=4)
    _plan(cycles)
    snapshot = build_snapshot(meeting_day=TODAY, now=NOW)
    rows = {row["ref"]: row for row in exception_rows(snapshot)}
    assert set(rows) == {"M-WAIT", "M-LATE"}
    late, waiting = rows["M-LATE"], rows["M-WAIT"]
    assert late["overdue"] and late["days_overdue"] == 16
    assert not waiting["overdue"] and waiting["days_overdue"] == 0
    assert waiting["awaiting_past_target"]
    # 21 January to 5 February: eleven working days.
    assert waiting["working_days_awaiting"] == 11
    assert waiting["awaiting_since"] == "2016-01-21T10:00:00Z"
    assert snapshot["totals"]["overdue"] == 1
    assert snapshot["exceptions"] == ["M-LATE", "M-WAIT"]  # most days overdue first


def test_an_action_s_age_awaiting_sign_off_is_read_now_and_as_at_a_past_moment(clean_db):
    cycles = make_cycles(upto=4)
    _plan(cycles)
    # Returned to the lead on 1 February, marked complete again on 3 February: the age starts
    # again from the new run.
    waiting = db.session.execute(select(Action).where(Action.ref == "M-WAIT")).scalar_one()
    add_update(waiting, recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC), rag="green")
    add_update(
        waiting,
        recorded_at=datetime(2016, 2, 3, 10, tzinfo=UTC),
        lifecycle="complete_awaiting_signoff",
        rag="green",
    )
    db.session.commit()
    rows, _ = queries.list_actions(today=TODAY)
    now = {r.ref: r for r in rows}
    assert now["M-WAIT"].awaiting_since == datetime(2016, 2, 3, 10, tzinfo=UTC)
    assert now["M-WAIT"].working_days_awaiting == 2
    assert now["M-WAIT"].awaiting_past_target and not now["M-WAIT"].overdue
    assert now["M-LATE"].awaiting_since is None and now["M-LATE"].overdue
    # As at the end of 28 January: waiting since 21 January, five working days.
    then, _ = queries.list_actions(
        today=date(2016, 1, 28), as_at=datetime(2016, 1, 28, 23, 59, tzinfo=UTC)
    )
    past = {r.ref: r for r in then}
    assert past["M-WAIT"].awaiting_since == MARKED
    assert past["M-WAIT"].working_days_awaiting == 5
