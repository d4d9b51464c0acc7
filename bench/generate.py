"""Scale data for benchmarks: N copies of the illustrative plan, each with a long history.

As a command, it builds a whole benchmark database:

    .venv/bin/python bench/generate.py --scale 10 [--history 50] [--database-url URL]

URL is a new SQLite file (`sqlite:///path/new.db`, default `instance/bench-<N>x.db`) or a
PostgreSQL server (`postgresql+psycopg://postgres@127.0.0.1:5432/test`), on which it creates (or
replaces) a database `bench_tracker_<N>x` and leaves it there. The database gets the schema
(`db.create_all()`), the illustrative seed with its demo accounts, N-1 copies of every action
(`add_copies`), extra history so every action has 50 rows (`add_history`), target dates moved so
that a quarter of open actions are overdue on the demo date (`make_overdue`), a bench user, and on
PostgreSQL `VACUUM (ANALYZE)` (autovacuum may be off).

As a module: `add_copies(factor)`, `add_history(per_action)` and `make_overdue(today)` each work
inside an app context on a seeded database; `build(app, scale)` does all of the above.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script: config.py and tracker/ live beside bench/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import bindparam, create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionUpdate, action_partner

TODAY = date(2016, 2, 5)  # the demo's "today", inside the story
SEED_NOW = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)  # as the test suite seeds
HISTORY_PER_ACTION = 50
OVERDUE_SHARE = 0.25
DEMO_PASSWORD = "illustrative-demo-2016"  # every demo account's password in a bench database
BENCH_USER = "bench.reader@trust.example"
BENCH_PASSWORD = "bench-reader-password-2016"
_BATCH = 20_000
_CLOSED = ("closed_evidenced", "superseded")
_AWAITING = "complete_awaiting_signoff"

COPY_MARK = "~x"

_ACTION_COLUMNS = (
    "plan_id",
    "recommendation_id",
    "title",
    "description",
    "lead_user_id",
    "lead_organisation_id",
    "start_date",
    "target_date",
    "success_measure",
    "version",
    "created_at",
)
_UPDATE_COLUMNS = (
    "version",
    "cycle_id",
    "author_id",
    "cause",
    "recorded_at",
    "lifecycle",
    "rag",
    "impact",
    "summary",
    "reason",
    "evidence",
)


def copy_ref(ref: str, copy: int) -> str:
    """The ref of an action's copy number `copy` (2 and up; copy 1 is the seed itself)."""
    return f"{ref}{COPY_MARK}{copy}"


def add_copies(factor: int) -> dict[str, int]:
    """Add `factor - 1` copies of every seeded action and its history; commit once.

    Returns the number of rows added per table.
    """
    added = {"action": 0, "action_update": 0, "action_partner": 0, "action_dependency": 0}
    if factor <= 1:
        return added
    actions = db.session.execute(
        select(Action.__table__).where(Action.ref.not_like(f"%{COPY_MARK}%")).order_by(Action.id)
    ).all()
    by_id = {a.id: a for a in actions}
    copies = range(2, factor + 1)

    # Main-plan actions first, so locality copies can point at their own copy of the main action.
    leaders = [a for a in actions if a.main_action_id is None]
    followers = [a for a in actions if a.main_action_id is not None]
    new_ids: dict[str, int] = {}
    for batch in (leaders, followers):
        rows = [
            {
                "ref": copy_ref(a.ref, n),
                "main_action_id": (
                    new_ids[copy_ref(by_id[a.main_action_id].ref, n)]
                    if a.main_action_id is not None
                    else None
                ),
                **{c: getattr(a, c) for c in _ACTION_COLUMNS},
            }
            for n in copies
            for a in batch
        ]
        if not rows:
            continue
        db.session.execute(Action.__table__.insert(), rows)
        added["action"] += len(rows)
        refs = [r["ref"] for r in rows]
        new_ids.update(
            db.session.execute(
                select(Action.ref, Action.id).where(Action.ref.like(f"%{COPY_MARK}%"))
            ).all()
        )
        missing = set(refs) - set(new_ids)
        if missing:
            raise RuntimeError(f"{len(missing)} copied actions were not found after insert")

    def copied(action_id: int, n: int) -> int:
        return new_ids[copy_ref(by_id[action_id].ref, n)]

    ids = list(by_id)
    partners = db.session.execute(
        select(action_partner).where(action_partner.c.action_id.in_(ids))
    ).all()
    partner_rows = [
        {"action_id": copied(p.action_id, n), "organisation_id": p.organisation_id}
        for n in copies
        for p in partners
    ]
    dependencies = db.session.execute(
        select(ActionDependency.__table__).where(ActionDependency.action_id.in_(ids))
    ).all()
    dependency_rows = [
        {
            "action_id": copied(d.action_id, n),
            "depends_on_id": copied(d.depends_on_id, n),
            "created_at": d.created_at,
            "created_by_id": d.created_by_id,
        }
        for n in copies
        for d in dependencies
    ]
    updates = db.session.execute(
        select(ActionUpdate.__table__)
        .where(ActionUpdate.action_id.in_(ids))
        .order_by(ActionUpdate.action_id, ActionUpdate.version)
    ).all()
    update_rows = [
        {"action_id": copied(u.action_id, n), **{c: getattr(u, c) for c in _UPDATE_COLUMNS}}
        for n in copies
        for u in updates
    ]
    for table, rows, key in (
        (action_partner, partner_rows, "action_partner"),
        (ActionDependency.__table__, dependency_rows, "action_dependency"),
        (ActionUpdate.__table__, update_rows, "action_update"),
    ):
        if rows:
            db.session.execute(table.insert(), rows)
            added[key] += len(rows)
    _refresh_projection()
    _refresh_search()
    db.session.commit()
    return added


