"""The scheduler's wiring: 09:00 London on both sides of the clock change, fixed job ids,
one scheduler at a time on PostgreSQL, and two at once adding nothing."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, text

from tests.services.test_chasing_mail import config, nine_am, scenario  # noqa: F401 (fixture)
from tracker import jobs
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import OutboxItem, OutboxMessage, SchedulerRun
from tracker.services.mail import chasing


@pytest.mark.parametrize(
    ("after", "fires_at_utc"),
    [
        # Thursday 24 March 2016 (GMT): 09:00 London is 09:00 UTC.
        (datetime(2016, 3, 23, 12, 0, tzinfo=UTC), datetime(2016, 3, 24, 9, 0, tzinfo=UTC)),
        # After the clocks go forward on Sunday 27 March: 09:00 London is 08:00 UTC (BST).
        (datetime(2016, 3, 24, 12, 0, tzinfo=UTC), datetime(2016, 3, 25, 9, 0, tzinfo=UTC)),
        (datetime(2016, 3, 25, 12, 0, tzinfo=UTC), datetime(2016, 3, 28, 8, 0, tzinfo=UTC)),
        # And back on Sunday 30 October 2016.
        (datetime(2016, 10, 28, 12, 0, tzinfo=UTC), datetime(2016, 10, 31, 9, 0, tzinfo=UTC)),
    ],
)
def test_reminders_go_at_nine_london_time_on_both_sides_of_the_clock_change(after, fires_at_utc):
    trigger = jobs.chase_trigger(9, 0)
    fire = trigger.get_next_fire_time(None, after.astimezone(LONDON))
    assert fire.astimezone(UTC) == fires_at_utc
    assert fire.astimezone(LONDON).hour == 9


def test_the_scheduler_has_fixed_job_ids_and_london_triggers(app):
    scheduler = jobs.build_scheduler(app, scheduler_class=BackgroundScheduler)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {jobs.CHASE_JOB_ID, jobs.SEND_JOB_ID, jobs.DRAW_AHEAD_JOB_ID}
    chase = scheduler.get_job(jobs.CHASE_JOB_ID)
    assert str(chase.trigger.timezone) == "Europe/London"
    # Building it again replaces, never duplicates, the jobs.
    jobs.build_scheduler(app, scheduler_class=BackgroundScheduler)
    assert len(scheduler.get_jobs()) == 3


def test_two_schedulers_running_the_same_day_at_once_add_nothing(clean_db, scenario):  # noqa: F811
    day = date(2016, 2, 12)
    cfg = config(clean_db)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with clean_db.app_context():
                barrier.wait(timeout=10)
                chasing.run_due_days(day, now=nine_am(day), cfg=cfg)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.session.remove()
    items = db.session.execute(select(OutboxItem.key)).scalars().all()
    assert len(items) == len(set(items)) > 0
    single = chasing.plan_chases(day, cfg)
    assert len(items) == sum(len(d.chases) for d in single.digests)
    messages = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert messages == len(single.digests)
    runs = db.session.execute(select(func.count()).select_from(SchedulerRun)).scalar_one()
    assert runs == 1


def test_a_second_scheduler_waits_on_the_advisory_lock_on_postgresql(app):
    with app.app_context():
        dialect = db.engine.dialect.name
    first = jobs.hold_scheduler_lock(app)
    if dialect != "postgresql":
        assert first is None  # SQLite runs one scheduler; the outbox keys still stop repeats
        return
    try:
        with app.app_context(), db.engine.connect() as other:
            got = other.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": jobs.ADVISORY_LOCK_KEY}
            ).scalar_one()
            assert got is False
    finally:
        first.release()
    with app.app_context(), db.engine.connect() as other:
        got = other.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": jobs.ADVISORY_LOCK_KEY}
        ).scalar_one()
        assert got is True
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": jobs.ADVISORY_LOCK_KEY})


def test_two_scheduler_processes_chasing_at_once_add_nothing(clean_db, scenario):  # noqa: F811
    """Two real processes (`flask tracker chase`) on the same database at the same moment."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import EMPTY_URL

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "TRACKER_CONFIG": "demo",
        "TRACKER_DATABASE_URL": EMPTY_URL,
        "TRACKER_GETTING_TO_GOOD_CHAIR": "ceo@trust.example",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "tracker",
        "chase",
        "--today",
        "2016-02-12",
    ]
    db.session.remove()
    processes = [
        subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    single = chasing.plan_chases(date(2016, 2, 12), config(clean_db))
    items = db.session.execute(select(OutboxItem.key)).scalars().all()
    assert len(items) == len(set(items)) == sum(len(d.chases) for d in single.digests) > 0
    messages = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert messages == len(single.digests)
