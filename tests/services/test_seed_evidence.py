"""The seed's illustrative evidence: every action the history leaves closed with evidence or
complete and awaiting sign-off has an evidence item, as its lead added it before marking it
complete, so the chair can work through the whole sign-off queue on the demo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.builders import actor_for
from tests.conftest import DEMO_PASSWORD, SEED_NOW, load_seed_rows
from tracker.extensions import db
from tracker.models import Action, ActionState, ActionUpdate, Evidence, User
from tracker.services.governance.signoff import decide_sign_off, list_awaiting_sign_off
from tracker.services.plan import evidence as evidence_service
from tracker.services.platform.seed import load_seed

TODAY = date(2016, 2, 5)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
CYCLE_START = date(2016, 1, 4)
CHAIR = "chief.executive@trust.example"
DONE = ("complete_awaiting_signoff", "closed_evidenced")


def _load(app):
    return load_seed(
        app.config["SEED_DIR"],
        now=SEED_NOW,
        demo_password=DEMO_PASSWORD,
        hash_method=app.config["PASSWORD_HASH_METHOD"],
    )


@pytest.fixture
def seeded(clean_db):
    load_seed_rows(
        clean_db,
        demo_password=DEMO_PASSWORD,
        hash_method=clean_db.config["PASSWORD_HASH_METHOD"],
    )
    return clean_db


def _done_actions(*lifecycles: str) -> list[Action]:
    return list(
        db.session.execute(
            select(Action)
            .join(ActionState, ActionState.action_id == Action.id)
            .where(ActionState.lifecycle.in_(lifecycles))
            .order_by(Action.ref)
        ).scalars()
    )


def test_every_closed_and_awaiting_action_has_an_illustrative_evidence_item(seeded):
    done = _done_actions("closed_evidenced", "complete_awaiting_signoff")
    assert len(done) == 26  # 16 closed with evidence, 10 awaiting sign-off
    for action in done:
        assert evidence_service.count_live(action.id) >= 1, action.ref
        for item in evidence_service.list_for_action(action.id):
            assert item.title.startswith("Illustrative: "), item.title
            assert item.kind == "link"
            assert urlsplit(item.url).hostname == "intranet.example"
            assert "/illustrative/" in item.url


def test_open_actions_have_no_seeded_evidence(seeded):
    with_evidence = set(db.session.execute(select(Evidence.action_id)).scalars())
    done = {a.id for a in _done_actions("closed_evidenced", "complete_awaiting_signoff")}
    assert with_evidence == done


def test_seeded_evidence_is_added_by_the_lead_before_the_action_was_marked_complete(seeded):
    for action in _done_actions("closed_evidenced", "complete_awaiting_signoff"):
        history = list(
            db.session.execute(
                select(ActionUpdate)
                .where(ActionUpdate.action_id == action.id)
                .order_by(ActionUpdate.version)
            ).scalars()
        )
        # The last time it was marked complete (MAP-025 was returned to its lead and marked
        # complete again, with a corrected calculation).
        marked = [
            u.recorded_at
            for before, u in zip([None, *history], history, strict=False)
            if u.lifecycle in DONE and (before is None or before.lifecycle not in DONE)
        ][-1]
        [item] = db.session.execute(
            select(Evidence).where(Evidence.action_id == action.id)
        ).scalars()
        assert item.added_by_id == action.lead_user_id, action.ref
        assert item.added_at < marked, action.ref
        assert item.evidence_date <= marked.date()


def test_every_action_awaiting_sign_off_on_the_demo_can_be_signed_off(seeded):
    chair = db.session.execute(select(User).where(User.email == CHAIR)).scalar_one()
    waiting = list_awaiting_sign_off(TODAY)
    assert len(waiting) == 10
    for item in waiting:
        version = decide_sign_off(
            item.ref,
            approve=True,
            reason="Evidence seen at the Improvement Board.",
            override_prerequisites=False,
            expected_version=item.version,
            actor=actor_for(chair),
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )
        assert version == item.version + 1
    assert list_awaiting_sign_off(TODAY) == []
    closed = _done_actions("closed_evidenced")
    assert len(closed) == 26


def test_loading_the_seed_twice_adds_no_second_evidence_item(seeded):
    before = db.session.execute(select(Evidence.id)).scalars().all()
    again = _load(seeded)
    assert again.created.get("evidence", 0) == 0
    assert db.session.execute(select(Evidence.id)).scalars().all() == before
