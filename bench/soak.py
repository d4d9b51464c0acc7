"""Scale-out soak: two app servers, each its own host, behind one PostgreSQL, with shared Redis
limits and the scheduler lock, while one server is killed (SIGKILL) and restarted.

    .venv/bin/python bench/soak.py [--seconds 60] [--clients 16] [--pg-url URL]

What it does, in about a minute and a half:

1. Builds a database `soak_tracker` on the PostgreSQL server (the illustrative seed), an API
   token for each locality head, and 200 pending outbox messages.
2. Starts two gunicorn servers (2 workers x 4 threads each) on 127.0.0.2 and 127.0.0.3, the
   same secret key, Redis for rate limits; on each "host" a scheduler (one holds PostgreSQL's
   advisory lock, the other waits) and a loop of `tracker outbox send` (two senders at once),
   all delivering to one SMTP server in this process that records every Message-ID.
3. Runs `--clients` writers for `--seconds`: each reads a locality action and posts an update
   with the version it read, to either server in turn. A third of the way in, server A and its
   sender are killed with SIGKILL; they are restarted five seconds later.
4. Prints: writes accepted, conflicts (409), other refusals, 5xx (must be 0), connections lost
   to the killed server, history rows written during the soak (must equal writes accepted: no
   lost update), messages versus deliveries (equal, and no Message-ID twice), and which
   schedulers held the lock.

Exit status 1 if any of the promises fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HOSTS = ("127.0.0.2", "127.0.0.3")
TODAY = "2016-02-05"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An SMTP server that keeps every Message-ID it accepts."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                with self.lock:
                    self.ids.append(line.split(":", 1)[1].strip())
                break
        return "250 OK"


def prepare(pg_url: str) -> tuple[str, dict[str, list[str]], dict[str, str]]:
    """The soak database: seed, a token per locality head, open locality actions, 200 messages."""
    from generate import bench_app, create_database
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Action, ActionState, OutboxMessage, Plan, User
    from tracker.services.access import auth
    from tracker.services.platform.seed import load_seed

    url = create_database(pg_url, "soak_tracker")
    app = bench_app(url)
    now = datetime(2016, 2, 5, 0, 1, tzinfo=UTC)  # due at once on the servers' fixed day
    with app.app_context():
        db.create_all()
        load_seed(
            app.config["SEED_DIR"],
            now=datetime(2016, 1, 4, 9, tzinfo=UTC),
            demo_password="illustrative-demo-2016",
            hash_method="pbkdf2:sha256:1000",
        )
        tokens, refs = {}, {}
        for locality in ("north", "south", "east", "central"):
            tokens[locality] = auth.create_token(f"{locality}.hos@trust.example", now=now)
            refs[locality] = list(
                db.session.execute(
                    select(Action.ref)
                    .join(Plan, Plan.id == Action.plan_id)
                    .join(ActionState, ActionState.action_id == Action.id)
                    .where(
                        Plan.code == locality,
                        ActionState.lifecycle.in_(["not_started", "in_progress"]),
                    )
                ).scalars()
            )
        someone = db.session.execute(
            select(User).where(User.email == "north.hos@trust.example")
        ).scalar_one()
        for n in range(200):
            db.session.add(
                OutboxMessage(
                    key=f"soak|{n}",
                    run_day=now.date(),
                    recipient_id=someone.id,
                    to_address=someone.email,
                    subject=f"Soak message {n}",
                    body_text="Illustrative soak message.",
                    body_html="<p>Illustrative soak message.</p>",
                    created_at=now,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    last_error="",
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, refs, tokens


def environment(url: str, smtp_port: int, secret: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")},
        "PYTHONPATH": str(ROOT),
        "TRACKER_CONFIG": "production",
        "TRACKER_SECRET_KEY": secret,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_TODAY": TODAY,
        "TRACKER_SECURE_COOKIES": "0",
        "TRACKER_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/13",
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": str(smtp_port),
        "TRACKER_LOG_FORMAT": "json",
    }


def start_server(host: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--threads", "4", "--bind", f"{host}:{port}"]
        + ["--timeout", "60", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz?only=database")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on {host}:{port} did not start: see {log}")


def start_sender_loop(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`tracker outbox send` every half second, for ever (until killed)."""
    flask = Path(sys.executable).parent / "flask"
    script = f"while true; do {flask} --app wsgi tracker outbox send; sleep 0.5; done"
    return subprocess.Popen(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_scheduler(env: dict[str, str], log: Path) -> subprocess.Popen:
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "wsgi", "tracker", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.accepted: list[str] = []  # the summary of every write answered 201

    def add(self, what: str, summary: str | None = None) -> None:
        with self.lock:
            self.counts[what] += 1
            if summary is not None:
                self.accepted.append(summary)


def writer(stop: float, servers: list[tuple[str, int]], tokens, refs, tally: Tally, seed: int):
    rng = random.Random(seed)
    locality = rng.choice(sorted(tokens))
    headers = {"Authorization": f"Bearer {tokens[locality]}", "Content-Type": "application/json"}
    turn = seed
    while time.monotonic() < stop:
        turn += 1
        host, port = servers[turn % len(servers)]
        ref = rng.choice(refs[locality])
        try:
            conn = HTTPConnection(host, port, timeout=10)
            conn.request("GET", f"/api/v1/actions/{ref}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status >= 500:
                tally.add("5xx")
                continue
            if response.status != 200:
                tally.add(f"read {response.status}")
                continue
            action = json.loads(body)
            update = {
                "version": action["version"],
                "lifecycle": action["lifecycle"],
                "rag": rng.choice(["red", "amber", "green"]),
                "impact": action["impact"],
                "summary": f"Soak update {rng.randrange(10**9)}: illustrative.",
                "reason": "Illustrative soak test: the rating is exercised.",
            }
            conn.request(
                "POST", f"/api/v1/actions/{ref}/updates", body=json.dumps(update), headers=headers
            )
            response = conn.getresponse()
            response.read()
            conn.close()
        except OSError:
            tally.add("connections lost")  # the killed server, or one starting again
            continue
        if response.status == 201:
            tally.add("accepted", update["summary"])
        elif response.status == 409:
            tally.add("conflicts")
        elif response.status >= 500:
            tally.add("5xx")
        else:
            tally.add(f"refused {response.status}")


def feed_messages(url: str, stop: float, made: list[int]) -> None:
    """Ten new pending messages a second while the soak runs, so the senders are busy when one
    is killed."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    n = 0
    while time.monotonic() < stop:
        with engine.begin() as conn:
            person = conn.execute(
                text("SELECT id, email FROM user_account WHERE email = 'north.hos@trust.example'")
            ).one()
            for _ in range(10):
                n += 1
                conn.execute(
                    text(
                        "INSERT INTO outbox_message (key, run_day, recipient_id, to_address, "
                        "subject, body_text, body_html, created_at, status, attempts, "
                        "next_attempt_at, last_error) VALUES (:key, '2016-02-05', :id, :email, "
                        "'Soak', 'Illustrative.', '<p>Illustrative.</p>', '2016-02-05 00:01', "
                        "'pending', 0, '2016-02-05 00:01', '')"
                    ),
                    {"key": f"soak-live|{n}", "id": person.id, "email": person.email},
                )
        time.sleep(1)
    made.append(n)
    engine.dispose()


def history_rows(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM action_update")).scalar_one()
    engine.dispose()
    return n


def missing_writes(url: str, summaries: list[str]) -> int:
    """Accepted writes whose history row is not there: lost updates."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        found = (
            conn.execute(
                text(
                    "SELECT count(DISTINCT summary) FROM action_update WHERE summary IN :s"
                ).bindparams(bindparam("s", expanding=True)),
                {"s": summaries},
            ).scalar_one()
            if summaries
            else 0
        )
    engine.dispose()
    return len(set(summaries)) - found


def scheduler_locks(url: str) -> tuple[int, int]:
    """(advisory locks held, advisory locks waited for) on the server now."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT granted, count(*) FROM pg_locks WHERE locktype = 'advisory' GROUP BY 1")
        ).all()
    engine.dispose()
    counts = dict(rows)
    return counts.get(True, 0), counts.get(False, 0)


def claimed_by_the_dead(url: str) -> int:
    """Messages still claimed at the end: a sender was killed mid-attempt. They are counted and
    retried after the claim's five-minute lease (tests/services/test_outbox_delivery.py)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM outbox_message WHERE claimed_by IS NOT NULL")
        ).scalar_one()
    engine.dispose()
    return n


