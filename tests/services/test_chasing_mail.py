"""The chasing, end to end: day by day through a fortnight and a month end, with a real SMTP
server on 127.0.0.1, checking who got what on which day, and that reruns add nothing."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.builders import (
    make_action,
    make_cycles,
    make_locality_return,
    make_recommendation,
    make_user,
)
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import (
    LocalityReturn,
    OutboxItem,
    OutboxMessage,
    SchedulerRun,
    SefVersion,
    User,
)
from tracker.services.mail import chasing, outbox
from tracker.services.mail.chasing import ChaseConfig

START, END = date(2016, 2, 1), date(2016, 3, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def smtp_settings(port: int) -> outbox.SmtpSettings:
    return outbox.SmtpSettings("127.0.0.1", port, False, None, None, "tracker@trust.example")


def config(app) -> ChaseConfig:
    return ChaseConfig.from_mapping({**app.config, "GETTING_TO_GOOD_CHAIR": "ceo@trust.example"})


def nine_am(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def scenario(clean_db):
    """North's head, their line manager, the chair and one main-plan action lead."""
    manager = make_user(email="dops@trust.example", role="chair")
    make_user(email="ceo@trust.example", role="chair")
    head = make_user(email="north@trust.example", role="locality_head", locality="north")
    head.line_manager_id = manager.id
    lead = make_user(email="lead@trust.example", role="action_lead")
    cycles = make_cycles(upto=6)
    make_locality_return(cycle=cycles[1], by=head, submitted_at=nine_am(date(2016, 1, 15)))
    make_locality_return(cycle=cycles[2], by=head, submitted_at=nine_am(date(2016, 1, 29)))
    make_action(
        ref="MAP-001",
        recommendation=make_recommendation(),
        lead=lead,
        target_date=date(2016, 2, 26),
    )
    db.session.commit()
    return {"head": head, "lead": lead, "cycles": cycles}


def events_for(day: date, scenario) -> None:
    """What people do on each day of the story (after the 09:00 run)."""
    head, cycles = scenario["head"], scenario["cycles"]
    if day == date(2016, 2, 4):
        db.session.add(
            SefVersion(
                locality_id=head.locality_id,
                month="2016-02",
                version=1,
                status="submitted",
                self_grade="requires_improvement",
                author_id=head.id,
                saved_at=nine_am(day),
            )
        )
    if day == date(2016, 2, 16):
        make_locality_return(cycle=cycles[3], by=head, submitted_at=nine_am(day))
    if day == date(2016, 2, 25):
        make_locality_return(cycle=cycles[4], by=head, submitted_at=nine_am(day))
    db.session.commit()


EXPECTED = {
    date(2016, 2, 1): {
        "north@trust.example": [
            "The North return for cycle 3 is open",
            "The North SEF for February 2016 is open",
        ],
    },
    date(2016, 2, 3): {"north@trust.example": ["The North SEF for February 2016 is due on"]},
    date(2016, 2, 10): {
        "north@trust.example": ["The North return for cycle 3 is due at 12:00"],
        "lead@trust.example": ["MAP-001 Action"],
    },
    date(2016, 2, 12): {
        "north@trust.example": ["The North return for cycle 3 is due today"],
        "lead@trust.example": ["MAP-001 Action", "MAP-001 Action"],  # update due; target near
    },
    date(2016, 2, 15): {
        "north@trust.example": [
            "The North return for cycle 3 is 1 working day late",
            "The North return for cycle 4 is open",
        ],
    },
    date(2016, 2, 16): {
        "north@trust.example": ["The North return for cycle 3 is 2 working days late"],
        "dops@trust.example": ["The North return for cycle 3 is 2 working days late"],
    },
    date(2016, 2, 24): {
        "north@trust.example": ["The North return for cycle 4 is due at 12:00"],
        "lead@trust.example": ["MAP-001 Action"],
    },
    date(2016, 2, 26): {"lead@trust.example": ["MAP-001 Action"]},
    date(2016, 2, 29): {
        "north@trust.example": ["The North return for cycle 5 is open"],
        "lead@trust.example": ["MAP-001 Action"],  # the target date has passed
    },
    date(2016, 3, 1): {"north@trust.example": ["The North SEF for March 2016 is open"]},
}


def received_by_day(inbox: Inbox, day: date, already: int) -> dict[str, list[str]]:
    got: dict[str, list[str]] = defaultdict(list)
    for message in inbox.messages[already:]:
        body = message.get_body(preferencelist=("plain",)).get_content()
        items = [line[2:] for line in body.splitlines() if line.startswith("* ")]
        got[str(message["To"])] += items
    return got


