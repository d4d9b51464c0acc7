"""Issue 20.6: the second illustrative council (seed/second) loads as its own story: three
inspection events feeding one plan, findings of each kind, three service areas with their plans,
actions answering findings of more than one event, and none of the first demo's optional files."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import seed_demo_today
from tests.conftest import SECOND_SEED_DIR, SEED_NOW
from tracker.extensions import db
from tracker.models import (
    Action,
    Inspection,
    Locality,
    LocalityReturn,
    Measure,
    Meeting,
    Organisation,
    Plan,
    Recommendation,
    TargetDateRequest,
    UpdateCycle,
    action_finding,
)
from tracker.services.platform.seed import load_seed


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_second_council_has_three_events_with_findings_of_each_kind(second_app):
    with second_app.app_context():
        events = db.session.execute(select(Inspection).order_by(Inspection.id)).scalars().all()
        assert [e.framework for e in events] == [
            "ILACS_STANDARD",
            "FOCUSED_VISIT",
            "MONITORING_VISIT",
        ]
        assert {j["grade"] for j in events[0].judgements} == {
            "Requires improvement to be good",
            "Good",
        }
        assert events[1].judgements == events[2].judgements == []  # visits judge nothing
        findings = db.session.execute(
            select(Recommendation.inspection_id, Recommendation.kind)
        ).all()
        assert Counter(e for e, _ in findings) == {
            events[0].id: 6,
            events[1].id: 3,
            events[2].id: 2,
        }
        assert Counter(k for _, k in findings) == {
            "recommendation": 4,
            "area_for_improvement": 5,
            "area_for_priority_action": 2,
        }


def test_the_second_council_has_three_service_areas_each_with_a_plan(second_app):
    with second_app.app_context():
        areas = db.session.execute(select(Locality.name).order_by(Locality.id)).scalars().all()
        assert areas == [
            "Front Door and Assessment",
            "Children in Care and Care Leavers",
            "Family Help",
        ]
        plans = dict(
            db.session.execute(
                select(Plan.name, func.count(Action.id)).join(Action).group_by(Plan.name)
            ).all()
        )
        assert plans == {
            "Children's services improvement plan": 30,
            "Front Door and Assessment service plan": 8,
            "Children in Care and Care Leavers service plan": 8,
            "Family Help service plan": 8,
        }
        assert db.session.execute(select(Organisation.kind)).scalars().all().count("trust") == 0
        # Its rhythm is monthly: a return from each area for July to October, and Family Help's
        # early one for November (cycle 11, due on its last Thursday at 16:00, London).
        november = db.session.execute(
            select(UpdateCycle).where(UpdateCycle.number == 11)
        ).scalar_one()
        assert (november.opens_on, november.due_on) == (date(2023, 11, 1), date(2023, 11, 30))
        returns = db.session.execute(
            select(UpdateCycle.number, func.count())
            .join(LocalityReturn, LocalityReturn.cycle_id == UpdateCycle.id)
            .group_by(UpdateCycle.number)
        ).all()
        assert sorted(returns) == [(7, 3), (8, 3), (9, 3), (10, 3), (11, 1)]
        # The optional files were left out.
        assert [_count(m) for m in (Measure, Meeting, TargetDateRequest)] == [0, 0, 0]


def test_ten_actions_answer_findings_of_two_events(second_app):
    with second_app.app_context():
        own = Recommendation.__table__.alias("own")
        further = Recommendation.__table__.alias("further")
        crossing = (
            db.session.execute(
                select(Action.ref)
                .join(own, own.c.id == Action.recommendation_id)
                .join(action_finding, action_finding.c.action_id == Action.id)
                .join(further, further.c.id == action_finding.c.recommendation_id)
                .where(own.c.inspection_id != further.c.inspection_id)
                .order_by(Action.ref)
            )
            .scalars()
            .all()
        )
        assert len(crossing) == 10
        assert "IP-20" in crossing  # the journey's action: a priority action and a recommendation


def test_the_second_council_carries_its_own_demo_day():
    assert seed_demo_today(SECOND_SEED_DIR) == "2023-11-16"
    assert seed_demo_today(str(Path(SECOND_SEED_DIR).parent)) is None  # config.py's default


def test_a_finding_its_event_cannot_produce_is_refused_by_name_and_nothing_is_kept(
    clean_db, tmp_path
):
    seed = tmp_path / "seed"
    shutil.copytree(SECOND_SEED_DIR, seed)
    reference = seed / "reference.yaml"
    text = reference.read_text(encoding="utf-8")
    # A monitoring visit makes no areas for priority action.
    reference.write_text(
        text.replace(
            "  - ref: MV-AFI1\n    kind: area_for_improvement",
            "  - ref: MV-AFI1\n    kind: area_for_priority_action",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="MV-AFI1: The ILACS monitoring visit produces area"):
        load_seed(seed, now=SEED_NOW, demo_password=None, hash_method="x")
    db.session.rollback()
    assert [_count(m) for m in (Organisation, Inspection, Recommendation)] == [0, 0, 0]
