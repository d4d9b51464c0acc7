"""Reading contract measures: the scorecard for a month or a quarter, one measure's history,
and the actions rated green while a measure they are linked to is off target.

Each read runs a fixed number of statements (the register, its targets, the values in a window,
and the links), whatever the number of measures or months."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tracker.domain import measures as rules
from tracker.domain.measures import Area, MonthValue, Quarter, Status
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionState,
    Measure,
    MeasureTarget,
    MeasureValue,
    Recommendation,
    User,
    measure_action,
    measure_recommendation,
)
from tracker.services.errors import NotFound

TREND_MONTHS = 12  # the sparkline: the year up to the period shown


@dataclass(frozen=True)
class TrendPoint:
    period: date
    value: Decimal
    status: Status | None

    @property
    def label(self) -> str:
        return rules.period_label(self.period)


@dataclass
class MeasureRow:
    """One measure as at a month or a quarter."""

    id: int
    code: str
    title: str
    definition: str
    area: Area
    kind: str
    polarity: str
    unit: str
    frequency: str
    basis: str
    numerator_label: str
    denominator_label: str
    target: Decimal | None
    tolerance: Decimal | None
    figure: MonthValue | None
    status: Status | None
    narrative: str
    small_cohort: bool
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def value(self) -> Decimal | None:
        return self.figure.value if self.figure else None

    @property
    def numerator(self) -> Decimal | None:
        return self.figure.numerator if self.figure else None

    @property
    def denominator(self) -> Decimal | None:
        return self.figure.denominator if self.figure else None

    @property
    def value_text(self) -> str:
        """The figure with its unit ('87%', '£1,640,000', '24 days'), or 'No value'."""
        return rules.format_value(self.value, self.unit)

    @property
    def figure_text(self) -> str:
        """The value with its numerator and denominator where it has them: '87% (87 of 100)'."""
        if self.denominator is None or self.numerator is None:
            return self.value_text
        count = rules.Unit.COUNT
        return (
            f"{self.value_text} ({rules.format_value(self.numerator, count)} of "
            f"{rules.format_value(self.denominator, count)})"
        )

    @property
    def target_text(self) -> str:
        """The target in force with its tolerance and unit, or 'No target set'."""
        return rules.describe_target(self.target, self.tolerance, self.unit)

    @property
    def status_text(self) -> str:
        return self.status.value if self.status else "No value"


@dataclass
class Scorecard:
    label: str  # "Quarter 3 2024/25 (October to December 2024)" or "December 2024"
    text: str  # 2024-Q3 or 2024-12
    rows: list[MeasureRow]

    def by_area(self, kind: str | None = None) -> list[tuple[Area, list[MeasureRow]]]:
        groups = [
            (area, [r for r in self.rows if r.area is area and kind in (None, r.kind)])
            for area in Area
        ]
        return [(area, rows) for area, rows in groups if rows]

    def counts(self, kind: str | None = None) -> dict[Status | None, int]:
        counts: dict[Status | None, int] = {s: 0 for s in Status} | {None: 0}
        for r in self.rows:
            if kind is None or r.kind == kind:
                counts[r.status] += 1
        return counts

    def status_counts(self, kind: str | None = None) -> rules.StatusCounts:
        """The scrutiny report's headline counts for the key (or operational, or all) measures:
        `get_scorecard(quarter, kind="key").status_counts().sentence("key measures")`."""
        return rules.count_statuses(r.status for r in self.rows if kind is None or r.kind == kind)

    def outside_tolerance(self) -> list[MeasureRow]:
        return [r for r in self.rows if r.status is Status.OFF_TARGET]


@dataclass
class _Register:
    measures: list[Measure]
    targets: dict[int, list[tuple[date, Decimal | None, Decimal | None]]]
    values: dict[int, list[tuple[MonthValue, str]]]  # (figure, narrative), oldest first


def _load(last: date, *, months: int, kind: str | None = None) -> _Register:
    query = select(Measure).order_by(Measure.area, Measure.position, Measure.code)
    if kind:
        query = query.where(Measure.kind == kind)
    measures = list(db.session.execute(query).scalars())
    ids = {m.id for m in measures}
    targets: dict[int, list] = defaultdict(list)
    for t in db.session.execute(
        select(MeasureTarget).order_by(MeasureTarget.effective_from)
    ).scalars():
        if t.measure_id in ids:
            targets[t.measure_id].append((t.effective_from, t.target, t.tolerance))
    first = rules.add_months(last, -(months - 1))
    values: dict[int, list] = defaultdict(list)
    rows = db.session.execute(
        select(
            MeasureValue.measure_id,
            MeasureValue.period,
            MeasureValue.value,
            MeasureValue.numerator,
            MeasureValue.denominator,
            MeasureValue.narrative,
        )
        .where(MeasureValue.period >= first, MeasureValue.period <= last)
        .order_by(MeasureValue.period)
    )
    for measure_id, period, value, numerator, denominator, narrative in rows:
        if measure_id in ids:
            values[measure_id].append(
                (MonthValue(period, value, numerator, denominator), narrative or "")
            )
    measures.sort(key=lambda m: (list(Area).index(Area(m.area)), m.position, m.code))
    return _Register(measures, targets, values)


def _row(
    m: Measure,
    register: _Register,
    months: Iterable[date],
    *,
    small_cohort_below: int,
    trend_to: date | None = None,
) -> MeasureRow:
    months = tuple(months)
    mine = register.values.get(m.id, [])
    in_period = [(v, n) for v, n in mine if v.period in months]
    figure = rules.quarter_value(
        [v for v, _ in in_period], rules.Basis(m.quarter_basis), rules.Unit(m.unit)
    )
    target, tolerance = rules.target_for(register.targets.get(m.id, []), months[-1])
    polarity = rules.Polarity(m.polarity)
    narrative = in_period[-1][1] if in_period else ""
    trend_end = trend_to or months[-1]
    trend = [
        TrendPoint(
            v.period,
            v.value,
            rules.status(
                v.value, *rules.target_for(register.targets.get(m.id, []), v.period), polarity
            ),
        )
        for v, _ in mine
        if v.period <= trend_end
    ]
    return MeasureRow(
        id=m.id,
        code=m.code,
        title=m.title,
        definition=m.definition,
        area=Area(m.area),
        kind=m.kind,
        polarity=m.polarity,
        unit=m.unit,
        frequency=m.frequency,
        basis=m.quarter_basis,
        numerator_label=m.numerator_label,
        denominator_label=m.denominator_label,
        target=target,
        tolerance=tolerance,
        figure=figure,
        status=rules.status(figure.value if figure else None, target, tolerance, polarity),
        narrative=narrative,
        small_cohort=rules.small_cohort(figure.denominator if figure else None, small_cohort_below),
        trend=trend,
    )


def _scorecard(register: _Register, when: Quarter | date, small_cohort_below: int) -> Scorecard:
    if isinstance(when, Quarter):
        months: tuple[date, ...] = when.months
        label, text = f"{when.label} ({when.span})", when.text
    else:
        months = (when,)
        label, text = rules.period_label(when), rules.period_text(when)
    rows = [
        _row(m, register, months, small_cohort_below=small_cohort_below) for m in register.measures
    ]
    return Scorecard(label, text, rows)


def get_scorecard(
    when: Quarter | date, *, kind: str | None = None, small_cohort_below: int = 10
) -> Scorecard:
    """Every measure (or every key or operational one) for a month or a financial quarter:
    its figure, the target in force, its status and the year's trend up to then."""
    last = when.last if isinstance(when, Quarter) else when
    register = _load(last, months=TREND_MONTHS, kind=kind)
    return _scorecard(register, when, small_cohort_below)


