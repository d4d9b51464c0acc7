"""What the outbox promises, tested with real processes and a real SMTP server, on SQLite and on
PostgreSQL: two senders at once deliver each message once; a sender killed after the server
accepted a message makes that attempt count, back off, and stop after the last attempt."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import tempfile
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.builders import make_outbox_message, make_user
from tests.services import outbox_sender
from tests.services.test_chasing_mail import free_port
from tracker.extensions import db
from tracker.models import DeliveryAttempt, OutboxMessage
from tracker.services.mail import outbox

T0 = datetime(2016, 2, 5, 9, 0, tzinfo=UTC)


class SlowInbox:
    """Accepts every message, a little slowly, so two senders overlap; counts Message-IDs."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(0.01)
        for line in envelope.content.decode().splitlines():
            if line.lower().startswith("message-id:"):
                with self.lock:
                    self.ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


@pytest.fixture
def inbox():
    box, port = SlowInbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


# Each sender is a process of its own, forked from a server that imported the app once: a real
# process that dies for real, without two seconds of imports for each of the test's twenty.
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.services.outbox_sender"])


class Sender:
    """A sender process, answering as a `subprocess.Popen` does (`communicate`, `returncode`)."""

    def __init__(self, argv: list[str]) -> None:
        handle, self.out = tempfile.mkstemp(prefix="sender-", suffix=".txt")
        os.close(handle)
        self.process = FORKS.Process(target=outbox_sender.run_to_file, args=(argv, self.out))
        self.process.start()

    def communicate(self, timeout: float) -> tuple[str, str]:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            raise subprocess.TimeoutExpired("outbox sender", timeout)
        output = Path(self.out).read_text(encoding="utf-8")
        os.unlink(self.out)
        return output, ""

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode


def _sender(url: str, port: int, now: datetime, *extra: str) -> Sender:
    return Sender([url, str(port), now.isoformat(), *extra])


def _messages(n: int) -> None:
    person = make_user(email="lead@trust.example")
    for _ in range(n):
        make_outbox_message(to=person, created_at=T0 - timedelta(minutes=1))
    db.session.commit()


def test_two_senders_at_once_deliver_every_message_exactly_once(clean_db, inbox):
    box, port = inbox
    _messages(40)
    url = clean_db.config["SQLALCHEMY_DATABASE_URI"]
    go = Path(tempfile.mkdtemp()) / "go"
    senders = [_sender(url, port, T0, "--wait-for", str(go)) for _ in range(2)]
    go.touch()
    outputs = [p.communicate(timeout=120) for p in senders]
    assert [p.returncode for p in senders] == [0, 0], outputs

    assert len(box.ids) == 40, Counter(box.ids).most_common(3)
    assert len(set(box.ids)) == 40
    db.session.expire_all()
    assert set(db.session.execute(select(OutboxMessage.status)).scalars()) == {"sent"}
    assert db.session.execute(select(func.sum(OutboxMessage.attempts))).scalar_one() == 40
    attempts = db.session.execute(select(DeliveryAttempt.outcome)).scalars().all()
    assert Counter(attempts) == {"sent": 40}
    # Both senders took part: the test really ran them side by side.
    sent_by = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent_by) == 40


def test_a_sender_killed_after_the_server_accepted_counts_backs_off_and_gives_up(clean_db, inbox):
    box, port = inbox
    _messages(1)
    url = clean_db.config["SQLALCHEMY_DATABASE_URI"]
    now = T0
    for kill in range(10):
        killed = _sender(url, port, now, "--die-after-accept")
        killed.communicate(timeout=60)
        assert (killed.returncode != 0) == (kill < outbox.MAX_ATTEMPTS)
        # Restarted at once: the claim is still young, so nothing is sent again yet.
        again = _sender(url, port, now + timedelta(seconds=30))
        again.communicate(timeout=60)
        assert len(box.ids) == min(kill + 1, outbox.MAX_ATTEMPTS)
        now += outbox.CLAIM_LEASE + outbox.BACKOFF_CAP  # past the lease and any back-off

    db.session.expire_all()
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert len(box.ids) == outbox.MAX_ATTEMPTS  # not one per restart
    assert message.attempts == outbox.MAX_ATTEMPTS == len(box.ids)
    assert message.status == "failed"
    assert message.claimed_by is None
    outcomes = db.session.execute(
        select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.number)
    ).scalars()
    assert list(outcomes) == ["crashed"] * outbox.MAX_ATTEMPTS


def test_a_crashed_attempt_waits_for_its_back_off_before_the_next(clean_db, inbox):
    box, port = inbox
    _messages(1)
    url = clean_db.config["SQLALCHEMY_DATABASE_URI"]
    _sender(url, port, T0, "--die-after-accept").communicate(timeout=60)
    assert len(box.ids) == 1
    # Past the lease the crash is counted, but the first back-off (2 minutes from the attempt)
    # has passed too, so the message goes again, and is then sent.
    later = T0 + outbox.CLAIM_LEASE + timedelta(seconds=1)
    with clean_db.app_context():
        result = outbox.send_pending(
            now=later,
            smtp=outbox.SmtpSettings("127.0.0.1", port, False, None, None, "tracker@trust.example"),
        )
    assert result.sent == 1
    assert len(box.ids) == 2 and len(set(box.ids)) == 1  # the same Message-ID both times
    db.session.expire_all()
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.status, message.attempts) == ("sent", 2)
    outcomes = db.session.execute(
        select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.number)
    ).scalars()
    assert list(outcomes) == ["crashed", "sent"]
