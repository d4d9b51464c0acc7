"""Measure services: targets kept per period, the green-while-off-target list, the seed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.builders import add_measure_value, add_update, make_action, make_measure, make_user
from tracker.domain.measures import Quarter, Status
from tracker.extensions import db
from tracker.models import Measure, MeasureTarget, MeasureValue, measure_action
from tracker.services.performance import measures as service
from tracker.services.reads import measure_links
from tracker.services.reads import measures as reads

NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)


def _targets() -> int:
    return db.session.execute(select(func.count()).select_from(MeasureTarget)).scalar_one()


@pytest.mark.parametrize(
    ("polarity", "fields", "field", "message"),
    [
        ("higher", {"target": "90", "tolerance": "95"}, "tolerance", "at or below the target"),
        ("lower", {"target": "10", "tolerance": "5"}, "tolerance", "at or above the target"),
        ("higher", {"target": "", "tolerance": "80"}, "tolerance", "needs a target"),
        ("higher", {"target": "101", "tolerance": ""}, "target", "between 0 and 100"),
        ("higher", {"target": "ninety", "tolerance": ""}, "target", "must be a number"),
        ("higher", {"effective_from": "2014-10"}, "effective_from", "never overwritten"),
        ("higher", {"reason": ""}, "reason", "Say why"),
    ],
)
def test_a_bad_target_change_is_refused_and_nothing_is_written(
    clean_db, polarity, fields, field, message
):
    make_measure(
        code="M1",
        polarity=polarity,
        target="90" if polarity == "higher" else "10",
        tolerance="80" if polarity == "higher" else "15",
    )
    db.session.commit()
    asked = {
        "effective_from": "2016-04",
        "target": "92",
        "tolerance": "85",
        "reason": "Annual contract review.",
    } | fields
    with pytest.raises(service.ValueRejected) as refused:
        service.set_target("M1", asked, actor_id=None, now=NOW)
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert _targets() == 1


def test_a_new_target_applies_from_its_month_and_the_old_one_is_kept(clean_db):
    measure = make_measure(code="M1", target="85", tolerance="80")
    for month in (9, 10):
        add_measure_value(measure, period=date(2015, month, 1), value="87")
    db.session.commit()
    service.set_target(
        "M1",
        {"effective_from": "2015-10", "target": "95", "tolerance": "90", "reason": "Year 2."},
        actor_id=None,
        now=NOW,
    )
    september = reads.get_scorecard(date(2015, 9, 1)).rows[0]
    october = reads.get_scorecard(date(2015, 10, 1)).rows[0]
    assert (september.status, october.status) == (Status.ON_TARGET, Status.OFF_TARGET)
    detail = reads.get_measure("M1", today=date(2016, 2, 5))
    assert [str(t.target) for t in detail.targets] == ["95.00", "85.00"]
    assert [h.status for h in detail.history] == [Status.OFF_TARGET, Status.ON_TARGET]


def test_a_pooled_quarter_and_a_latest_quarter(clean_db):
    pooled = make_measure(code="PO", basis="pooled", target="85", tolerance="80")
    latest = make_measure(code="LA", basis="latest", target="85", tolerance="80")
    for measure in (pooled, latest):
        add_measure_value(
            measure, period=date(2015, 10, 1), value="50", numerator="5", denominator="10"
        )
        add_measure_value(
            measure, period=date(2015, 11, 1), value="90", numerator="90", denominator="100"
        )
        add_measure_value(
            measure, period=date(2015, 12, 1), value="100", numerator="10", denominator="10"
        )
    db.session.commit()
    rows = {r.code: r for r in reads.get_scorecard(Quarter(2015, 3)).rows}
    assert rows["PO"].value == Decimal("87.50") and rows["PO"].status is Status.ON_TARGET
    assert rows["LA"].value == Decimal("100") and rows["LA"].small_cohort is False
    assert reads.get_scorecard(date(2015, 12, 1), small_cohort_below=11).rows[0].small_cohort


def test_green_actions_with_an_off_target_measure_are_listed(clean_db):
    lead = make_user()
    green, amber, green_on = (make_action(lead=lead) for _ in range(3))
    add_update(amber, rag="amber", recorded_at=NOW)
    off = make_measure(code="OFF", target="90", tolerance="80")
    on = make_measure(code="ON", target="90", tolerance="80")
    add_measure_value(off, period=date(2015, 12, 1), value="95")
    add_measure_value(off, period=date(2016, 1, 1), value="70")  # the latest: off target
    add_measure_value(off, period=date(2016, 3, 1), value="99")  # after today: not counted
    add_measure_value(on, period=date(2016, 1, 1), value="91")
    db.session.execute(
        measure_action.insert(),
        [
            {"measure_id": off.id, "action_id": green.id},
            {"measure_id": off.id, "action_id": amber.id},
            {"measure_id": on.id, "action_id": green_on.id},
        ],
    )
    db.session.commit()
    found = measure_links.list_green_actions_with_off_target_measures(date(2016, 2, 5))
    assert [(w.action_ref, w.measure_code, w.value) for w in found] == [
        (green.ref, "OFF", Decimal("70.00"))
    ]
    assert measure_links.list_green_actions_with_off_target_measures(date(2015, 12, 20)) == []


def test_the_seed_loads_the_measures_once(clean_db):
    from pathlib import Path

    from tracker.services.performance.measure_seed import load_measures

    seed = Path(clean_db.config["SEED_DIR"])
    first = load_measures(seed, now=NOW)
    assert first == {"measures": 60, "measure_values": 502}
    assert load_measures(seed, now=NOW) == {"measures": 0, "measure_values": 0}
    assert db.session.execute(select(func.count()).select_from(Measure)).scalar_one() == 60
    assert db.session.execute(select(func.count()).select_from(MeasureValue)).scalar_one() == 502


def test_the_seed_keeps_titles_whole_and_appendix_a_decides_which_measures_are_key(clean_db):
    """B12 and C15 hold a comma: unquoted in YAML's flow style, it cut them (issue 18)."""
    from pathlib import Path

    import pytest

    from tests.appendix_a import APPENDIX_A
    from tracker.services.performance.measure_seed import check_entry, load_measures

    load_measures(Path(clean_db.config["SEED_DIR"]), now=NOW)
    rows = dict(db.session.execute(select(Measure.code, Measure.title)).all())
    assert rows["B12"] == "Percentage of Care Leavers in Employment, Education or Training"
    assert (
        rows["C15"] == "Of the Permanent Staff that left, how many left within 2 years of starting"
    )
    key = set(db.session.execute(select(Measure.code).where(Measure.kind == "key")).scalars())
    assert key == set(APPENDIX_A)
    with pytest.raises(ValueError, match="unknown field 'Education or Training'"):
        check_entry(
            {"code": "B12", "title": "Care Leavers in Employment", "Education or Training": None}
        )