def get_scorecards(quarters: list[Quarter], *, small_cohort_below: int = 10) -> list[Scorecard]:
    """Several quarters' scorecards from one read (the report: this quarter and the last)."""
    last = max(q.last for q in quarters)
    first = min(q.first for q in quarters)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    register = _load(last, months=max(span, TREND_MONTHS))
    return [_scorecard(register, q, small_cohort_below) for q in quarters]


# --- One measure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetChange:
    effective_from: date
    target: Decimal | None
    tolerance: Decimal | None
    reason: str
    recorded_at: object
    recorded_by: str | None

    @property
    def label(self) -> str:
        return rules.period_label(self.effective_from)


@dataclass(frozen=True)
class HistoryRow:
    period: date
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    target: Decimal | None
    tolerance: Decimal | None
    status: Status | None
    narrative: str
    small_cohort: bool

    @property
    def label(self) -> str:
        return rules.period_label(self.period)


@dataclass(frozen=True)
class QuarterRow:
    quarter: Quarter
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    target: Decimal | None
    tolerance: Decimal | None
    status: Status | None


@dataclass
class MeasureDetail:
    row: MeasureRow  # as at its latest value
    targets: list[TargetChange]
    history: list[HistoryRow]  # newest first
    quarters: list[QuarterRow]  # newest first
    recommendations: list[tuple[str, str]]  # (ref, title)
    actions: list[dict]