def outbox_figures(url: str) -> tuple[int, int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        sent = conn.execute(
            text("SELECT count(*) FROM outbox_message WHERE status = 'sent'")
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM outbox_message")).scalar_one()
        attempts = conn.execute(text("SELECT count(*) FROM delivery_attempt")).scalar_one()
    engine.dispose()
    return sent, total, attempts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    started = time.monotonic()
    url, refs, tokens = prepare(args.pg_url)
    before = history_rows(url)
    sink, smtp_port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = environment(url, smtp_port, secrets.token_hex(32))
    logs = Path(ROOT / "instance")
    logs.mkdir(exist_ok=True)
    port = free_port()
    servers = [(host, port) for host in HOSTS]
    procs = {}
    for name, host in zip("AB", HOSTS, strict=True):
        procs[f"server {name}"] = start_server(host, port, env, logs / f"soak-server-{name}.log")
        procs[f"sender {name}"] = start_sender_loop(env, logs / f"soak-sender-{name}.log")
        procs[f"scheduler {name}"] = start_scheduler(env, logs / f"soak-scheduler-{name}.log")

    tally = Tally()
    stop = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=writer, args=(stop, servers, tokens, refs, tally, n))
        for n in range(args.clients)
    ]
    made: list[int] = []
    threads.append(threading.Thread(target=feed_messages, args=(url, stop, made)))
    for t in threads:
        t.start()
    kills = 0
    time.sleep(args.seconds / 6)
    locks = scheduler_locks(url)
    time.sleep(args.seconds / 6)
    kill_group(procs["server A"])
    kill_group(procs["sender A"])
    kills += 2
    time.sleep(5)
    procs["server A"] = start_server(HOSTS[0], port, env, logs / "soak-server-A.log")
    procs["sender A"] = start_sender_loop(env, logs / "soak-sender-A.log")
    for t in threads:
        t.join()
    # Let the senders finish what is pending, then stop everything.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent, total, _ = outbox_figures(url)
        if sent == total:
            break
        time.sleep(1)
    held = claimed_by_the_dead(url)
    for name, proc in procs.items():
        kill_group(proc, signal.SIGTERM if name.startswith("server") else signal.SIGKILL)
    controller.stop()

    written = history_rows(url) - before
    lost = missing_writes(url, tally.accepted)
    sent, total, attempts = outbox_figures(url)
    deliveries = len(sink.ids)
    twice = sum(1 for _, n in Counter(sink.ids).items() if n > 1)
    c = tally.counts
    print(f"Soak: {args.clients} clients, {args.seconds} s, servers on {', '.join(HOSTS)}:{port}")
    print(f"  writes accepted: {c['accepted']}, conflicts (409): {c['conflicts']}")
    others = {k: v for k, v in c.items() if k.startswith(("refused", "read"))}
    print(f"  other answers: {others or 'none'}")
    print(f"  5xx: {c['5xx']}")
    print(f"  connections lost to the killed server: {c['connections lost']}")
    print(
        f"  history rows written: {written}; accepted writes missing from the history (lost "
        f"updates): {lost}; rows beyond the accepted: {written - c['accepted']} (writes the "
        "killed server committed before its answer was lost)"
    )
    print(f"  kills survived: {kills} (server A and its sender, SIGKILL, restarted after 5 s)")
    print(
        f"  mail: {total} messages, {sent} sent, {deliveries} deliveries, "
        f"{attempts} attempts recorded, {twice} Message-IDs delivered twice; {held} held by "
        "a killed sender's claim (retried after its lease)"
    )
    print(f"  scheduler lock, mid-soak: {locks[0]} held, {locks[1]} waiting (two schedulers)")
    print(f"  whole run: {time.monotonic() - started:.0f} s")
    ok = (
        c["5xx"] == 0
        and lost == 0
        and 0 <= written - c["accepted"] <= c["connections lost"]
        and twice == 0
        and sent + held == total
        and sent <= deliveries <= sent + held
        and locks == (1, 1)
    )
    print("RESULT: " + ("every promise held" if ok else "a promise FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
