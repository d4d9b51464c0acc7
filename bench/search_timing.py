"""Time search at scale (issue 13.3), in-process: the index's rebuild, searches, and what keeping
the index in step costs an update.

    .venv/bin/python bench/search_timing.py --scale 10 --databases sqlite,postgresql

For each database it builds the data set with `generate.build` (SQLite: a temporary file;
PostgreSQL: a database `bench_search_<pid>` on --pg-url, dropped at the end), then prints:

- the index: documents by kind, and the time `flask tracker search-rebuild` takes;
- searches as a viewer through the service and through `GET /search` (test client, production
  templates): p50 and p95 in ms over --repeat runs, results found, SQL statements per page;
- an update through `services.updates.record_update` with the index's listener on and off:
  statements and ms (median of --repeat updates each way).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import (  # noqa: E402
    BENCH_PASSWORD,
    BENCH_USER,
    bench_app,
    build,
    create_database,
    drop_database,
)

QUERIES = (
    ("one word, common", "social", None),
    ("two rare words", "protocol circulated", None),
    ("three words", "training social workers", None),
    ("a ref", "MAP-001", None),
    ("common word, updates only", "social", "update"),
    ("common word, page 20", "social", None, 20),
)


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, scale: int, repeat: int) -> None:
    from flask import Flask
    from sqlalchemy import event, func, select

    from tracker.domain.permissions import Actor, Role
    from tracker.domain.states import Impact, Lifecycle, Rag
    from tracker.domain.updates import Proposal
    from tracker.extensions import db
    from tracker.models import Action, ActionState, SearchDocument, User
    from tracker.services import search
    from tracker.services.access.auth import actor_of
    from tracker.services.plan.updates import record_update
    from tracker.services.search import index

    app: Flask = bench_app(url)
    started = time.perf_counter()
    build(app, scale)
    print(f"  built {scale}x in {time.perf_counter() - started:.1f} s")
    statements: list[str] = []

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        kinds = db.session.execute(
            select(SearchDocument.kind, func.count()).group_by(SearchDocument.kind)
        ).all()
        print("  index: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds)))
        started = time.perf_counter()
        total = search.rebuild()
        db.session.commit()
        print(f"  search-rebuild: {total:,} documents in {time.perf_counter() - started:.1f} s")

        viewer = Actor(user_id=None, role=Role.VIEWER)
        print("  service, as a viewer: p50 / p95 ms, found, statements")
        for case in QUERIES:
            name, q, kind, *rest = case
            page = rest[0] if rest else 1
            times = []
            for _ in range(repeat):
                statements.clear()
                t = time.perf_counter()
                found = search.search(q, actor=viewer, kind=kind, page=page)
                times.append((time.perf_counter() - t) * 1000)
            print(
                f"    {name:28} {pct(times, 0.5):7.1f} {pct(times, 0.95):7.1f}"
                f"  {found.total:>7,}  {len(statements)}"
            )

        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        marker = 'name="csrf_token" type="hidden" value="'
        start = page.index(marker) + len(marker)
        token = page[start : page.index('"', start)]
        client.post(
            "/sign-in",
            data={"email": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token},
        )
        print("  GET /search (HTML), as the bench chair: p50 / p95 ms, statements")
        for q in ("social", "protocol circulated", "training social workers"):
            times = []
            for _ in range(repeat):
                statements.clear()
                t = time.perf_counter()
                response = client.get("/search", query_string={"q": q})
                response.get_data()
                times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
            print(
                f"    q={q!r:28} {pct(times, 0.5):7.1f} {pct(times, 0.95):7.1f}  {len(statements)}"
            )

        reader = db.session.execute(select(User).where(User.email == BENCH_USER)).scalar_one()
        actor = actor_of(reader)
        open_refs = (
            select(Action.ref)
            .join(ActionState, ActionState.action_id == Action.id)
            .where(ActionState.lifecycle.in_(("not_started", "in_progress")))
            .order_by(Action.id)
            .limit(2 * repeat)
        )
        refs = list(db.session.execute(open_refs).scalars())
        saved = dict(index._BY_MODEL)
        print("  one update (record_update): median statements, ms")
        for label, enabled, chosen in (
            ("index on", True, refs[::2]),
            ("index off", False, refs[1::2]),
        ):
            counts, times = [], []
            if not enabled:
                index._BY_MODEL.clear()
            try:
                for n, ref in enumerate(chosen):
                    version = db.session.execute(
                        select(Action.version).where(Action.ref == ref)
                    ).scalar_one()
                    db.session.remove()
                    statements.clear()
                    t = time.perf_counter()
                    record_update(
                        ref,
                        Proposal(
                            summary=f"Bench progress {n}: audits read and fed back.",
                            lifecycle=Lifecycle.IN_PROGRESS,
                            rag=Rag.AMBER,
                            impact=Impact.EMERGING,
                            reason="Bench.",
                        ),
                        expected_version=version,
                        actor=actor,
                        now=datetime(2016, 2, 5, 10, tzinfo=UTC),
                        today=date(2016, 2, 5),
                        cycle_start=date(2016, 1, 4),
                        authorise=lambda _a, _c: True,
                    )
                    times.append((time.perf_counter() - t) * 1000)
                    counts.append(len(statements))
            finally:
                index._BY_MODEL.update(saved)
            print(
                f"    {label:10} {statistics.median(counts):5.0f} {statistics.median(times):7.1f}"
            )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    for name in args.databases.split(","):
        print(f"{name}:")
        if name == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
            measure(f"sqlite:///{folder / 'bench.db'}", args.scale, args.repeat)
        else:
            database = f"bench_search_{os.getpid()}"
            url = create_database(args.pg_url, database)
            try:
                measure(url, args.scale, args.repeat)
            finally:
                drop_database(args.pg_url, database)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