def get_measure(code: str, *, today: date, small_cohort_below: int = 10) -> MeasureDetail:
    """A measure's page: every value with its narrative and the target in force then, its
    quarters, the history of its targets, and what it evidences."""
    measure = db.session.execute(select(Measure).where(Measure.code == code)).scalar_one_or_none()
    if measure is None:
        raise NotFound(code)
    changes = list(
        db.session.execute(
            select(MeasureTarget, User.name)
            .outerjoin(User, User.id == MeasureTarget.recorded_by_id)
            .where(MeasureTarget.measure_id == measure.id)
            .order_by(MeasureTarget.effective_from)
        ).all()
    )
    targets = [(t.effective_from, t.target, t.tolerance) for t, _ in changes]
    values = list(
        db.session.execute(
            select(MeasureValue)
            .where(MeasureValue.measure_id == measure.id)
            .order_by(MeasureValue.period)
        ).scalars()
    )
    polarity = rules.Polarity(measure.polarity)
    history = []
    for v in values:
        target, tolerance = rules.target_for(targets, v.period)
        history.append(
            HistoryRow(
                v.period,
                v.value,
                v.numerator,
                v.denominator,
                target,
                tolerance,
                rules.status(v.value, target, tolerance, polarity),
                v.narrative,
                rules.small_cohort(v.denominator, small_cohort_below),
            )
        )
    by_quarter: dict[Quarter, list[MonthValue]] = defaultdict(list)
    for v in values:
        by_quarter[rules.quarter_of(v.period)].append(
            MonthValue(v.period, v.value, v.numerator, v.denominator)
        )
    quarters = []
    for quarter in sorted(by_quarter, reverse=True):
        figure = rules.quarter_value(
            by_quarter[quarter], rules.Basis(measure.quarter_basis), rules.Unit(measure.unit)
        )
        target, tolerance = rules.target_for(targets, quarter.last)
        quarters.append(
            QuarterRow(
                quarter,
                figure.value,
                figure.numerator,
                figure.denominator,
                target,
                tolerance,
                rules.status(figure.value, target, tolerance, polarity),
            )
        )
    register = _Register(
        [measure],
        {measure.id: targets},
        {
            measure.id: [
                (MonthValue(v.period, v.value, v.numerator, v.denominator), v.narrative)
                for v in values
            ]
        },
    )
    latest = values[-1].period if values else rules.month_of(today)
    row = _row(measure, register, (latest,), small_cohort_below=small_cohort_below)
    row.trend = row.trend[-TREND_MONTHS:]
    recommendations = [
        (r.ref, r.title)
        for r in db.session.execute(
            select(Recommendation)
            .join(
                measure_recommendation,
                measure_recommendation.c.recommendation_id == Recommendation.id,
            )
            .where(measure_recommendation.c.measure_id == measure.id)
            .order_by(Recommendation.number)
        ).scalars()
    ]
    actions = [
        {"ref": ref, "title": title, "lifecycle": lifecycle, "rag": rag}
        for ref, title, lifecycle, rag in db.session.execute(
            select(Action.ref, Action.title, ActionState.lifecycle, ActionState.rag)
            .join(measure_action, measure_action.c.action_id == Action.id)
            .outerjoin(ActionState, ActionState.action_id == Action.id)
            .where(measure_action.c.measure_id == measure.id)
            .order_by(Action.ref)
        ).all()
    ]
    return MeasureDetail(
        row=row,
        targets=[
            TargetChange(t.effective_from, t.target, t.tolerance, t.reason, t.recorded_at, name)
            for t, name in reversed(changes)
        ],
        history=list(reversed(history)),
        quarters=quarters,
        recommendations=recommendations,
        actions=actions,
    )


def earliest_value_month() -> date | None:
    """The first month any measure has a value for (None before any is recorded)."""
    return db.session.execute(select(func.min(MeasureValue.period))).scalar_one_or_none()


def list_measure_codes() -> list[tuple[str, str]]:
    """(code, title) of every measure, in scorecard order (the entry form's choices)."""
    rows = db.session.execute(
        select(Measure.code, Measure.title, Measure.area, Measure.position)
    ).all()
    rows.sort(key=lambda r: (list(Area).index(Area(r.area)), r.position, r.code))
    return [(r.code, r.title) for r in rows]