def _refresh_projection() -> None:
    """Bulk inserts bypass the services: where the current-state projection exists (issue 8),
    rebuild it from the history just written, in the same transaction."""
    try:
        from tracker.services.plan import projection
    except ImportError:  # before the projection was built
        return
    projection.rebuild()


def _refresh_search() -> None:
    """The search index too (issue 13): its listener sees ORM writes, not bulk inserts."""
    try:
        from tracker.services import search
    except ImportError:  # before search was built
        return
    search.rebuild()


def count_rows() -> dict[str, int]:
    """Rows in the tables the plan reads touch."""
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (
            Action.__table__,
            ActionUpdate.__table__,
            action_partner,
            ActionDependency.__table__,
        )
    }


def add_history(per_action: int = HISTORY_PER_ACTION) -> int:
    """Give every action `per_action` history rows; commit once. Returns the rows added.

    An action with k < per_action rows keeps its first k-1 rows as they are; the extra rows go
    between its second-newest and its newest row, evenly spaced in time, each repeating the
    second-newest state (lifecycle, RAG, impact, summary, author, cycle) as a person revising
    the wording would. The newest row becomes version `per_action`, so its state, time and cycle
    stay the action's current ones, version numbers stay consecutive, and `action.version`
    is set to the newest history version. Rows go in with bulk Core inserts.
    """
    table = ActionUpdate.__table__
    rows = db.session.execute(select(table).order_by(table.c.action_id, table.c.version)).all()
    by_action: dict[int, list] = defaultdict(list)
    for row in rows:
        by_action[row.action_id].append(row)
    bumps, versions, extra = [], [], []
    for action_id, history in by_action.items():
        k = len(history)
        if k >= per_action:
            continue
        newest = history[-1]
        base = history[-2] if k >= 2 else newest
        n = per_action - k
        start = base.recorded_at if k >= 2 else newest.recorded_at - timedelta(minutes=n + 1)
        step = (newest.recorded_at - start) / (n + 1)
        bumps.append({"b_id": newest.id, "b_version": per_action})
        versions.append({"a_id": action_id, "a_version": per_action})
        for i in range(n):
            extra.append(
                {
                    "action_id": action_id,
                    "version": k + i,
                    "cycle_id": base.cycle_id,
                    "author_id": base.author_id,
                    "cause": base.cause,
                    "recorded_at": start + step * (i + 1),
                    "lifecycle": base.lifecycle,
                    "rag": base.rag,
                    "impact": base.impact,
                    "summary": base.summary,
                    "reason": f"Wording revised ({i + 1} of {n}).",
                    "evidence": base.evidence,
                    "no_change": False,
                }
            )
    if bumps:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(version=bindparam("b_version")),
            bumps,
        )
    for start in range(0, len(extra), _BATCH):
        db.session.execute(table.insert(), extra[start : start + _BATCH])
    # Actions with no history at all are left alone; every other action's version is its newest.
    if versions:
        actions = Action.__table__
        db.session.execute(
            update(actions)
            .where(actions.c.id == bindparam("a_id"))
            .values(version=bindparam("a_version")),
            versions,
        )
    _refresh_projection()
    _refresh_search()
    db.session.commit()
    return len(extra)