def test_a_month_of_chasing_sends_exactly_what_the_rules_require(clean_db, scenario, smtp_server):
    inbox, port = smtp_server
    cfg = config(clean_db)
    day = START
    while day <= END:
        before = len(inbox.messages)
        for _ in range(2):  # every day runs twice: the second adds nothing
            chasing.run_due_days(day, now=nine_am(day), cfg=cfg)
            outbox.send_pending(now=nine_am(day), smtp=smtp_settings(port))
        got = received_by_day(inbox, day, before)
        expected = EXPECTED.get(day, {})
        assert set(got) == set(expected), f"{day}: mail went to {sorted(got)}"
        for to, starts in expected.items():
            assert len(got[to]) == len(starts), f"{day} {to}: {got[to]}"
            for text, start in zip(sorted(got[to]), sorted(starts), strict=True):
                assert text.startswith(start), f"{day} {to}: {text!r}"
        events_for(day, scenario)
        day += timedelta(days=1)
    message_ids = [m["Message-ID"] for m in inbox.messages]
    assert len(message_ids) == len(set(message_ids))  # one email per person per run
    assert all(m.get_body(preferencelist=("html",)) is not None for m in inbox.messages)


def test_each_digest_links_to_the_exact_return(clean_db, scenario, smtp_server):
    inbox, port = smtp_server
    chasing.run_chasing(date(2016, 2, 12), now=nine_am(date(2016, 2, 12)), cfg=config(clean_db))
    outbox.send_pending(now=nine_am(date(2016, 2, 12)), smtp=smtp_settings(port))
    to_head = next(m for m in inbox.messages if m["To"] == "north@trust.example")
    html = to_head.get_body(preferencelist=("html",)).get_content()
    assert 'href="http://127.0.0.1:5000/returns/north/3"' in html


def test_a_missed_day_is_caught_up_once_on_start(clean_db, scenario):
    cfg = config(clean_db)
    chasing.run_due_days(date(2016, 2, 9), now=nine_am(date(2016, 2, 9)), cfg=cfg)
    # The scheduler was down on Wednesday 10 February; it starts again on Thursday.
    runs = chasing.run_due_days(date(2016, 2, 11), now=nine_am(date(2016, 2, 11)), cfg=cfg)
    assert [r.day for r in runs] == [date(2016, 2, 11)]  # one digest each, today's
    again = chasing.run_due_days(date(2016, 2, 11), now=nine_am(date(2016, 2, 11)), cfg=cfg)
    assert again == []
    days = db.session.execute(select(SchedulerRun.run_day).order_by(SchedulerRun.run_day))
    assert list(days.scalars()) == [date(2016, 2, 9), date(2016, 2, 10), date(2016, 2, 11)]
    kinds = set(db.session.execute(select(OutboxItem.step)).scalars())
    assert "before" in kinds  # Wednesday's reminder was sent late rather than missed
    notes = set(db.session.execute(select(OutboxItem.note)).scalars())
    assert "Caught up: the reminder service was not running on Wednesday 10 February 2016." in notes


def test_a_scheduler_down_for_weeks_still_sends_the_escalations_in_one_digest_each(
    clean_db, scenario
):
    """Seen: last run 29 March, restart 15 April: the cycle-7 escalations due 12 and 14 April
    were never written. Now they are, on restart, in one digest per person."""
    from tracker.models import AuditEvent

    cfg = config(clean_db)
    for n in range(3, 7):  # the head sent every return but cycle 7's (due Friday 8 April)
        make_locality_return(
            cycle=scenario["cycles"][n], by=scenario["head"], submitted_at=nine_am(date(2016, 2, 1))
        )
    db.session.commit()
    chasing.run_due_days(date(2016, 3, 29), now=nine_am(date(2016, 3, 29)), cfg=cfg)
    restart = date(2016, 4, 15)
    chasing.run_due_days(restart, now=nine_am(restart), cfg=cfg)

    written = db.session.execute(
        select(OutboxItem.kind, OutboxItem.period, OutboxItem.step, User.email).join(
            User, User.id == OutboxItem.recipient_id
        )
    ).all()
    assert ("return_escalation", "7", "manager", "dops@trust.example") in written
    assert ("return_escalation", "7", "chair", "ceo@trust.example") in written
    # One digest per person for the restart, not one per missed day.
    per_person = db.session.execute(
        select(OutboxMessage.recipient_id, func.count())
        .where(OutboxMessage.run_day == restart)
        .group_by(OutboxMessage.recipient_id)
    ).all()
    assert per_person and all(n == 1 for _, n in per_person)
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "scheduler_caught_up")
    ).scalar_one()
    assert event.detail["missed_days"][0] == "2016-03-30"
    assert (
        "2016-04-12" in event.detail["missed_days"] and "2016-04-14" in event.detail["missed_days"]
    )
    days = set(db.session.execute(select(SchedulerRun.run_day)).scalars())
    assert date(2016, 4, 14) in days and restart in days


