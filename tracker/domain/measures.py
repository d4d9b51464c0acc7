"""Contract performance measures: periods, financial-year quarters, values and their status.

A measure's status compares a value with the target and tolerance in force for its period.
The tolerance is a threshold on the same scale as the target (care leavers in education,
employment or training: target 45%, tolerance 40%), on the worse side of the target."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class Area(StrEnum):
    CHILDREN_IN_NEED = "children_in_need"
    CHILDREN_IN_CARE = "children_in_care"
    WORKFORCE = "workforce"
    FINANCE = "finance"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS = {
    Area.CHILDREN_IN_NEED: "Social care pathway for children in need",
    Area.CHILDREN_IN_CARE: "Children in care and care leavers",
    Area.WORKFORCE: "Workforce",
    Area.FINANCE: "Finance",
}


class Kind(StrEnum):
    KEY = "key"
    OPERATIONAL = "operational"


class Polarity(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class Unit(StrEnum):
    PERCENTAGE = "percentage"
    DAYS = "days"
    COUNT = "count"
    MONEY = "money"  # pounds


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"  # finance: a value at the end of each quarter


class Basis(StrEnum):
    """How a quarter's value is made from its months."""

    LATEST = "latest"  # the position at the end of the quarter (rolling or snapshot measures)
    POOLED = "pooled"  # the quarter's numerators over its denominators (monthly flows)


class Status(StrEnum):
    ON_TARGET = "ON TARGET"
    IN_TOLERANCE = "IN TOLERANCE"
    OFF_TARGET = "OFF TARGET"
    NO_TARGET_SET = "NO TARGET SET"

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self]


STATUS_COLOURS = {
    Status.ON_TARGET: "green",
    Status.IN_TOLERANCE: "yellow",
    Status.OFF_TARGET: "red",
    Status.NO_TARGET_SET: "grey",
}
STATUS_MEANINGS = {
    Status.ON_TARGET: "performance is equal to or better than the target set within the contract",
    Status.IN_TOLERANCE: "performance is not at target but is within the tolerance range",
    Status.OFF_TARGET: "performance is outside the target and tolerance set within the contract",
    Status.NO_TARGET_SET: "no target was set within the contract, so position cannot be described",
}
SMALL_COHORT_DEFAULT = 10
# Stored values: up to 12 digits before the point and 2 after (Numeric(14, 2)).
MAX_ABS = Decimal("999999999999.99")
CENT = Decimal("0.01")


class MeasureError(ValueError):
    """Input a measure cannot take: the message says what is wrong, in words."""


def status(
    value: Decimal | None, target: Decimal | None, tolerance: Decimal | None, polarity: Polarity
) -> Status | None:
    """ON TARGET at or better than target; IN TOLERANCE worse but at or within the tolerance
    threshold; OFF TARGET beyond it (or any worse than target when no tolerance is set); NO
    TARGET SET without a target. None when there is a target but no value to judge."""
    if target is None:
        return Status.NO_TARGET_SET
    if value is None:
        return None
    sign = 1 if Polarity(polarity) is Polarity.HIGHER else -1
    if sign * (value - target) >= 0:
        return Status.ON_TARGET
    if tolerance is not None and sign * (value - tolerance) >= 0:
        return Status.IN_TOLERANCE
    return Status.OFF_TARGET


def check_target(
    target: Decimal | None, tolerance: Decimal | None, polarity: Polarity, unit: Unit
) -> None:
    """A tolerance needs a target and sits on the worse side of it for the polarity."""
    for name, number in (("target", target), ("tolerance", tolerance)):
        if number is not None:
            check_number(number, unit, what=f"The {name}")
    if tolerance is None:
        return
    if target is None:
        raise MeasureError("A tolerance needs a target")
    if Polarity(polarity) is Polarity.HIGHER and tolerance > target:
        raise MeasureError(
            "Higher is better for this measure, so the tolerance must be at or below the target"
        )
    if Polarity(polarity) is Polarity.LOWER and tolerance < target:
        raise MeasureError(
            "Lower is better for this measure, so the tolerance must be at or above the target"
        )


def parse_number(text: str | None, *, what: str = "The value") -> Decimal | None:
    """A number as people type it ('87.5', '87.5%', '£1,200'): None when blank."""
    if text is None:
        return None
    cleaned = str(text).strip().replace(",", "").removeprefix("£").removesuffix("%").strip()
    if cleaned == "":
        return None
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise MeasureError(f"{what} must be a number, like 87.5")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise MeasureError(f"{what} must be a number, like 87.5") from None
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MeasureError(f"{what} must have no more than 2 decimal places")
    if abs(number) > MAX_ABS:
        raise MeasureError(f"{what} is too large")
    return number


