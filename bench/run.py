"""The whole benchmark: gunicorn on SQLite and on PostgreSQL at 10x, measured from another process.

    .venv/bin/python bench/run.py [--scale 10] [--databases sqlite,postgresql] [--pg-url URL]

For each database it builds the data set (`generate.build`: 50 history rows per action, a quarter
of open actions overdue on 5 February 2016), counts each URL's SQL statements in-process through
the Flask test client, starts gunicorn (2 workers x 4 threads, production settings, today fixed
at the demo date) on a free loopback port, and runs a client process that signs in and measures
every URL in `CASES` with 1 and then 8 concurrent clients, sign-in itself, and a page served
during a burst of 8 sign-ins. Then it reads each worker's peak RSS, stops gunicorn, and times the
chasing for every working day of cycle 3. It prints figures only: the targets live in
bench/README.md and the issue, never in the test suite. Every request loop is bounded in count
and in time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.py and tracker/ live beside bench/

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEMO_TODAY = "2016-02-05"
NORTH_HEAD = "north.hos@trust.example"
# Sign-ins are rate limited per address in production; the bench signs in many times from one.
BENCH_RATE_LIMIT = "100000 per minute"

# Bounds of every request loop: (requests, seconds) per case, whichever ends first.
ONE_CLIENT = (20, 5.0)
EIGHT_CLIENTS = (80, 8.0)
WARM_UP = 2
SIGN_IN_BURST = 8


@dataclass(frozen=True)
class Case:
    """One thing to measure. `who` signs in: the bench reader (a chair) or the North head.
    Redmine's p50 range in ms from the issue's table, with 1 client and with 8, where one exists.
    A URL that answers 404 is printed as "not built yet", so it switches itself on when built."""

    name: str
    url: str
    who: str = "reader"
    redmine_1: tuple[float, float] | None = None
    redmine_8: tuple[float, float] | None = None
    target_p50: float | None = None  # the target at 10x: p50 with 1 client, ms
    alternatives: tuple[str, ...] = ()  # addresses tried in turn while `url` answers 404
    target_p95_8: float | None = None  # and p95 with 8 clients, ms
    target_first_byte: float | None = None  # when set, time to the first body byte too (1 client)


OVERDUE = {"target_p50": 20, "target_p95_8": 200}
CASES = (
    Case(
        "overdue list, HTML",
        "/plans/main?overdue=true",
        redmine_1=(266, 443),
        redmine_8=(1300, 2500),
        **OVERDUE,
    ),
    Case(
        "overdue list, API (100)",
        "/api/v1/actions?overdue=true&per_page=100",
        redmine_1=(214, 291),
        **OVERDUE,
    ),
    Case("action page, 50 history rows", "/actions/MAP-001", redmine_1=(193, 216), target_p50=15),
    Case("plan overview", "/overview", target_p50=30, alternatives=("/",)),
    Case("home page (your own work)", "/"),
    Case("main plan page (1,830 rows at 10x)", "/plans/main"),
    Case("locality return form (North head)", "/returns/north/3", who="north"),
    Case("as_at view 2016-01-20", "/plans/main?as_at=2016-01-20", target_p50=100),
    # Not built when this was written: listed so that each switches on when it answers.
    # Redmine's list was every project's overdue issues, 100 a page: this is the closest match.
    Case(
        "overdue across all plans, most days overdue first",
        "/actions/overdue",
        redmine_1=(266, 443),
        redmine_8=(1300, 2500),
        alternatives=("/actions?overdue=true",),
        **OVERDUE,
    ),
    Case(
        "overdue across all plans, API (100)",
        "/api/v1/actions/overdue",
        redmine_1=(214, 291),
        **OVERDUE,
    ),
    Case("all actions list", "/actions"),
    Case("chair's dashboard", "/dashboard", target_p50=30),
    Case("chair's dashboard, API (its counts and charts as JSON)", "/api/v1/dashboard"),
    Case("chair's dashboard, one locality", "/dashboard?plan=north"),
    Case(
        "CSV export, every action",
        "/api/v1/exports/plan.csv",
        redmine_1=(1400, 1900),
        target_p50=200,
        target_first_byte=50,
    ),
    Case("XLSX export, every action", "/api/v1/exports/plan.xlsx", target_p50=1000),
    # The bench's history is dense: a third of it (57,000 rows at 10x) falls in the last week.
    Case("what changed since the last meeting", "/changes?since=2016-01-29"),
    Case("Getting to Good agenda", "/agenda?since=2016-01-29"),
    Case("inspection and deadline", "/inspection"),
)
SIGN_IN_REDMINE = (11, 16)
BURST_CASE = "plan overview"  # the page measured while 8 sign-ins run at once


# ---------------------------------------------------------------------------------------------
# The client: its own process, plain http.client with keep-alive and a cookie jar per client.


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        body = urlencode(form).encode() if form is not None else None
        headers = {"Accept-Encoding": "gzip"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)  # as a browser does, inside the timing
                break
            except (HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, data

    def first_byte(self, path: str) -> tuple[int, float]:
        """GET `path`: the ms until its first body byte arrives (the rest is read, untimed)."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            try:
                start = time.perf_counter()
                self.conn.request(
                    "GET", path, headers={"Accept-Encoding": "gzip", "Cookie": cookie}
                )
                response = self.conn.getresponse()
                response.read(1)
                elapsed = (time.perf_counter() - start) * 1000
                response.read()
                return response.status, elapsed
            except (HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def sign_in(self, email: str, password: str) -> float:
        """Sign in through the form (CSRF token and all); the POST's time in ms."""
        self.cookies.clear()
        status, html = self.request("GET", "/sign-in")
        token = csrf_token(html.decode())
        start = time.perf_counter()
        status, _ = self.request(
            "POST", "/sign-in", {"email": email, "password": password, "csrf_token": token}
        )
        elapsed = (time.perf_counter() - start) * 1000
        if status != 302:
            raise RuntimeError(f"sign-in as {email} answered {status}")
        return elapsed


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the sign-in page")
    return match.group(1)


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # ms
    seconds: float = 0.0
    statuses: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        if not self.samples:
            return {"n": 0, "p50": None, "p95": None, "rps": None}
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return {
            "n": len(ordered),
            "p50": statistics.median(ordered),
            "p95": p95,
            "rps": len(ordered) / self.seconds if self.seconds else None,
            "errors": sum(1 for s in self.statuses if s >= 400),
        }


def drive(clients: list[Client], one: Callable[[Client], tuple[int, float]], limit) -> Timing:
    """Each client in its own thread calls `one` until `limit` (requests, seconds) is reached."""
    count, seconds = limit
    timing = Timing()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    issued = 0

    def loop(client: Client) -> None:
        nonlocal issued
        while time.perf_counter() < deadline:
            with lock:
                if issued >= count:
                    return
                issued += 1
            status, ms = one(client)
            with lock:
                timing.samples.append(ms)
                timing.statuses.append(status)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(loop, clients))
    timing.seconds = time.perf_counter() - start
    return timing


