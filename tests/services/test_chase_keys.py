"""Issue 19, part 1: a chase's outbox key names its subject (the locality whose return or SEF it
is), so two heads late on the same deadline under one manager no longer collide; a clash on a
unique key is never taken for success; keys stored in the old format keep deduping.

Seen on main before the fix: on the seed (one director manages all four heads) nothing at all
was written on 9, 11, 16 and 18 February 2016, though the dry run listed 5 emails each, and a
restart after three weeks wrote none of the ~600 items owed."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.builders import make_cycles, make_user
from tests.conftest import load_seed_rows
from tests.services.test_chasing_mail import config, nine_am
from tracker.domain.calendar import is_working_day
from tracker.extensions import db
from tracker.models import OutboxItem, OutboxMessage, SchedulerRun, User
from tracker.services.mail import chasing

SEED_DAYS = [date(2016, 2, 9), date(2016, 2, 11), date(2016, 2, 16), date(2016, 2, 18)]


def planned_keys(day: date, cfg) -> list[str]:
    return [c.key for d in chasing.plan_chases(day, cfg).digests for c in d.chases]


def stored_keys() -> list[str]:
    return list(db.session.execute(select(OutboxItem.key)).scalars())


@pytest.fixture
def two_heads(clean_db):
    """North's and South's heads under one line manager; nobody sends a return or SEF."""
    manager = make_user(email="dops@trust.example", role="chair")
    make_user(email="ceo@trust.example", role="chair")
    heads = []
    for code in ("north", "south"):
        head = make_user(email=f"{code}@trust.example", role="locality_head", locality=code)
        head.line_manager_id = manager.id
        heads.append(head)
    make_cycles(upto=6)
    db.session.commit()
    return {"manager": manager, "heads": heads}


def test_two_heads_under_one_manager_late_on_one_deadline_get_every_escalation_once(
    clean_db, two_heads
):
    cfg = config(clean_db)
    day = date(2016, 2, 1)
    while day <= date(2016, 2, 29):
        if is_working_day(day):
            planned = set(planned_keys(day, cfg))
            before = len(stored_keys())
            runs = chasing.run_due_days(day, now=nine_am(day), cfg=cfg)
            assert runs and runs[0].written_items == len(planned), day
            assert len(stored_keys()) == before + len(planned), day
        day += timedelta(days=1)
    keys = stored_keys()
    assert len(keys) == len(set(keys))
    manager = two_heads["manager"]
    escalations = db.session.execute(
        select(OutboxItem.kind, OutboxItem.period, OutboxItem.step, OutboxItem.about_id).where(
            OutboxItem.recipient_id == manager.id, OutboxItem.kind == "return_escalation"
        )
    ).all()
    about = Counter((period, who) for _, period, _, who in escalations)
    for head in two_heads["heads"]:
        # Cycles 2 (due 29 January, escalated on 2 February) and 3 (due 12 February), both
        # missing: each head's manager escalation once.
        for cycle in ("2", "3"):
            assert about[(cycle, head.id)] == 1, (cycle, head.email, escalations)
    chair = db.session.execute(select(User).where(User.email == "ceo@trust.example")).scalar_one()
    to_chair = db.session.execute(
        select(OutboxItem.period, OutboxItem.about_id).where(
            OutboxItem.recipient_id == chair.id, OutboxItem.kind == "return_escalation"
        )
    ).all()
    for head in two_heads["heads"]:
        assert (("3", head.id)) in to_chair


def test_a_manager_escalation_key_names_the_locality(clean_db, two_heads):
    cfg = config(clean_db)
    day = date(2016, 2, 16)  # cycle 3 (due Friday 12 February) is two working days late
    chases = [
        c
        for d in chasing.plan_chases(day, cfg).digests
        for c in d.chases
        if c.kind == "return_escalation" and c.period == "3"
    ]
    assert sorted(c.key for c in chases) == [
        f"{two_heads['manager'].id}|return_escalation|north|3|manager",
        f"{two_heads['manager'].id}|return_escalation|south|3|manager",
    ]


@pytest.fixture
def seed(clean_db):
    load_seed_rows(clean_db)
    return clean_db


def test_on_the_seed_each_day_writes_what_the_dry_run_says(seed):
    cfg = chasing.ChaseConfig.from_mapping(seed.config)
    for day in SEED_DAYS:
        plan = chasing.plan_chases(day, cfg)
        planned = sum(len(d.chases) for d in plan.digests)
        assert len(plan.digests) == 5, day
        run = chasing.run_chasing(day, now=nine_am(day), cfg=cfg)
        assert (run.written_messages, run.written_items) == (len(plan.digests), planned), day
        messages = db.session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.run_day == day)
        ).scalar_one()
        assert messages == 5, day
    escalations = db.session.execute(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.kind.like("%_escalation"))
    ).scalar_one()
    assert escalations > 0


def test_the_chase_command_writes_what_its_dry_run_lists_on_the_seed(seed):
    runner = seed.test_cli_runner()
    dry = runner.invoke(args=["tracker", "chase", "--today", "2016-02-16", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    listed = dry.output.strip().splitlines()
    items = sum(len(line.split("\t")[2].split("; ")) for line in listed[:-1])
    result = runner.invoke(args=["tracker", "chase", "--today", "2016-02-16"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith(f"{len(listed) - 1} email(s) with {items} item(s)")


def test_a_three_week_outage_on_the_seed_writes_every_owed_item_once(seed):
    cfg = chasing.ChaseConfig.from_mapping(seed.config)
    first, restart = date(2016, 2, 5), date(2016, 2, 26)
    chasing.run_due_days(first, now=nine_am(first), cfg=cfg)
    before = set(stored_keys())

    owed: set[str] = set()
    day = first + timedelta(days=1)
    while day < restart:
        if is_working_day(day):
            owed |= {
                c.key
                for d in chasing.plan_chases(day, cfg).digests
                for c in d.chases
                if chasing.still_owed(c)
            }
        day += timedelta(days=1)
    owed |= set(planned_keys(restart, cfg))
    owed -= before
    assert len(owed) > 300

    runs = chasing.run_due_days(restart, now=nine_am(restart), cfg=cfg)
    assert runs[0].written_items == len(owed)
    after = stored_keys()
    assert len(after) == len(set(after))
    assert set(after) - before == owed
    # One digest per person for the restart.
    per_person = db.session.execute(
        select(OutboxMessage.recipient_id, func.count())
        .where(OutboxMessage.run_day == restart)
        .group_by(OutboxMessage.recipient_id)
    ).all()
    assert per_person and all(n == 1 for _, n in per_person)

    # A second run, by the scheduler or by hand, writes nothing more.
    assert chasing.run_due_days(restart, now=nine_am(restart), cfg=cfg) == []
    again = chasing.run_chasing(restart, now=nine_am(restart), cfg=cfg)
    assert (again.written_messages, again.written_items) == (0, 0)
    assert len(stored_keys()) == len(after)


def test_a_clash_with_another_writer_rereads_and_writes_what_is_missing(
    clean_db, two_heads, monkeypatch
):
    """Another scheduler commits part of today's items between our read and our write: we
    write the rest, in a second digest, and nothing twice."""
    cfg = config(clean_db)
    day = date(2016, 2, 16)
    plan = chasing.plan_chases(day, cfg)
    planned = [c for d in plan.digests for c in d.chases]
    real = chasing._write_digests
    calls = []

    def other_scheduler_first(run, existing, *args, **kwargs):
        if not calls:
            calls.append(1)
            # The other scheduler's digest for the manager, with one item, lands first.
            other = chasing.ChaseRun(day, [d for d in plan.digests if len(d.chases) > 1][:1])
            other.digests = [
                chasing.Digest(d.recipient_id, d.name, d.email, d.chases[:1]) for d in other.digests
            ]
            real(other, set(), defaultdict(int), day, nine_am(day), cfg)
            db.session.commit()
        return real(run, existing, *args, **kwargs)

    monkeypatch.setattr(chasing, "_write_digests", other_scheduler_first)
    run = chasing.run_chasing(day, now=nine_am(day), cfg=cfg)
    keys = stored_keys()
    assert len(keys) == len(set(keys)) == len(planned)
    assert run.written_items == len(planned) - 1


def test_when_the_outbox_cannot_be_written_the_day_is_not_marked_as_run(
    clean_db, two_heads, monkeypatch
):
    cfg = config(clean_db)
    day = date(2016, 2, 16)

    def always_clash(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(chasing, "_write_digests", always_clash)
    with pytest.raises(chasing.ChaseWriteError):
        chasing.run_due_days(day, now=nine_am(day), cfg=cfg)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(SchedulerRun)).scalar_one() == 0
    assert stored_keys() == []
    monkeypatch.undo()
    # Mended, the next run writes the day.
    assert chasing.run_due_days(day, now=nine_am(day), cfg=cfg)[0].written_items > 0


def test_the_chase_command_fails_loudly_when_it_cannot_write(clean_db, two_heads, monkeypatch):
    def always_clash(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(chasing, "_write_digests", always_clash)
    result = clean_db.test_cli_runner().invoke(args=["tracker", "chase", "--today", "2016-02-16"])
    assert result.exit_code != 0
    assert "could not write" in result.output.lower()


def _old_item(message_key: str, recipient: User, *, kind, period, step, link, about=None):
    """An item as the old code stored it: key (recipient, kind, period, step), no locality."""
    message = OutboxMessage(
        key=message_key,
        run_day=date(2016, 2, 16),
        recipient_id=recipient.id,
        to_address=recipient.email,
        subject="old",
        body_text="",
        body_html="",
        created_at=nine_am(date(2016, 2, 16)),
        status="sent",
        attempts=1,
        next_attempt_at=nine_am(date(2016, 2, 16)),
        last_error="",
    )
    db.session.add(message)
    db.session.flush()
    db.session.add(
        OutboxItem(
            key=f"{recipient.id}|{kind}|{period}|{step}",
            message_id=message.id,
            recipient_id=recipient.id,
            kind=kind,
            period=period,
            step=step,
            text="old",
            link=link,
            about_id=about,
            created_at=message.created_at,
        )
    )
    db.session.commit()


def test_items_stored_under_the_old_key_format_are_not_sent_again(clean_db, two_heads):
    """Before the upgrade the manager got North's cycle-3 escalation (old key, no locality) and
    North's head got their late-2 reminder; after it, neither is written again, but South's
    escalation, never sent (it collided), is."""
    cfg = config(clean_db)
    day = date(2016, 2, 16)
    manager = two_heads["manager"]
    north, south = two_heads["heads"]
    _old_item(
        "old|1",
        manager,
        kind="return_escalation",
        period="3",
        step="manager",
        link="/returns/north/3",
        about=north.id,
    )
    _old_item("old|2", north, kind="return", period="3", step="late-2", link="/returns/north/3")
    planned = planned_keys(day, cfg)
    run = chasing.run_chasing(day, now=nine_am(day), cfg=cfg)
    assert run.written_items == len(planned) - 2
    written = db.session.execute(
        select(OutboxItem.recipient_id, OutboxItem.kind, OutboxItem.link, OutboxItem.step)
    ).all()
    counts = Counter(written)
    assert counts[(manager.id, "return_escalation", "/returns/north/3", "manager")] == 1
    assert counts[(manager.id, "return_escalation", "/returns/south/3", "manager")] == 1
    assert counts[(north.id, "return", "/returns/north/3", "late-2")] == 1
    assert counts[(south.id, "return", "/returns/south/3", "late-2")] == 1


def test_the_scheduler_job_logs_and_raises_a_chase_it_cannot_write_after_sending(
    clean_db, monkeypatch, caplog
):
    from tracker import jobs

    sent = []

    def cannot_write(*args, **kwargs):
        raise chasing.ChaseWriteError("Could not write the chase for 2016-02-16")

    monkeypatch.setattr(chasing, "run_due_days", cannot_write)
    monkeypatch.setattr(jobs, "run_send_job", lambda app: sent.append(app))
    with pytest.raises(chasing.ChaseWriteError):
        jobs.run_chase_job(clean_db)
    assert sent == [clean_db]  # what is already in the outbox still goes
    assert "day not marked as run" in caplog.text