def check_number(number: Decimal, unit: Unit, *, what: str = "The value") -> None:
    """What a unit allows: a percentage from 0 to 100, days and counts not negative, counts
    whole; money (pounds) may be negative (an underspend, a shortfall)."""
    unit = Unit(unit)
    if unit is Unit.PERCENTAGE and not Decimal(0) <= number <= Decimal(100):
        raise MeasureError(f"{what} is a percentage, so it must be between 0 and 100")
    if unit in (Unit.DAYS, Unit.COUNT) and number < 0:
        raise MeasureError(f"{what} must not be negative")
    if unit is Unit.COUNT and number != number.to_integral_value():
        raise MeasureError(f"{what} is a count, so it must be a whole number")


@dataclass(frozen=True)
class Entry:
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None


def check_entry(
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    unit: Unit,
) -> Entry:
    """A value with its optional numerator and denominator. Given both and no value, a
    percentage is worked out from them; given all three, they must agree."""
    if (numerator is None) != (denominator is None):
        raise MeasureError("Give both the numerator and the denominator, or neither")
    if numerator is not None and denominator is not None:
        if numerator < 0 or denominator <= 0:
            raise MeasureError("The denominator must be above 0 and the numerator not negative")
        if Unit(unit) is Unit.PERCENTAGE and numerator > denominator:
            raise MeasureError("The numerator of a percentage cannot be above its denominator")
        worked = ratio(numerator, denominator, unit)
        if value is None:
            value = worked
        elif abs(value - worked) > Decimal("0.05") * (100 if unit == Unit.PERCENTAGE else 1):
            raise MeasureError(
                f"The value {plain(value)} does not match the numerator and denominator "
                f"({plain(worked)})"
            )
    if value is None:
        raise MeasureError("Enter a value")
    check_number(value, unit)
    return Entry(value, numerator, denominator)


def ratio(numerator: Decimal, denominator: Decimal, unit: Unit) -> Decimal:
    scale = Decimal(100) if Unit(unit) is Unit.PERCENTAGE else Decimal(1)
    return (numerator * scale / denominator).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(number: Decimal | None) -> str:
    """87.20 -> '87.2', 45.00 -> '45': the number as a person writes it."""
    if number is None:
        return ""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def small_cohort(denominator: Decimal | None, threshold: int = SMALL_COHORT_DEFAULT) -> bool:
    """A percentage on fewer than `threshold` children or cases misleads: warn."""
    return denominator is not None and denominator < threshold


# --- Periods -------------------------------------------------------------------------------

MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def parse_period(text: str | None) -> date:
    """'2024-12' -> 1 December 2024 (a period is a calendar month)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise MeasureError("The period must be a month in the format YYYY-MM, like 2024-12")
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_text(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def period_label(period: date) -> str:
    return f"{MONTH_NAMES[period.month - 1]} {period.year}"


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def check_not_future(period: date, today: date) -> None:
    if period > month_of(today):
        raise MeasureError(f"{period_label(period)} is in the future")


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: 2024-Q3 is October to December 2024 (April starts the year)."""

    year: int  # the financial year's first calendar year: 2024 for 2024/25
    number: int  # 1 to 4

    @property
    def first(self) -> date:
        return add_months(date(self.year, 4, 1), 3 * (self.number - 1))

    @property
    def last(self) -> date:
        return add_months(self.first, 2)

    @property
    def months(self) -> tuple[date, date, date]:
        return (self.first, add_months(self.first, 1), add_months(self.first, 2))

    @property
    def text(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def financial_year(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"Quarter {self.number} {self.financial_year}"

    @property
    def span(self) -> str:
        first, last = self.first, self.last
        return f"{MONTH_NAMES[first.month - 1]} to {period_label(last)}"

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def parse_quarter(text: str | None) -> Quarter:
    match = re.fullmatch(r"(\d{4})-Q([1-4])", (text or "").strip(), flags=re.IGNORECASE)
    if not match or int(match.group(1)) < 1900:
        raise MeasureError(
            "The quarter must be a financial-year quarter like 2024-Q3 (October to December 2024)"
        )
    return Quarter(int(match.group(1)), int(match.group(2)))


def quarter_of(period: date) -> Quarter:
    year = period.year if period.month >= 4 else period.year - 1
    return Quarter(year, (period.month - 4) % 12 // 3 + 1)


def is_quarter_end(period: date) -> bool:
    return period.month in (3, 6, 9, 12)


def last_complete_quarter(today: date) -> Quarter:
    """The latest quarter whose months have all ended by `today`."""
    return quarter_of(month_of(today)).previous()


# --- A quarter's value ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthValue:
    period: date
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def quarter_value(months: Iterable[MonthValue], basis: Basis, unit: Unit) -> MonthValue | None:
    """The quarter's figure from its months' values: the latest month's (LATEST), or the
    quarter's numerators over its denominators (POOLED; the latest month's value where a month
    lacks them). None when the quarter has no value."""
    rows = sorted(months, key=lambda m: m.period)
    if not rows:
        return None
    last = rows[-1]
    if Basis(basis) is Basis.LATEST or any(m.denominator is None for m in rows):
        return last
    numerator = sum((m.numerator or Decimal(0) for m in rows), Decimal(0))
    denominator = sum((m.denominator or Decimal(0) for m in rows), Decimal(0))
    if denominator <= 0:
        return last
    return MonthValue(last.period, ratio(numerator, denominator, unit), numerator, denominator)


def target_for(
    changes: Iterable[tuple[date, Decimal | None, Decimal | None]], period: date
) -> tuple[Decimal | None, Decimal | None]:
    """The (target, tolerance) in force for `period`: the latest change effective by then."""
    current: tuple[Decimal | None, Decimal | None] = (None, None)
    for effective_from, target, tolerance in sorted(changes, key=lambda c: c[0]):
        if effective_from <= period:
            current = (target, tolerance)
    return current


def format_value(value: Decimal | None, unit: Unit | str) -> str:
    """A figure as the report prints it: '87%', '176.05 days', '371', '£1,150,000', '-£490,000'.
    Never rounded beyond what is stored, so a figure never looks on target when it is not."""
    if value is None:
        return "No value"
    unit = Unit(unit)
    if unit is Unit.MONEY:
        sign = "-" if value < 0 else ""
        amount = abs(value)
        text = f"{amount:,.2f}"
        if text.endswith(".00"):
            text = text[:-3]
        return f"{sign}£{text}"
    text = plain(value)
    if unit is Unit.PERCENTAGE:
        return f"{text}%"
    if unit is Unit.DAYS:
        return f"{text} days" if text != "1" else "1 day"
    return text


@dataclass(frozen=True)
class StatusCounts:
    """How many measures are in each status (a scorecard's key or operational measures)."""

    on_target: int = 0
    in_tolerance: int = 0
    off_target: int = 0
    no_target_set: int = 0
    no_value: int = 0  # a target, but no value in the period

    @property
    def total(self) -> int:
        return (
            self.on_target
            + self.in_tolerance
            + self.off_target
            + self.no_target_set
            + self.no_value
        )

    @property
    def within_or_better(self) -> int:
        return self.on_target + self.in_tolerance

    def of(self, status: Status | None) -> int:
        return {
            Status.ON_TARGET: self.on_target,
            Status.IN_TOLERANCE: self.in_tolerance,
            Status.OFF_TARGET: self.off_target,
            Status.NO_TARGET_SET: self.no_target_set,
            None: self.no_value,
        }[status]

    def sentence(self, what: str = "") -> str:
        """'9 key measures at or exceeding target, 7 within tolerance, 3 outside tolerance and 3
        with no target set': the scrutiny report's headline, in words."""
        noun = what if self.on_target != 1 else what.removesuffix("s")
        parts = [
            " ".join(p for p in (str(self.on_target), noun, "at or exceeding target") if p),
            f"{self.in_tolerance} within tolerance",
            f"{self.off_target} outside tolerance",
            f"{self.no_target_set} with no target set",
        ]
        if self.no_value:
            parts.append(f"{self.no_value} with no value for the period")
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def count_statuses(statuses: Iterable[Status | None]) -> StatusCounts:
    """The counts of a list of measures' statuses (None: a target but no value)."""
    seen = list(statuses)
    return StatusCounts(
        on_target=seen.count(Status.ON_TARGET),
        in_tolerance=seen.count(Status.IN_TOLERANCE),
        off_target=seen.count(Status.OFF_TARGET),
        no_target_set=seen.count(Status.NO_TARGET_SET),
        no_value=seen.count(None),
    )


def describe_target(target: Decimal | None, tolerance: Decimal | None, unit: Unit | str) -> str:
    if target is None:
        return "No target set"
    if tolerance is None:
        return format_value(target, unit)
    return f"{format_value(target, unit)} (tolerance {format_value(tolerance, unit)})"