def timed_get(path: str) -> Callable[[Client], tuple[int, float]]:
    def one(client: Client) -> tuple[int, float]:
        start = time.perf_counter()
        status, _ = client.request("GET", path)
        return status, (time.perf_counter() - start) * 1000

    return one


def client_main(
    port: int,
    out: Path,
    cases: list[dict],
    reader: tuple[str, str],
    north: tuple[str, str],
    master: int,
    burst_url: str,
) -> None:
    """The measuring process: sign in, then every case with 1 and with 8 clients. It reads the
    workers' peak RSS between phases (same machine), to say which phase raised it."""
    memory = {"started": worker_peaks_mb(master)}
    accounts = {"reader": reader, "north": north}
    pools = {who: [Client(port) for _ in range(8)] for who in accounts}
    for who, clients in pools.items():
        for client in clients:
            client.sign_in(*accounts[who])  # one at a time
    memory["after 16 sign-ins, one at a time"] = worker_peaks_mb(master)
    results: dict[str, dict] = {"memory": memory}
    for case in cases:
        clients = pools[case["who"]]
        one = timed_get(case["url"])
        for _ in range(WARM_UP):
            one(clients[0])
        single = drive(clients[:1], one, ONE_CLIENT)
        eight = drive(clients, one, EIGHT_CLIENTS)
        results[case["name"]] = {"1": single.summary(), "8": eight.summary()}
        if case.get("target_first_byte") is not None:
            results[case["name"]]["first byte"] = drive(
                clients[:1], lambda c, url=case["url"]: c.first_byte(url), ONE_CLIENT
            ).summary()

    def sign_in_once(client: Client) -> tuple[int, float]:
        return 302, client.sign_in(*reader)

    memory["after the pages, 1 and 8 clients"] = worker_peaks_mb(master)
    fresh = [Client(port) for _ in range(8)]
    results["sign-in POST"] = {
        "1": drive(fresh[:1], sign_in_once, (10, 6.0)).summary(),
        "8": drive(fresh, sign_in_once, (24, 10.0)).summary(),
    }
    # A page served alone, then while 8 people sign in at once (3 times each).
    page = timed_get(burst_url)
    watcher = pools["reader"][0]
    alone = drive([watcher], page, (20, 5.0)).summary()
    burst_timing: dict[str, Timing] = {}

    def burst() -> None:
        burst_timing["sign-in"] = drive(fresh, sign_in_once, (SIGN_IN_BURST * 3, 20.0))

    thread = threading.Thread(target=burst)
    thread.start()
    during = Timing()
    start = time.perf_counter()
    while thread.is_alive() and len(during.samples) < 200:
        status, ms = page(watcher)
        during.samples.append(ms)
        during.statuses.append(status)
    during.seconds = time.perf_counter() - start
    thread.join()
    results["burst"] = {
        "page": burst_url,
        "alone": alone,
        "during": during.summary(),
        "sign-ins": burst_timing["sign-in"].summary(),
    }
    memory["after sign-ins, 8 at once"] = worker_peaks_mb(master)
    out.write_text(json.dumps(results))


