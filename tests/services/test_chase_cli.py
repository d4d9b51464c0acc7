"""`flask tracker chase --dry-run --today 2016-02-12` on the demo data: exactly the chasers
the rules require, and nothing written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import ActionUpdate, OutboxItem, OutboxMessage, UpdateCycle
from tracker.services.plan import queries


def dry_run(seeded_app, today: str) -> list[list[str]]:
    result = seeded_app.test_cli_runner().invoke(
        args=["tracker", "chase", "--today", today, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1].endswith("(dry run: nothing written).")
    return [line.split("\t") for line in lines[:-1]]


def test_the_dry_run_for_12_february_lists_exactly_what_the_rules_require(seeded_app):
    with seeded_app.app_context():
        before = db.session.execute(select(func.count()).select_from(OutboxItem)).scalar_one()
        db.session.remove()
    rows = dry_run(seeded_app, "2016-02-12")
    items = defaultdict(set)
    for email, _kinds, listed in rows:
        for item in listed.split("; "):
            items[email].add(item)

    # Returns: cycle 3 is due on Friday 12 February. East submitted early, on 3 February; the
    # other three heads are reminded on the day.
    for head in ("north.hos@trust.example", "south.hos@trust.example", "central.hos@trust.example"):
        assert "return:3:due" in items[head]
    assert not any(i.startswith("return:") for i in items["east.hos@trust.example"])

    # Action leads: one reminder for every open main-plan action with a lead and no update
    # in cycle 3, and no reminder for any other action.
    with seeded_app.app_context():
        cycle3 = db.session.execute(
            select(UpdateCycle.id).where(UpdateCycle.number == 3)
        ).scalar_one()
        updated = set(
            db.session.execute(
                select(ActionUpdate.action_id).where(ActionUpdate.cycle_id == cycle3)
            ).scalars()
        )
        rows_now, _ = queries.list_actions(today=date(2016, 2, 12), plan="main")
        expected = {
            (r.lead_email, f"action_update:3:{r.ref}-due")
            for r in rows_now
            if r.lead_email and not r.lifecycle.is_closed and r.id not in updated
        }
        db.session.remove()
    listed = {
        (email, i) for email, its in items.items() for i in its if i.startswith("action_update:")
    }
    assert listed == expected and expected

    # Nobody is chased twice in one email, and nothing was written.
    assert len({r[0] for r in rows}) == len(rows)
    with seeded_app.app_context():
        after = db.session.execute(select(func.count()).select_from(OutboxItem)).scalar_one()
        messages = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        db.session.remove()
    assert after == before == 0 and messages == 0


def test_nobody_is_chased_on_a_saturday(seeded_app):
    assert dry_run(seeded_app, "2016-02-13") == []


def test_a_bad_date_is_refused_with_a_clear_message(seeded_app):
    result = seeded_app.test_cli_runner().invoke(
        args=["tracker", "chase", "--today", "12/02/2016", "--dry-run"]
    )
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


# Its own empty SQLite file, whatever the suite's database: run once, in the SQLite run.
@pytest.mark.sqlite_only
def test_a_command_on_a_database_with_no_tables_says_what_to_run_instead_of_a_traceback(tmp_path):
    """The README's hand commands on a new, empty database: a clear message, no traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {
        "TRACKER_CONFIG": "demo",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "tracker"]
    for args in (["chase", "--dry-run"], ["outbox", "send"], ["seed"]):
        result = subprocess.run(
            flask + args, cwd=root, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode != 0, args
        assert "has no tables yet" in result.stderr and "db upgrade" in result.stderr, args
        assert "Traceback" not in result.stderr + result.stdout, args
