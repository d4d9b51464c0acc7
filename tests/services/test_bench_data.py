"""The benchmark's data set is the seed's story, longer: bench/generate.py keeps it consistent."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bench.generate import TODAY, add_copies, add_history, make_overdue
from tests.conftest import SEED_NOW
from tracker.domain.states import is_overdue
from tracker.extensions import db
from tracker.models import Action, ActionUpdate
from tracker.services.platform.seed import load_seed


def _histories() -> dict[int, list]:
    table = ActionUpdate.__table__
    rows = db.session.execute(select(table).order_by(table.c.action_id, table.c.version)).all()
    by_action: dict[int, list] = defaultdict(list)
    for row in rows:
        by_action[row.action_id].append(row)
    return by_action


def test_generated_history_is_long_consecutive_and_keeps_each_actions_current_state(clean_db):
    load_seed(clean_db.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
    add_copies(2)
    seeded = _histories()
    before = {a: h[-1] for a, h in seeded.items()}

    added = add_history(10)

    after = _histories()
    versions = dict(db.session.execute(select(Action.id, Action.version)).all())
    assert len(after) == len(before) == 670
    assert added == sum(10 - len(h) for h in seeded.values()) > 0
    for action_id, history in after.items():
        assert [h.version for h in history] == list(range(1, 11))
        assert versions[action_id] == 10
        times = [h.recorded_at for h in history]
        assert times == sorted(times)
        newest, was = history[-1], before[action_id]
        assert (newest.id, newest.recorded_at, newest.lifecycle, newest.rag, newest.summary) == (
            was.id,
            was.recorded_at,
            was.lifecycle,
            was.rag,
            was.summary,
        )


def test_a_quarter_of_open_actions_are_overdue_on_the_demo_date(clean_db):
    load_seed(clean_db.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
    add_copies(2)

    result = make_overdue(TODAY)

    rows = db.session.execute(
        select(Action.target_date, Action.start_date, ActionUpdate.lifecycle).join(
            ActionUpdate,
            (ActionUpdate.action_id == Action.id) & (ActionUpdate.version == Action.version),
        )
    ).all()
    open_rows = [r for r in rows if r.lifecycle not in ("closed_evidenced", "superseded")]
    overdue = [r for r in open_rows if is_overdue(r.target_date, r.lifecycle, TODAY)]
    assert result == {"open": len(open_rows), "overdue": len(overdue)}
    assert len(overdue) == round(len(open_rows) / 4)
    assert all(r.start_date is None or r.target_date >= r.start_date for r in rows)