# ---------------------------------------------------------------------------------------------
# The orchestrator: build, count statements, serve, measure, read memory, chase.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, log: Path, hash_method: str | None) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")},
        "PYTHONPATH": str(ROOT),
        "TRACKER_CONFIG": "production",
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_DATABASE_URL": url,
        "TRACKER_TODAY": DEMO_TODAY,
        "TRACKER_SECURE_COOKIES": "0",
        "TRACKER_SIGN_IN_RATE_LIMIT": BENCH_RATE_LIMIT,
    }
    if hash_method:
        env["TRACKER_PASSWORD_HASH_METHOD"] = hash_method
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout", "120", "wsgi:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: see {log}\n{log.read_text()[-2000:]}")
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/sign-in")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def worker_peaks_mb(master: int) -> list[float]:
    """VmHWM (peak resident set) of each gunicorn worker, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def counting_app(url: str, hash_method: str | None):
    """Production settings in-process, to count each URL's statements with the test client."""
    from config import Config
    from tracker import create_app

    return create_app(
        Config,
        PASSWORD_HASH_METHOD=hash_method or Config.PASSWORD_HASH_METHOD,
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_hex(32),
        TODAY=DEMO_TODAY,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        SIGN_IN_RATE_LIMIT=BENCH_RATE_LIMIT,
    )


