"""The scheduler: one process beside the web workers, never inside them.

Jobs have fixed ids and cron triggers in Europe/London; each job is one service call. On
PostgreSQL a second scheduler waits on an advisory lock. On any database the outbox's unique
keys (which name the subject: recipient, kind, locality, cycle or month, step) write each
reminder once; a clash on one is read again, never taken for success. A sender claims each
message before delivering it, so two senders never both deliver one message (see
`tracker.services.mail.outbox` for exactly what delivery promises when a sender is killed
mid-attempt).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import text

from tracker.clock import now_utc, today_london
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.http.evidence_files import store as evidence_store
from tracker.services.access import people
from tracker.services.mail import chasing, outbox
from tracker.services.plan import evidence
from tracker.services.platform import health

log = logging.getLogger(__name__)

CHASE_JOB_ID = chasing.CHASE_JOB
SEND_JOB_ID = "outbox-send"
DRAW_AHEAD_JOB_ID = "board-pack-ahead"
DRAW_AHEAD_MINUTES = 10  # how often the scheduler checks that the board pack drawn ahead is current
ADVISORY_LOCK_KEY = 7_020_160_205  # any fixed number, shared by every scheduler of this app


def chase_trigger(hour: int, minute: int) -> CronTrigger:
    """09:00 London (by default) Monday to Friday; bank holidays are skipped by the rules."""
    return CronTrigger(day_of_week="mon-fri", hour=hour, minute=minute, timezone=LONDON)


def run_chase_job(app: Flask) -> None:
    """Chase (catching up missed days), then send. A chase that cannot be written is logged as
    an error and raised (APScheduler logs the job as failed) after the send has run: the day is
    not marked as run, so the next run, or the next start, writes it."""
    failed: chasing.ChaseWriteError | None = None
    with app.app_context():
        cfg = chasing.ChaseConfig.from_mapping(app.config)
        try:
            runs = chasing.run_due_days(today_london(), now=now_utc(), cfg=cfg)
        except chasing.ChaseWriteError as exc:
            log.error("chase failed, day not marked as run: %s", exc)
            db.session.rollback()
            failed, runs = exc, []
        people.anonymise_leavers(now=now_utc(), years=app.config["RETENTION_YEARS"])
        swept = evidence.sweep_orphans(evidence_store(), now=now_utc())
        if swept:
            log.info("evidence: %s files left by failed uploads removed", len(swept))
        for run in runs:
            log.info(
                "chase %s: %s messages, %s items", run.day, run.written_messages, run.written_items
            )
        db.session.remove()
    run_send_job(app)
    if failed is not None:
        raise failed


def run_send_job(app: Flask) -> None:
    with app.app_context():
        health.beat(now_utc())  # what /healthz reads: the scheduler is alive
        result = outbox.send_pending(
            now=now_utc(), smtp=outbox.SmtpSettings.from_mapping(app.config)
        )
        if result.sent or result.failed:
            log.info("outbox: %s sent, %s failed", result.sent, result.failed)
        db.session.remove()


def run_draw_ahead_job(app: Flask) -> None:
    """The group's board pack drawn into the PDF cache when it has changed
    (tracker/http/ahead.py)."""
    from tracker.http.ahead import draw_board_packs_ahead

    drawn = draw_board_packs_ahead(app)
    if drawn:
        log.info("board pack: %s drawn ahead", drawn)


def build_scheduler(app: Flask, scheduler_class=BlockingScheduler):
    scheduler = scheduler_class(timezone=LONDON)
    scheduler.add_job(
        run_chase_job,
        chase_trigger(app.config["SCHEDULER_HOUR"], app.config["SCHEDULER_MINUTE"]),
        id=CHASE_JOB_ID,
        kwargs={"app": app},
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=6 * 3600,
        max_instances=1,
    )
    scheduler.add_job(
        run_send_job,
        IntervalTrigger(seconds=health.HEARTBEAT_EVERY.total_seconds(), timezone=LONDON),
        id=SEND_JOB_ID,
        kwargs={"app": app},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        run_draw_ahead_job,
        IntervalTrigger(minutes=DRAW_AHEAD_MINUTES, timezone=LONDON),
        id=DRAW_AHEAD_JOB_ID,
        kwargs={"app": app},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )
    return scheduler


class SchedulerLock:
    """The PostgreSQL advisory lock one scheduler holds for its lifetime."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def release(self) -> None:
        # Unlock before the connection goes back to the pool, where the session would keep it.
        self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        self.connection.commit()
        self.connection.close()


def hold_scheduler_lock(app: Flask) -> SchedulerLock | None:
    """On PostgreSQL, block until this process holds the scheduler's advisory lock. Elsewhere,
    return None: on SQLite the outbox's keys and claims still stop duplicates."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    connection = engine.connect()
    log.info("waiting for the scheduler lock")
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    connection.commit()
    log.info("holding the scheduler lock")
    return SchedulerLock(connection)


def catch_up(app: Flask) -> None:
    """On start: if today's run time has passed (or days were missed), run them now, once."""
    with app.app_context():
        if chasing.london_now_is_after(
            now_utc(), app.config["SCHEDULER_HOUR"], app.config["SCHEDULER_MINUTE"]
        ):
            run_chase_job(app)
        else:
            run_send_job(app)