def test_a_return_missing_from_an_old_cycle_is_chased_weekly_not_dropped(clean_db, scenario):
    """Cycle 1's return is never sent: long after the previous cycle it is still chased, every
    fifth working day."""
    cfg = config(clean_db)
    db.session.delete(
        db.session.execute(
            select(LocalityReturn).where(LocalityReturn.cycle_id == scenario["cycles"][1].id)
        ).scalar_one()
    )
    db.session.commit()
    chased_on = []
    day = date(2016, 3, 1)
    while day <= date(2016, 3, 31):
        plan = chasing.plan_chases(day, cfg)
        steps = [
            c.step for d in plan.digests for c in d.chases if c.kind == "return" and c.period == "1"
        ]
        if steps:
            chased_on.append((day, steps))
        day += timedelta(days=1)
    assert chased_on, "cycle 1's missing return was dropped"
    lates = [int(step.removeprefix("late-")) for _, steps in chased_on for step in steps]
    assert all(n % 5 == 0 for n in lates)  # weekly
    from tracker.domain.calendar import working_days_between

    gaps = [
        working_days_between(a[0], b[0]) for a, b in zip(chased_on, chased_on[1:], strict=False)
    ]
    assert gaps and all(g == 5 for g in gaps), gaps  # every fifth working day (Easter included)


def test_an_smtp_server_that_is_down_leaves_mail_pending_with_the_error(clean_db, scenario):
    day = date(2016, 2, 12)
    chasing.run_chasing(day, now=nine_am(day), cfg=config(clean_db))
    result = outbox.send_pending(now=nine_am(day), smtp=smtp_settings(free_port()))
    assert result.sent == 0 and result.failed > 0
    pending = db.session.execute(select(OutboxMessage)).scalars().all()
    assert all(m.status == "pending" and m.attempts == 1 for m in pending)
    assert all("127.0.0.1" in m.last_error for m in pending)
    assert all(m.next_attempt_at == nine_am(day) + outbox.backoff(1) for m in pending)
    # Not retried before the back-off has passed.
    again = outbox.send_pending(
        now=nine_am(day) + timedelta(minutes=1), smtp=smtp_settings(free_port())
    )
    assert again.failed == 0 and again.sent == 0


def test_failed_mail_is_retried_later_and_delivered(clean_db, scenario, smtp_server):
    inbox, port = smtp_server
    day = date(2016, 2, 12)
    chasing.run_chasing(day, now=nine_am(day), cfg=config(clean_db))
    outbox.send_pending(now=nine_am(day), smtp=smtp_settings(free_port()))
    later = nine_am(day) + timedelta(minutes=5)
    result = outbox.send_pending(now=later, smtp=smtp_settings(port))
    total = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert result.sent == total == len(inbox.messages)


def test_after_too_many_failures_a_message_is_marked_failed(clean_db, scenario):
    day = date(2016, 2, 12)
    chasing.run_chasing(day, now=nine_am(day), cfg=config(clean_db))
    when = nine_am(day)
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.send_pending(now=when, smtp=smtp_settings(free_port()))
        when += outbox.BACKOFF_CAP
    statuses = set(db.session.execute(select(OutboxMessage.status)).scalars())
    assert statuses == {"failed"}


def test_killed_between_writing_and_sending_the_restart_sends_each_once(
    clean_db, scenario, smtp_server
):
    inbox, port = smtp_server
    day = date(2016, 2, 12)
    chasing.run_due_days(day, now=nine_am(day), cfg=config(clean_db))  # written, not sent
    written = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    chasing.run_due_days(day, now=nine_am(day), cfg=config(clean_db))  # restart: nothing new
    outbox.send_pending(now=nine_am(day), smtp=smtp_settings(port))
    assert len(inbox.messages) == written


def test_killed_between_sending_and_marking_the_retry_waits_and_keeps_the_message_id(
    clean_db, scenario, smtp_server, monkeypatch
):
    inbox, port = smtp_server
    day = date(2016, 2, 12)
    chasing.run_chasing(day, now=nine_am(day), cfg=config(clean_db))
    written = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    real_send = outbox.smtplib.SMTP.send_message
    calls = {"n": 0}

    def send_then_die(self, msg, *args, **kwargs):
        result = real_send(self, msg, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed after the server accepted the message")
        return result

    monkeypatch.setattr(outbox.smtplib.SMTP, "send_message", send_then_die)
    with pytest.raises(KeyboardInterrupt):
        outbox.send_pending(now=nine_am(day), smtp=smtp_settings(port))
    db.session.rollback()
    monkeypatch.setattr(outbox.smtplib.SMTP, "send_message", real_send)
    # Restarted at once: everything else goes; the one in flight is still held by its claim.
    outbox.send_pending(now=nine_am(day), smtp=smtp_settings(port))
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids)) == written
    # Once the claim has lapsed, the crashed attempt is counted and the message goes again,
    # with the same Message-ID.
    later = nine_am(day) + outbox.CLAIM_LEASE + timedelta(seconds=1)
    outbox.send_pending(now=later, smtp=smtp_settings(port))
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(set(ids)) == written
    assert len(ids) == written + 1
    sent = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
    ).scalar_one()
    assert sent == written