def count_statements(app, cases: tuple[Case, ...], accounts: dict[str, tuple[str, str]]):
    """Each case's statements in-process, the address that answered, and why a case is left out.

    Returns ({name: statements}, {name: url}, {name: "not built yet" or "answered 400"}); the
    sign-in POST's count is under "sign-in POST"."""
    from sqlalchemy import event

    from tracker.extensions import db

    counts: dict[str, int] = {}
    resolved: dict[str, str] = {}
    left_out: dict[str, str] = {}
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*_args) -> None:
        counter["n"] += 1

    clients = {}
    for who, (email, password) in accounts.items():
        client = app.test_client()
        html = client.get("/sign-in").get_data(as_text=True)
        token = csrf_token(html)
        data = {"email": email, "password": password, "csrf_token": token}
        event.listen(engine, "before_cursor_execute", count)
        counter["n"] = 0
        response = client.post("/sign-in", data=data)
        event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 302:
            raise RuntimeError(f"in-process sign-in as {email} answered {response.status_code}")
        counts["sign-in POST"] = counter["n"]
        clients[who] = client
    for case in cases:
        client = clients[case.who]
        for url in (case.url, *case.alternatives):
            status = client.get(url).status_code  # warm, and is it there?
            if status != 404:
                break
        if status != 200:
            left_out[case.name] = "not built yet" if status == 404 else f"answered {status}"
            continue
        event.listen(engine, "before_cursor_execute", count)
        counter["n"] = 0
        client.get(url)
        event.remove(engine, "before_cursor_execute", count)
        counts[case.name] = counter["n"]
        resolved[case.name] = url
    with app.app_context():
        db.session.remove()
    return counts, resolved, left_out


def time_chasing(app) -> dict[str, float | int]:
    """`flask tracker chase --today D` for every working day of cycle 3, through the service."""
    from sqlalchemy import event, select

    from tracker.domain.calendar import LONDON
    from tracker.extensions import db
    from tracker.models import UpdateCycle
    from tracker.services.mail import chasing

    with app.app_context():
        cycle = db.session.execute(select(UpdateCycle).where(UpdateCycle.number == 3)).scalar_one()
        days = [
            cycle.opens_on + timedelta(days=i)
            for i in range((cycle.due_on - cycle.opens_on).days + 1)
            if (cycle.opens_on + timedelta(days=i)).weekday() < 5
        ]
        cfg = chasing.ChaseConfig.from_mapping(app.config)
        counter = {"n": 0}

        def count(*_args) -> None:
            counter["n"] += 1

        times, messages = [], 0
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for day in days:
                now = datetime.combine(day, datetime.min.time().replace(hour=9), LONDON).astimezone(
                    UTC
                )
                start = time.perf_counter()
                run = chasing.run_chasing(day, now=now, cfg=cfg)
                times.append(time.perf_counter() - start)
                messages += run.written_messages
                db.session.remove()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return {
        "days": len(days),
        "first": days[0].isoformat(),
        "last": days[-1].isoformat(),
        "total_ms": sum(times) * 1000,
        "slowest_ms": max(times) * 1000,
        "statements": counter["n"],
        "messages": messages,
    }


@dataclass
class DatabaseRun:
    name: str
    version: str
    build: dict
    statements: dict
    http: dict
    peaks_mb: list[float]
    chase: dict
    seconds: float
    resolved: dict[str, str]
    left_out: dict[str, str]


def run_database(kind: str, scale: int, pg_url: str, hash_method: str | None) -> DatabaseRun:
    from sqlalchemy import text

    from bench.generate import (
        BENCH_PASSWORD,
        BENCH_USER,
        DEMO_PASSWORD,
        bench_app,
        build,
        create_database,
        drop_database,
    )
    from tracker.extensions import db

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-run-"))
    pg_name = f"bench_run_{os.getpid()}"
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        url = create_database(pg_url, pg_name)
    process = None
    try:
        print(f"\n== {kind}: building {scale}x ...", flush=True)
        built = build(bench_app(url), scale, hash_method=hash_method)
        print(
            "   rows: "
            + ", ".join(f"{k} {v:,}" for k, v in built.rows.items())
            + f"; open {built.overdue['open']:,}, overdue {built.overdue['overdue']:,}; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in built.seconds.items()),
            flush=True,
        )
        accounts = {"reader": (BENCH_USER, BENCH_PASSWORD), "north": (NORTH_HEAD, DEMO_PASSWORD)}
        app = counting_app(url, hash_method)
        with app.app_context():
            if kind == "sqlite":
                version = (
                    "SQLite " + db.session.execute(text("select sqlite_version()")).scalar_one()
                )
            else:
                version = db.session.execute(text("show server_version")).scalar_one()
                version = "PostgreSQL " + version.split()[0]
            db.session.remove()
        statements, resolved, left_out = count_statements(app, CASES, accounts)
        with app.app_context():
            db.engine.dispose()
        port = free_port()
        process = start_gunicorn(url, port, folder / "gunicorn.log", hash_method)
        live = [{**asdict(c), "url": resolved[c.name]} for c in CASES if c.name in resolved]
        out = folder / "client.json"
        print(f"   gunicorn on 127.0.0.1:{port}; measuring {len(live)} URLs ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--client",
                str(port),
                str(out),
                json.dumps(
                    {
                        "cases": live,
                        "reader": accounts["reader"],
                        "north": accounts["north"],
                        "master": process.pid,
                        "burst_url": resolved.get(BURST_CASE, "/"),
                    }
                ),
            ],
            check=True,
            timeout=400,
        )
        http = json.loads(out.read_text())
        peaks = worker_peaks_mb(process.pid)
        process.terminate()
        process.wait(timeout=30)
        process = None
        chase = time_chasing(app)
        with app.app_context():
            db.engine.dispose()
        return DatabaseRun(
            kind,
            version,
            asdict(built),
            statements,
            http,
            peaks,
            chase,
            time.perf_counter() - started,
            resolved,
            left_out,
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if kind == "postgresql":
            drop_database(pg_url, pg_name)
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Printing.


def ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:.0f}" if value >= 10 else f"{value:.1f}")


