"""Green outside, red inside: actions rated green while a measure they are linked to is off
target. The chair's "watermelon" list on the dashboard reads this."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select

from tracker.domain import measures as rules
from tracker.domain.measures import Status
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionState,
    Measure,
    MeasureTarget,
    MeasureValue,
    Plan,
    measure_action,
)


@dataclass(frozen=True)
class GreenOffTarget:
    """An action rated green while a measure it is linked to is off target."""

    action_ref: str
    action_title: str
    measure_code: str
    measure_title: str
    period: date
    value: Decimal
    target: Decimal | None
    tolerance: Decimal | None
    plan: str = ""  # the plan holding the action
    unit: str = rules.Unit.COUNT.value

    @property
    def period_label(self) -> str:
        return rules.period_label(self.period)

    @property
    def value_text(self) -> str:
        """The value with its unit, as people read it ('£1,640,000', '88.89%')."""
        return rules.format_value(self.value, self.unit)


def list_green_actions_with_off_target_measures(today: date) -> list[GreenOffTarget]:
    """Green outside, red inside: open actions rated green whose linked measure's latest value
    (up to this month) is OFF TARGET against the target in force for its period. Three
    statements, whatever the size of the plan."""
    linked = db.session.execute(
        select(
            Action.ref,
            Action.title,
            Measure.id,
            Measure.code,
            Measure.title,
            Measure.polarity,
            Plan.code,
            Measure.unit,
        )
        .join(Plan, Plan.id == Action.plan_id)
        .join(measure_action, measure_action.c.action_id == Action.id)
        .join(Measure, Measure.id == measure_action.c.measure_id)
        .join(ActionState, ActionState.action_id == Action.id)
        .where(ActionState.rag == "green")
        .order_by(Action.ref, Measure.code)
    ).all()
    if not linked:
        return []
    ids = {row[2] for row in linked}
    latest = (
        select(MeasureValue.measure_id, func.max(MeasureValue.period).label("period"))
        .where(MeasureValue.measure_id.in_(ids), MeasureValue.period <= rules.month_of(today))
        .group_by(MeasureValue.measure_id)
        .subquery()
    )
    values = {
        v.measure_id: v
        for v in db.session.execute(
            select(MeasureValue).join(
                latest,
                and_(
                    latest.c.measure_id == MeasureValue.measure_id,
                    latest.c.period == MeasureValue.period,
                ),
            )
        ).scalars()
    }
    targets: dict[int, list] = defaultdict(list)
    for t in db.session.execute(
        select(MeasureTarget).where(MeasureTarget.measure_id.in_(ids))
    ).scalars():
        targets[t.measure_id].append((t.effective_from, t.target, t.tolerance))
    out = []
    for ref, title, measure_id, code, measure_title, polarity, plan, unit in linked:
        value = values.get(measure_id)
        if value is None:
            continue
        target, tolerance = rules.target_for(targets[measure_id], value.period)
        if (
            rules.status(value.value, target, tolerance, rules.Polarity(polarity))
            is Status.OFF_TARGET
        ):
            out.append(
                GreenOffTarget(
                    ref,
                    title,
                    code,
                    measure_title,
                    value.period,
                    value.value,
                    target,
                    tolerance,
                    plan,
                    unit,
                )
            )
    return out
