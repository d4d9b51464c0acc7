"""Issue 20.2: the set-up is held in the database over the environment's first defaults; a new
update rhythm applies from the next cycle and never moves a cycle that has begun."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from tests.conftest import load_seed_rows
from tracker.domain.setup import Chasing, Rhythm, SelfEvaluation, SetupError, Words
from tracker.extensions import db
from tracker.models import AuditEvent, Setting, UpdateCycle
from tracker.services.access import settings
from tracker.services.mail.chasing import ChaseConfig, _inputs

NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
TODAY = date(2016, 2, 5)  # cycle 3 of the demo: 1 to 14 February, due Friday 12 February


def test_an_empty_database_has_the_environments_defaults(clean_db):
    setup = settings.current()
    assert setup.words == Words()
    assert setup.rhythm == Rhythm("2w", date.fromisoformat(clean_db.config["CYCLE_START"]), 4)
    assert setup.self_evaluation.enabled is True
    assert setup.chasing.escalate_chair_after == clean_db.config["CHASE_ESCALATE_CHAIR_AFTER"]


def test_the_demo_seed_sets_its_words_and_fortnightly_rhythm(clean_db):
    load_seed_rows(clean_db)
    settings.forget()
    setup = settings.current()
    assert (setup.words.board, setup.words.group_short) == ("Getting to Good", "JSIG")
    assert setup.rhythm == Rhythm("2w", date(2016, 1, 4), 4, time(12, 0))
    cycle = settings.schedule().cycle(3)
    assert (cycle.window_start, cycle.due_on) == (date(2016, 2, 1), date(2016, 2, 12))


def test_words_are_saved_audited_and_checked(clean_db):
    with pytest.raises(SetupError) as refused:
        settings.save_words({"board": " "}, actor_id=None, now=NOW)
    assert refused.value.field == "board"
    assert db.session.execute(select(Setting)).first() is None
    values = Words(board="Improvement Board", board_short="Board").as_dict()
    settings.save_words(values, actor_id=None, now=NOW)
    assert settings.current().words.board == "Improvement Board"
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.kind, event.detail["to"]["board_short"]) == ("setup.words", "Board")


def _stored() -> dict[int, tuple[date, date]]:
    return {
        c.number: (c.opens_on, c.due_on)
        for c in db.session.execute(select(UpdateCycle).order_by(UpdateCycle.number)).scalars()
    }


def test_a_monthly_rhythm_applies_from_the_next_cycle_and_keeps_the_past(clean_db):
    load_seed_rows(clean_db)
    settings.forget()
    before = _stored()
    monthly = Rhythm("month", date(2016, 3, 1), 3, time(16, 0))  # Thursdays at four
    settings.save_rhythm(monthly, today=TODAY, actor_id=None, now=NOW)
    schedule = settings.schedule()
    # Cycles 1 to 3 are as they were; 4 runs on to the end of February rather than leave a
    # one-day cycle; 5 is March, due on its last Thursday at four (the 31st).
    for n in (1, 2, 3):
        assert (schedule.cycle(n).opens_on, schedule.cycle(n).due_on) == before[n]
    four, five = schedule.cycle(4), schedule.cycle(5)
    assert (four.window_start, four.window_end) == (date(2016, 2, 15), date(2016, 2, 29))
    assert (five.window_start, five.window_end) == (date(2016, 3, 1), date(2016, 3, 31))
    assert five.due_at == datetime(2016, 3, 31, 16, tzinfo=five.due_at.tzinfo)
    assert schedule.cycle(6).due_on == date(2016, 4, 28)
    stored = _stored()
    assert all(stored[n] == before[n] for n in (1, 2, 3))
    assert stored[4] == (four.opens_on, four.due_on)
    # The history is kept: both rhythms, in order, and the change is audited.
    assert [r.every for r in settings.current().rhythms] == ["2w", "month"]
    kinds = db.session.execute(select(AuditEvent.kind)).scalars().all()
    assert "setup.rhythms" in kinds


@pytest.mark.parametrize(
    ("rhythm", "field"),
    [
        (Rhythm("month", date(2016, 2, 1), 3), "starts_on"),  # inside the cycle in progress
        (Rhythm("1w", date(2016, 2, 10), 3), "starts_on"),
        (Rhythm("1w", date(2016, 2, 17), 3), "starts_on"),  # would stretch the cycle in progress
        (Rhythm("month", date(2016, 3, 2), 3), "starts_on"),  # a month starts on the first
        (Rhythm("5w", date(2016, 3, 1), 3), "every"),
        (Rhythm("1w", date(2016, 3, 1), 6), "due_weekday"),
    ],
)
def test_a_rhythm_that_would_move_a_cycle_begun_is_refused_and_writes_nothing(
    clean_db, rhythm, field
):
    load_seed_rows(clean_db)
    settings.forget()
    before = _stored()
    with pytest.raises(SetupError) as refused:
        settings.save_rhythm(rhythm, today=TODAY, actor_id=None, now=NOW)
    assert refused.value.field == field
    db.session.rollback()
    assert _stored() == before
    assert db.session.get(Setting, "rhythms").value == [Rhythm("2w", date(2016, 1, 4), 4).as_dict()]


def test_a_weekly_rhythm_from_the_next_cycle_gives_weekly_cycles(clean_db):
    load_seed_rows(clean_db)
    settings.forget()
    settings.save_rhythm(Rhythm("1w", date(2016, 2, 15), 2), today=TODAY, actor_id=None, now=NOW)
    schedule = settings.schedule()
    assert [schedule.cycle(n).due_on for n in (4, 5, 6)] == [
        date(2016, 2, 17),
        date(2016, 2, 24),
        date(2016, 3, 2),
    ]


def test_no_self_evaluation_means_no_sef_is_chased(clean_db):
    load_seed_rows(clean_db)
    settings.forget()
    cfg = ChaseConfig.from_mapping(clean_db.config)
    assert any(d.kind == "sef" for d in _inputs(TODAY, cfg)[2])
    settings.save_self_evaluation(
        SelfEvaluation(enabled=False, first_month="2016-02", due_working_day=5),
        actor_id=None,
        now=NOW,
    )
    cfg = ChaseConfig.from_mapping(clean_db.config)
    assert not any(d.kind == "sef" for d in _inputs(TODAY, cfg)[2])
    assert any(d.kind == "return" for d in _inputs(TODAY, cfg)[2])


def test_chasing_settings_are_checked_then_used(clean_db):
    with pytest.raises(SetupError) as refused:
        settings.save_chasing(
            Chasing(escalate_manager_after=4, escalate_chair_after=3), actor_id=None, now=NOW
        )
    assert refused.value.field == "escalate_chair_after"
    settings.save_chasing(
        Chasing(escalate_manager_after=3, escalate_chair_after=6, chair_email="Chair@Example.org"),
        actor_id=None,
        now=NOW,
    )
    cfg = ChaseConfig.from_mapping(clean_db.config)
    assert (cfg.settings.escalate_to_chair_after, cfg.chair_email) == (6, "chair@example.org")


def test_a_new_trackers_first_rhythm_replaces_the_default_from_its_own_start(clean_db):
    """No rhythm saved and no cycle made: the council's cycles start from its own first day,
    numbered from 1 (not from the environment's default start)."""
    first = Rhythm("month", date(2025, 5, 1), 3, time(16, 0))
    settings.save_rhythm(first, today=date(2025, 5, 7), actor_id=None, now=NOW)
    assert settings.current().rhythms == (first,)
    schedule = settings.schedule()
    assert schedule.number_for(date(2025, 5, 7)) == 1
    assert schedule.cycle(1).due_on == date(2025, 5, 29)  # May's last Thursday
    assert sorted(_stored()) == [1, 2]  # May, and June made ahead
    # The next change is an ordinary one: from the next cycle.
    with pytest.raises(SetupError):
        settings.save_rhythm(
            Rhythm("1w", date(2025, 5, 12), 0), today=date(2025, 5, 7), actor_id=None, now=NOW
        )


def test_a_new_tracker_starts_in_its_own_week_with_no_demo_date(clean_db, monkeypatch):
    from docs.gen_config import read_settings
    from tests.conftest import make_app
    from tracker.services.mail.chasing import run_due_days

    # Production's defaults name no date from a demo: they are unset, the demo sets its own.
    read = read_settings()
    for name in (
        "TRACKER_CYCLE_START",
        "TRACKER_SEF_FIRST_MONTH",
        "TRACKER_MEASURES_FIRST_QUARTER",
    ):
        assert read[name].defaults["Config"] == "unset"
        assert read[name].defaults["DemoConfig"] != "unset"
    # Unset, the first cycle opens on the Monday of the London week the app starts in.
    started = make_app("sqlite://", CYCLE_START=None, TODAY="2026-12-10")
    assert started.config["CYCLE_START"] == "2026-12-07"
    assert started.config["CYCLE_START_FROM_TODAY"] is True
    # The SEFs and the scorecard follow the first cycle's month; the first cycles made keep it.
    monkeypatch.setitem(clean_db.config, "CYCLE_START", "2026-12-07")
    monkeypatch.setitem(clean_db.config, "CYCLE_START_FROM_TODAY", True)
    monkeypatch.setitem(clean_db.config, "SEF_FIRST_MONTH", None)
    monkeypatch.setitem(clean_db.config, "TODAY", "2026-12-10")
    settings.forget()
    setup = settings.current()
    assert setup.rhythm.starts_on == date(2026, 12, 7)
    assert setup.self_evaluation.first_month == "2026-12"
    run_due_days(
        date(2026, 12, 10),
        now=datetime(2026, 12, 10, 9, tzinfo=UTC),
        cfg=ChaseConfig.from_mapping(clean_db.config),
    )
    kept = db.session.get(Setting, "rhythms").value
    assert kept[0]["starts_on"] == "2026-12-07"
    assert db.session.execute(select(UpdateCycle.opens_on).order_by(UpdateCycle.number)).first()[
        0
    ] == date(2026, 12, 7)


def test_a_meeting_day_the_tracker_cannot_plan_stops_the_start_with_its_name():
    from tests.conftest import make_app

    bad = {"getting_to_good": "4 thursday 14:00 120", "jsig": "3 sunday 10:00 120", "cib": "none"}
    with pytest.raises(RuntimeError, match="TRACKER_MEETING_DAY_.*jsig"):
        make_app("sqlite://", MEETING_DAYS=bad)