def ratio(redmine: tuple[float, float] | None, tracker: float | None) -> str:
    """Redmine's p50 range over ours: above 1 means we are faster."""
    if redmine is None or tracker is None or tracker <= 0:
        return ""
    low, high = redmine[0] / tracker, redmine[1] / tracker
    word = "faster" if low >= 1 else ("slower" if high < 1 else "about even")
    return f"{low:.2g}-{high:.2g}x {word}"


def target(case: Case | None, one: dict, eight: dict) -> str:
    if case is None:
        return ""
    verdicts = []
    for label, goal, value in (
        ("p50", case.target_p50, one["p50"]),
        ("p95 at 8", case.target_p95_8, eight["p95"]),
    ):
        if goal is not None and value is not None:
            verdicts.append(f"{label} <= {goal:g}: {'met' if value <= goal else 'NOT met'}")
    return "; ".join(verdicts)


HEADER = (
    "| case | URL | SQL statements | 1 client p50 / p95 ms | req/s | 8 clients p50 / p95 ms "
    "| req/s | vs Redmine p50 (1 / 8 clients) | issue's target |"
)


def table(run: DatabaseRun) -> list[str]:
    lines = [f"### {run.version}", "", HEADER, "|---|---|---|---|---|---|---|---|---|"]
    rows = [(c.name, c) for c in CASES] + [("sign-in POST", None)]
    for name, case in rows:
        count = run.statements.get(name)
        figures = run.http.get(name)
        url = f"`{run.resolved.get(name) or (case.url if case else '/sign-in')}`"
        if figures is None:
            lines.append(f"| {name} | {url} | {run.left_out.get(name, '-')} | | | | | | |")
            continue
        one, eight = figures["1"], figures["8"]
        errors = one.get("errors", 0) + eight.get("errors", 0)
        note = f" ({errors} errors)" if errors else ""
        redmine_1 = case.redmine_1 if case else SIGN_IN_REDMINE
        redmine_8 = case.redmine_8 if case else None
        vs = " / ".join(
            filter(None, [ratio(redmine_1, one["p50"]), ratio(redmine_8, eight["p50"])])
        )
        lines.append(
            f"| {name}{note} | {url} | {count} | {ms(one['p50'])} / {ms(one['p95'])} "
            f"| {one['rps']:.1f} "
            f"| {ms(eight['p50'])} / {ms(eight['p95'])} | {eight['rps']:.1f} | {vs} "
            f"| {target(case, one, eight)} |"
        )
    for name, case in rows:
        first = (run.http.get(name) or {}).get("first byte")
        if case is not None and first and first["p50"] is not None:
            goal = case.target_first_byte
            lines += [
                "",
                f"{name}: first byte after p50 {ms(first['p50'])} ms, p95 {ms(first['p95'])} ms "
                f"(1 client; target <= {goal:g}: {'met' if first['p50'] <= goal else 'NOT met'}).",
            ]
    burst = run.http["burst"]
    alone, during, signs = burst["alone"], burst["during"], burst["sign-ins"]
    chase = run.chase
    peak = max(run.peaks_mb) if run.peaks_mb else 0
    lines += [
        "",
        f"Sign-in burst: page `{burst['page']}` with 1 client alone: p50 {ms(alone['p50'])} ms, "
        f"p95 {ms(alone['p95'])} ms; while {SIGN_IN_BURST} clients sign in at once "
        f"({signs['n']} sign-ins, p50 {ms(signs['p50'])} ms, p95 {ms(signs['p95'])} ms): "
        f"p50 {ms(during['p50'])} ms, p95 {ms(during['p95'])} ms ({during['n']} requests).",
        "",
        f"Chasing, every working day of cycle 3 ({chase['first']} to {chase['last']}, "
        f"{chase['days']} runs, through the service): {ms(chase['total_ms'])} ms in all "
        f"(target <= 1000: {'met' if chase['total_ms'] <= 1000 else 'NOT met'}), slowest day "
        f"{ms(chase['slowest_ms'])} ms, {chase['statements']} statements, "
        f"{chase['messages']} digests written.",
        "",
        "Gunicorn workers' peak RSS (VmHWM) after the run: "
        + ", ".join(f"{p:.0f} MB" for p in run.peaks_mb)
        + f" (target <= 150 MB: {'met' if peak <= 150 else 'NOT met'}); along the way: "
        + "; ".join(
            f"{phase} " + ", ".join(f"{p:.0f}" for p in peaks)
            for phase, peaks in run.http["memory"].items()
        )
        + " MB.",
        "",
        "Data: "
        + ", ".join(f"{k} {v:,}" for k, v in run.build["rows"].items())
        + f"; {run.build['overdue']['overdue']:,} of {run.build['overdue']['open']:,} open "
        "actions overdue. Build: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in run.build["seconds"].items())
        + f". This database's whole run: {run.seconds:.0f} s.",
    ]
    return lines


