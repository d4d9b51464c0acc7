"""Returns beside API writers: does North's fortnightly return get through while API clients
update the same actions?

    .venv/bin/python bench/returns_beside_writers.py [--seconds 20] [--writers 4] [--pg-url URL]

Builds a database `bench_returns_<pid>` on the PostgreSQL server (the illustrative seed; dropped
at the end), then for `--seconds` runs, each with its own app and connection:

- `--writers` API clients, each in its own process, as North's head with a bearer token: read
  a random open North action (`GET /api/v1/actions/{ref}`), post an update with the version it
  read
  (`POST /api/v1/actions/{ref}/updates`: a new summary, its lifecycle, RAG and impact as read),
  and again;
- one locality head submitting North's cycle 3 return (every open action, about 35, each with a
  new summary): draw the return (`get_return`), submit it; once submitted, reopen it and submit
  the amendment (every entry changed), and again. On a conflict it does what the page does:
  keeps what was typed, moves each conflicting entry to the version it was shown, and sends it
  again (at most 5 submissions per return; then it draws the return afresh).

Prints the returns that got through against those started, the submissions made, the API
writes (201) and conflicts (409), and how many 201 answers named a version or a summary other
than their own write's (must be 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TODAY = date(2016, 2, 5)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)  # cycle 3: due at noon on 12 February
HEAD = "north.hos@trust.example"
TRIES = 5


def prepare(app) -> tuple[str, list[str]]:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Action, ActionState, Plan
    from tracker.services.access import auth
    from tracker.services.platform.seed import load_seed

    with app.app_context():
        db.create_all()
        load_seed(
            app.config["SEED_DIR"],
            now=datetime(2016, 1, 4, 9, tzinfo=UTC),
            demo_password="illustrative-demo-2016",
            hash_method="pbkdf2:sha256:1000",
        )
        token = auth.create_token(HEAD, now=NOW)
        refs = list(
            db.session.execute(
                select(Action.ref)
                .join(Plan, Plan.id == Action.plan_id)
                .join(ActionState, ActionState.action_id == Action.id)
                .where(
                    Plan.code == "north",
                    ActionState.lifecycle.in_(["not_started", "in_progress"]),
                )
            ).scalars()
        )
        db.session.commit()
        db.session.remove()
    return token, refs


def api_writer(app, stop: float, token: str, refs: list[str], tally: Counter, seed: int) -> None:
    rng = random.Random(seed)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    while time.monotonic() < stop:
        ref = rng.choice(refs)
        action = client.get(f"/api/v1/actions/{ref}", headers=headers).get_json()
        n += 1
        summary = f"API writer {seed}, write {n}: {ref} progress noted."
        response = client.post(
            f"/api/v1/actions/{ref}/updates",
            headers=headers,
            json={
                "version": action["version"],
                "summary": summary,
                "lifecycle": action["lifecycle"],
                "rag": action["rag"],
                "impact": action["impact"],
            },
        )
        tally[f"api {response.status_code}"] += 1
        if response.status_code == 201:
            body = response.get_json()
            own = body["history"][0]
            if (body["version"], own["version"], own["summary"]) != (
                own["version"],
                body["version"],
                summary,
            ):
                tally["201 naming another write"] += 1


def writer_process(
    url: str, token: str, refs: list[str], seconds: float, seed: int, ready, go, out
):
    """One API writer in its own process (its own interpreter: no lock shared with the return)."""
    from generate import bench_app

    from tracker.extensions import db

    app = bench_app(url)
    app.config["RATELIMIT_ENABLED"] = False
    tally: Counter = Counter()
    with app.app_context():
        ready.put(seed)
        go.wait()
        try:
            api_writer(app, time.monotonic() + seconds, token, refs, tally, seed)
        finally:
            db.session.remove()
    out.put(dict(tally))


def returns_loop(app, stop: float, tally: Counter) -> None:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.http.access import actor_for
    from tracker.models import User
    from tracker.services.loop import returns as return_service

    with app.app_context():
        user = db.session.execute(select(User).where(User.email == HEAD)).scalar_one()
        actor = actor_for(user)
        n = 0
        while time.monotonic() < stop:
            n += 1
            view = return_service.get_return("north", 3, today=TODAY, now=NOW)
            if view.status == "submitted" and not view.reopened:
                return_service.reopen_return("north", 3, actor=actor, now=NOW)
                view = return_service.get_return("north", 3, today=TODAY, now=NOW)
            entries = [
                replace(line.entry, summary=f"Return {n}: {line.ref} reviewed.")
                for line in view.lines
            ]
            tally["returns started"] += 1
            # As the page does on a 409: the typing kept, each conflicting entry moved to the
            # version it was shown at, and sent again (at most `TRIES` times).
            for _ in range(TRIES):
                tally["submissions"] += 1
                try:
                    return_service.submit_return("north", 3, entries, actor=actor, now=NOW)
                    tally["returns through"] += 1
                    break
                except return_service.ReturnConflict as exc:
                    db.session.rollback()
                    tally["submissions refused: conflict"] += 1
                    tally["conflicting entries"] += len(exc.conflicts)
                    for entry in entries:
                        if entry.ref in exc.conflicts:
                            entry.version = exc.conflicts[entry.ref].current_version
                except return_service.ReturnRejected as exc:
                    db.session.rollback()
                    tally[f"submissions refused: {next(iter(exc.errors.values()))}"] += 1
                    break
        db.session.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)

    from generate import bench_app, create_database, drop_database

    from tracker.extensions import db

    name = f"bench_returns_{os.getpid()}"
    url = create_database(args.pg_url, name)
    app = bench_app(url)
    app.config["RATELIMIT_ENABLED"] = False
    try:
        token, refs = prepare(app)
        tally: Counter = Counter()
        spawn = multiprocessing.get_context("spawn")
        ready, go, out = spawn.Queue(), spawn.Event(), spawn.Queue()
        writers = [
            spawn.Process(
                target=writer_process, args=(url, token, refs, args.seconds, seed, ready, go, out)
            )
            for seed in range(args.writers)
        ]
        for w in writers:
            w.start()
        for _ in writers:
            ready.get(timeout=120)
        go.set()
        stop = time.monotonic() + args.seconds

        def run_returns() -> None:
            with app.app_context():
                try:
                    returns_loop(app, stop, tally)
                finally:
                    db.session.remove()

        thread = threading.Thread(target=run_returns)
        thread.start()
        thread.join()
        for _ in writers:
            tally.update(out.get(timeout=120))
        for w in writers:
            w.join()
        print(
            f"PostgreSQL, North's return ({len(refs)} open actions) beside {args.writers} API "
            f"writers on the same actions, {args.seconds:g} s:"
        )
        print(
            f"  returns through: {tally['returns through']} of {tally['returns started']} "
            f"started ({tally['submissions']} submissions, at most {TRIES} per return)"
        )
        for key in sorted(tally):
            if key not in {"returns through", "returns started", "submissions"}:
                print(f"  {key}: {tally[key]}")
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_database(args.pg_url, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
