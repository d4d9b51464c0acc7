"""Time the plan reads at N times the illustrative seed and print a table of figures.

    .venv/bin/python bench/plan_queries.py [--scale 10] [--repeat 5] [--database-url URL]

Without --database-url it uses a fresh temporary SQLite file. With a PostgreSQL URL
(postgresql+psycopg://user@host:5432/db) it creates its own database `bench_tracker` on that
server and drops it afterwards. It prints figures only: the targets are in bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.py lives at the root, beside bench/

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from bench.generate import add_copies, count_rows  # noqa: E402
from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.clock import end_of_london_day_utc  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.services.plan import queries  # noqa: E402
from tracker.services.platform.seed import load_seed  # noqa: E402

TODAY = date(2016, 2, 5)  # the demo's "today", inside the story
AS_AT_DAY = date(2016, 1, 20)
SEED_NOW = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)  # as the test suite seeds
DEMO_PASSWORD = "illustrative-demo-2016"
VIEWER = "jsig.member@council.example"
PG_DATABASE = "bench_tracker"


@dataclass
class Figure:
    operation: str
    rows: int
    statements: int
    best_ms: float
    median_ms: float


class StatementCounter:
    """Counts SQL statements sent to an engine while active (as tests/conftest.py does)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *_args: object) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def measure(
    operation: str,
    read: Callable[[], int],
    *,
    engine: Engine,
    repeat: int,
    reset: Callable[[], None],
) -> Figure:
    """One warm-up run, one counted run, then `repeat` timed runs; `reset` runs between them."""
    read()
    reset()
    with StatementCounter(engine) as counter:
        rows = read()
    reset()
    times = []
    for _ in range(repeat):
        gc.collect()  # each run starts from a tidy heap, so one run's garbage is not the next's
        start = time.perf_counter()
        read()
        times.append((time.perf_counter() - start) * 1000)
        reset()
    return Figure(operation, rows, counter.count, min(times), statistics.median(times))


@contextmanager
def bench_database(url: str | None) -> Iterator[str]:
    """A fresh database URL: a temporary SQLite file, or `bench_tracker` on a PostgreSQL server."""
    if url is not None and url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and Path(path).exists():
            raise SystemExit(f"{path} exists: give a path to a new SQLite file")
    if url is None or url.startswith("sqlite"):
        folder = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        try:
            yield url or f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    try:
        yield server.set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def engine_options(url: str) -> dict:
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True}
    return {"connect_args": {"timeout": 30}}


def build(app: Flask, scale: int) -> tuple[dict[str, int], float, float]:
    """Schema, seed and scale copies: (row counts, seed seconds, copy seconds)."""
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        load_seed(
            app.config["SEED_DIR"],
            now=SEED_NOW,
            demo_password=DEMO_PASSWORD,
            hash_method=app.config["PASSWORD_HASH_METHOD"],
        )
        seeded = time.perf_counter()
        add_copies(scale)
        copied = time.perf_counter()
        counts = count_rows()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
            db.session.commit()
        db.session.remove()
    return counts, seeded - start, copied - seeded


def service_reads() -> list[tuple[str, Callable[[], int]]]:
    """The reads from tracker.services.plan.queries, each returning how many rows it produced."""
    as_at = end_of_london_day_utc(AS_AT_DAY)

    def action_and_history() -> int:
        row = queries.get_action("MAP-001", today=TODAY)
        return len(queries.get_history(row.id))

    return [
        ("list_actions (all)", lambda: len(queries.list_actions(today=TODAY)[0])),
        ("list_actions plan=main", lambda: len(queries.list_actions(today=TODAY, plan="main")[0])),
        (
            "list_actions rag=red",
            lambda: len(
                queries.list_actions(today=TODAY, filters=queries.PlanFilters(rag="red"))[0]
            ),
        ),
        (
            f"list_actions as_at={AS_AT_DAY}",
            lambda: len(queries.list_actions(today=AS_AT_DAY, as_at=as_at)[0]),
        ),
        ("list_recommendations", lambda: len(queries.list_recommendations(today=TODAY))),
        ("get_action MAP-001 + history", action_and_history),
    ]


def sign_in(client: FlaskClient, email: str) -> None:
    """Sign in through the real form, CSRF token and all (as tests/conftest.py does)."""
    html = client.get("/sign-in").get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    token = html[start : html.index('"', start)]
    response = client.post(
        "/sign-in", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed with {response.status_code}")


def http_reads(client: FlaskClient) -> list[tuple[str, Callable[[], int]]]:
    """Whole requests through the test client: routing, permission check, query, render."""

    def plan_page() -> int:
        response = client.get("/plans/main")
        if response.status_code != 200:
            raise RuntimeError(f"/plans/main answered {response.status_code}")
        return response.get_data(as_text=True).count('<th scope="row"')

    def api_actions() -> int:
        response = client.get("/api/v1/actions?per_page=200")
        if response.status_code != 200:
            raise RuntimeError(f"/api/v1/actions answered {response.status_code}")
        return len(response.get_json()["items"])

    return [("GET /plans/main", plan_page), ("GET /api/v1/actions?per_page=200", api_actions)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def print_table(figures: list[Figure]) -> None:
    headers = ("operation", "rows", "statements", "best ms", "median ms")
    cells = [
        (f.operation, str(f.rows), str(f.statements), f"{f.best_ms:.1f}", f"{f.median_ms:.1f}")
        for f in figures
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: tuple[str, ...]) -> str:
        # The operation reads left to right; the figures line up on the right.
        padded = [
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return " | ".join(padded)

    print(line(headers))
    print("-+-".join("-" * w for w in widths))
    for c in cells:
        print(line(c))


def run(scale: int, repeat: int, url: str | None) -> None:
    with bench_database(url) as database_url:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=database_url,
            SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_url),
        )
        try:
            counts, seed_s, copy_s = build(app, scale)
            with app.app_context():
                engine = db.engine
                version = ".".join(str(v) for v in engine.dialect.server_version_info or ())
            print(f"scale:     {scale} x the illustrative seed, {repeat} timed runs per read")
            print(f"database:  {engine.dialect.name} {version} ({engine.url.database})")
            print("rows:      " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
            print(f"load:      seed {seed_s:.1f} s, {scale - 1} copies {copy_s:.1f} s")
            print(f"peak RSS after load: {peak_mb():.0f} MB")
            print()

            figures = []
            with app.app_context():
                for name, read in service_reads():
                    figures.append(
                        measure(name, read, engine=engine, repeat=repeat, reset=db.session.remove)
                    )
            # Outside any app context, so each request opens and closes its own session.
            client = app.test_client()
            sign_in(client, VIEWER)
            for name, read in http_reads(client):
                figures.append(
                    measure(name, read, engine=engine, repeat=repeat, reset=lambda: None)
                )
            print_table(figures)
            print()
            print(f"peak RSS of the process: {peak_mb():.0f} MB")
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="copies of the seed (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per read (default 5)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="sqlite:///path or postgresql+psycopg://user@host:5432/db "
        f"(a database {PG_DATABASE} is created on that server); default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or args.repeat < 1:
        parser.error("--scale and --repeat must be at least 1")
    run(args.scale, args.repeat, args.database_url)


if __name__ == "__main__":
    main()