def make_overdue(today: date = TODAY, share: float = OVERDUE_SHARE) -> dict[str, int]:
    """Move target dates so that `share` of the open actions are overdue on `today`; commit once.

    Open actions are those whose newest history row is not closed. Evenly spread over those not
    awaiting sign-off (by id: overdue is open work), the chosen ones get a target date 1 to 42
    days before `today` (never before their start); every other open action gets one 7 to 66
    days after it. Closed actions keep their dates.
    """
    actions, updates = Action.__table__, ActionUpdate.__table__
    rows = db.session.execute(
        select(actions.c.id, actions.c.start_date, updates.c.lifecycle)
        .join(
            updates,
            (updates.c.action_id == actions.c.id) & (updates.c.version == actions.c.version),
        )
        .order_by(actions.c.id)
    ).all()
    open_rows = [r for r in rows if r.lifecycle not in _CLOSED]
    # Overdue is open work (not started or in progress): one awaiting sign-off never is.
    can_be_overdue = [
        r
        for r in open_rows
        if r.lifecycle != _AWAITING and (r.start_date is None or r.start_date < today)
    ]
    want = round(len(open_rows) * share)
    if want > len(can_be_overdue):
        raise RuntimeError(f"only {len(can_be_overdue)} open actions started before {today}")
    chosen = {can_be_overdue[i * len(can_be_overdue) // want].id for i in range(want)}
    changes = []
    for r in open_rows:
        if r.id in chosen:
            target = today - timedelta(days=1 + r.id % 42)
            if r.start_date is not None:
                target = max(target, r.start_date)
        else:
            target = today + timedelta(days=7 + r.id % 60)
            if r.start_date is not None:
                target = max(target, r.start_date)
        changes.append({"a_id": r.id, "a_target": target})
    if changes:
        db.session.execute(
            update(actions)
            .where(actions.c.id == bindparam("a_id"))
            .values(target_date=bindparam("a_target")),
            changes,
        )
    db.session.commit()
    return {"open": len(open_rows), "overdue": len(chosen)}


@dataclass
class Built:
    """What `build` made, and how long each step took (seconds)."""

    rows: dict[str, int]
    overdue: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def build(
    app: Flask,
    scale: int,
    *,
    history: int = HISTORY_PER_ACTION,
    today: date = TODAY,
    hash_method: str | None = None,
) -> Built:
    """Schema, seed (demo accounts), copies, history, overdue dates, the bench user, statistics.

    Passwords are hashed with `hash_method` (default: the app's PASSWORD_HASH_METHOD).
    """
    from tracker.services.access import auth
    from tracker.services.platform.seed import load_seed

    method = hash_method or app.config["PASSWORD_HASH_METHOD"]
    seconds: dict[str, float] = {}
    with app.app_context():
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[name] = now - clock
            clock = now

        db.create_all()
        load_seed(
            app.config["SEED_DIR"], now=SEED_NOW, demo_password=DEMO_PASSWORD, hash_method=method
        )
        auth.create_user(
            auth.NewUser(email=BENCH_USER, name="Bench Reader", role="chair", organisation="trust"),
            BENCH_PASSWORD,
            now=SEED_NOW,
            hash_method=method,
        )
        lap("seed")
        add_copies(scale)
        lap("copies")
        add_history(history)
        lap("history")
        overdue = make_overdue(today)
        lap("overdue")
        if db.engine.dialect.name == "postgresql":
            # Autovacuum may be off: fresh statistics and a visibility map, as a live server has.
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
            lap("vacuum")
        rows = count_rows()
        db.session.remove()
        db.engine.dispose()
    return Built(rows=rows, overdue=overdue, seconds=seconds)


def create_database(server_url: str, name: str) -> str:
    """(Re)create database `name` on the PostgreSQL server of `server_url`; its URL."""
    server = make_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def bench_app(url: str) -> Flask:
    """The app used to build and count: test settings (a fixed today) on the bench database,
    passwords hashed as production hashes them."""
    from config import Config, TestConfig
    from tracker import create_app

    options = {"pool_pre_ping": True} if url.startswith("postgresql") else {}
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        PASSWORD_HASH_METHOD=Config.PASSWORD_HASH_METHOD,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a benchmark database.")
    parser.add_argument(
        "--scale", type=int, required=True, help="copies of the seed (10: 3,350 actions)"
    )
    parser.add_argument("--history", type=int, default=HISTORY_PER_ACTION, help="rows per action")
    parser.add_argument(
        "--database-url",
        default=None,
        help="sqlite:///new-file.db, or a PostgreSQL server URL on which a database "
        "bench_tracker_<N>x is (re)created; default: sqlite:///instance/bench-<N>x.db",
    )
    args = parser.parse_args(argv)
    if args.scale < 1 or args.history < 1:
        parser.error("--scale and --history must be at least 1")
    root = Path(__file__).resolve().parent.parent
    url = args.database_url or f"sqlite:///{root / 'instance' / f'bench-{args.scale}x.db'}"
    if url.startswith("postgresql"):
        url = create_database(url, f"bench_tracker_{args.scale}x")
    else:
        path = make_url(url).database
        if not path or path == ":memory:":
            parser.error("give a file: sqlite:///path/new.db")
        if Path(path).exists():
            parser.error(f"{path} exists: remove it or give another file")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    built = build(bench_app(url), args.scale, history=args.history)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"Built {shown} in {time.perf_counter() - start:.1f} s")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in built.rows.items()))
    print(
        f"open actions {built.overdue['open']:,}, overdue on {TODAY}: {built.overdue['overdue']:,}"
    )
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in built.seconds.items()))
    print(f"sign in as {BENCH_USER} / {BENCH_PASSWORD} (demo accounts: {DEMO_PASSWORD})")


if __name__ == "__main__":
    main()
