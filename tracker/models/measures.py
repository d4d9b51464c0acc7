"""Contract performance measures: the register, targets by period, monthly values, links."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

AREAS = ("children_in_need", "children_in_care", "workforce", "finance")
KINDS = ("key", "operational")
POLARITIES = ("higher", "lower")
UNITS = ("percentage", "days", "count", "money")
FREQUENCIES = ("monthly", "quarterly")
BASES = ("latest", "pooled")


class Measure(db.Model):
    __tablename__ = "measure"
    __table_args__ = (
        CheckConstraint(_in("area", AREAS), name="area"),
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("polarity", POLARITIES), name="polarity"),
        CheckConstraint(_in("unit", UNITS), name="unit"),
        CheckConstraint(_in("frequency", FREQUENCIES), name="frequency"),
        CheckConstraint(_in("quarter_basis", BASES), name="quarter_basis"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    polarity: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(16))
    # How a quarter's value is made from its months (domain.measures.Basis).
    quarter_basis: Mapped[str] = mapped_column(String(16), default="latest")
    numerator_label: Mapped[str] = mapped_column(String(200), default="")
    denominator_label: Mapped[str] = mapped_column(String(200), default="")
    # The order measures are listed in within their area (A1, A2, ..., D17a, D17b, ...).
    position: Mapped[int] = mapped_column(default=0)


class MeasureTarget(db.Model):
    """A target and tolerance in force from a month (the annual contract review sets new ones).
    Rows are only ever added: the history of targets is kept."""

    __tablename__ = "measure_target"
    __table_args__ = (
        db.UniqueConstraint("measure_id", "effective_from", name="uq_measure_target_from"),
        CheckConstraint("tolerance IS NULL OR target IS NOT NULL", name="tolerance_needs_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"))
    effective_from: Mapped[date] = mapped_column(Date)  # the first of a month
    target: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    tolerance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MeasureValue(db.Model):
    """A measure's value for one month, with the Trust's narrative."""

    __tablename__ = "measure_value"
    __table_args__ = (
        db.UniqueConstraint("measure_id", "period", name="uq_measure_value_period"),
        CheckConstraint(
            "(numerator IS NULL AND denominator IS NULL)"
            " OR (numerator IS NOT NULL AND denominator > 0)",
            name="cohort",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"))
    period: Mapped[date] = mapped_column(Date, index=True)  # the first of the month
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    numerator: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    denominator: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    narrative: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


# Which recommendations and actions a measure evidences.
measure_recommendation = Table(
    "measure_recommendation",
    db.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendation.id"), primary_key=True),
)
measure_action = Table(
    "measure_action",
    db.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True, index=True),
)