def test_the_dry_run_lists_without_writing(clean_db, scenario):
    run = chasing.plan_chases(date(2016, 2, 12), config(clean_db))
    assert {d.email for d in run.digests} == {"north@trust.example", "lead@trust.example"}
    assert db.session.execute(select(func.count()).select_from(OutboxItem)).scalar_one() == 0


def test_a_person_who_has_left_is_chased_through_their_line_manager(clean_db, scenario):
    scenario["head"].active = False
    db.session.commit()
    run = chasing.run_chasing(
        date(2016, 2, 12), now=nine_am(date(2016, 2, 12)), cfg=config(clean_db)
    )
    to_manager = next(d for d in run.digests if d.email == "dops@trust.example")
    assert "has left" in to_manager.chases[0].note
    assert "north@trust.example" not in {d.email for d in run.digests}


def test_the_scheduler_keeps_cycles_a_fortnight_ahead(clean_db, scenario):
    from tracker.models import UpdateCycle

    day = date(2017, 1, 9)  # long after the last cycle the seed or the builders made
    chasing.run_due_days(day, now=nine_am(day), cfg=config(clean_db))
    numbers = db.session.execute(select(UpdateCycle.number)).scalars().all()
    last = max(numbers)
    assert sorted(numbers) == list(range(1, last + 1))
    latest = db.session.execute(select(UpdateCycle).where(UpdateCycle.number == last)).scalar_one()
    assert latest.opens_on > day  # the next cycle exists before it opens


def test_a_lead_with_no_email_address_is_chased_through_their_line_manager(
    clean_db, scenario, smtp_server
):
    inbox, port = smtp_server
    partner = make_user(email=None, role="action_lead", org="syp", password=None)
    partner.email = None
    partner.line_manager_id = scenario["head"].line_manager_id
    make_action(
        ref="MAP-002",
        recommendation=make_recommendation(),
        lead=partner,
        target_date=date(2016, 6, 30),
    )
    db.session.commit()
    day = date(2016, 2, 12)
    chasing.run_chasing(day, now=nine_am(day), cfg=config(clean_db))
    outbox.send_pending(now=nine_am(day), smtp=smtp_settings(port))
    to_manager = [m for m in inbox.messages if m["To"] == "dops@trust.example"]
    assert len(to_manager) == 1
    body = to_manager[0].get_body(preferencelist=("plain",)).get_content()
    assert "MAP-002" in body and "has no email address" in body
    # The admin outbox page says so too.
    admin = make_user(email="admin@trust.example", role="admin")
    db.session.commit()
    from tests.conftest import sign_in

    client = clean_db.test_client()
    sign_in(client, admin.email, "a-long-test-password")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "has no email address" in page


def test_a_leavers_action_is_chased_through_their_manager_until_it_is_reassigned(
    clean_db, scenario
):
    from tracker.services.access import people

    admin = make_user(role="admin")
    lead, manager = (
        scenario["lead"],
        db.session.execute(select(User).where(User.email == "dops@trust.example")).scalar_one(),
    )
    lead.line_manager_id = manager.id
    db.session.commit()
    people.mark_left(lead.id, actor_id=admin.id, now=nine_am(date(2016, 2, 11)))
    plan = chasing.plan_chases(date(2016, 2, 12), config(clean_db))
    emails = {d.email for d in plan.digests}
    assert "lead@trust.example" not in emails
    to_manager = next(d for d in plan.digests if d.email == "dops@trust.example")
    assert any("MAP-001" in c.text and "has left" in c.note for c in to_manager.chases)

    successor = make_user(email="successor@trust.example")
    db.session.commit()
    people.reassign_actions(
        lead.id, successor.id, actor_id=admin.id, now=nine_am(date(2016, 2, 11))
    )
    plan = chasing.plan_chases(date(2016, 2, 12), config(clean_db))
    to_successor = next(d for d in plan.digests if d.email == "successor@trust.example")
    assert any("MAP-001" in c.text for c in to_successor.chases)
    assert not any(
        "MAP-001" in c.text
        for d in plan.digests
        if d.email == "dops@trust.example"
        for c in d.chases
    )