def machine() -> list[str]:
    memory = next(
        (
            line.split(":")[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    cpu = next(
        (
            line.split(":")[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    kib = int(memory.split()[0]) if memory != "?" else 0
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), "
        f"{kib / 1024 / 1024:.1f} GiB memory, {cpu}",
        f"- Python {platform.python_version()}",
    ]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--client"]:
        port, out, spec = int(argv[1]), Path(argv[2]), json.loads(argv[3])
        client_main(
            port,
            out,
            spec["cases"],
            tuple(spec["reader"]),
            tuple(spec["north"]),
            spec["master"],
            spec["burst_url"],
        )
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=PG_URL, help=f"PostgreSQL server (default {PG_URL})")
    parser.add_argument(
        "--hash-method",
        default=None,
        help="hash the accounts' passwords this way instead of production's, e.g. "
        "scrypt:32768:8:3 (to compare sign-in cost and memory)",
    )
    parser.add_argument("--write", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    runs = [
        run_database(kind, args.scale, args.pg_url, args.hash_method)
        for kind in args.databases.split(",")
    ]
    load_after = os.getloadavg()
    busy = max(load_before[0], load_after[0]) > 1
    report = [f"## Run at {args.scale}x", "", *machine()]
    report.append("- databases: " + ", ".join(r.version for r in runs))
    report.append(
        f"- load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} "
        f"{load_before[2]:.2f}; after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
        + (" — **measured on a busy machine**: other work shared the 2 cores" if busy else "")
    )
    from config import Config

    report.append(f"- password hashes: {args.hash_method or Config.PASSWORD_HASH_METHOD}")
    report.append(f"- whole run: {time.perf_counter() - started:.0f} s")
    for run in runs:
        report += ["", *table(run)]
    text = "\n".join(report)
    print("\n" + text)
    if args.write:
        args.write.write_text(text + "\n")


if __name__ == "__main__":
    main()
