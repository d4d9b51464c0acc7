"""Measure status on both polarities at every boundary, periods, quarters and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from tracker.domain.measures import (
    Basis,
    MeasureError,
    MonthValue,
    Polarity,
    Quarter,
    Status,
    Unit,
    check_entry,
    check_not_future,
    check_target,
    last_complete_quarter,
    parse_number,
    parse_period,
    parse_quarter,
    quarter_of,
    quarter_value,
    small_cohort,
    status,
    target_for,
)

H, L = Polarity.HIGHER, Polarity.LOWER
ON, IN, OFF, NONE = (
    Status.ON_TARGET,
    Status.IN_TOLERANCE,
    Status.OFF_TARGET,
    Status.NO_TARGET_SET,
)


@pytest.mark.parametrize(
    ("value", "target", "tolerance", "polarity", "expected"),
    [
        # Higher is better: care leavers in EET, target 45%, tolerance 40%.
        ("50", "45", "40", H, ON),
        ("45", "45", "40", H, ON),  # at target is on target
        ("44.99", "45", "40", H, IN),  # a hair below target
        ("40", "45", "40", H, IN),  # at the tolerance threshold is within tolerance
        ("39.99", "45", "40", H, OFF),  # a hair beyond tolerance
        ("0", "45", "40", H, OFF),
        ("45", "45", "45", H, ON),  # no tolerance band
        ("44.99", "45", "45", H, OFF),
        ("44.99", "45", None, H, OFF),  # no tolerance set: any worse than target is off
        # Lower is better: re-referrals, target 22%, tolerance 25%.
        ("10", "22", "25", L, ON),
        ("22", "22", "25", L, ON),
        ("22.01", "22", "25", L, IN),
        ("25", "22", "25", L, IN),
        ("25.01", "22", "25", L, OFF),
        ("100", "22", "25", L, OFF),
        ("22.01", "22", None, L, OFF),
        # Money, lower is better, negative values (an underspend) are better.
        ("-150000", "0", "250000", L, ON),
        ("250000", "0", "250000", L, IN),
        ("250000.01", "0", "250000", L, OFF),
        # No target set, whatever the value.
        ("97", None, None, H, NONE),
        ("0", None, None, L, NONE),
        (None, None, None, H, NONE),
        # A target but no value: nothing to judge.
        (None, "45", "40", H, None),
    ],
)
def test_status_on_both_polarities_at_every_boundary(value, target, tolerance, polarity, expected):
    dec = lambda x: None if x is None else D(x)  # noqa: E731
    assert status(dec(value), dec(target), dec(tolerance), polarity) is expected


@pytest.mark.parametrize(
    ("target", "tolerance", "polarity", "unit", "message"),
    [
        ("45", "50", H, Unit.PERCENTAGE, "at or below the target"),
        ("22", "20", L, Unit.PERCENTAGE, "at or above the target"),
        (None, "20", L, Unit.PERCENTAGE, "needs a target"),
        ("120", "100", H, Unit.PERCENTAGE, "between 0 and 100"),
        ("10.5", "12", L, Unit.COUNT, "whole number"),
        ("-1", None, L, Unit.DAYS, "must not be negative"),
    ],
)
def test_a_tolerance_on_the_wrong_side_or_a_bad_target_is_refused(
    target, tolerance, polarity, unit, message
):
    dec = lambda x: None if x is None else D(x)  # noqa: E731
    with pytest.raises(MeasureError, match=message):
        check_target(dec(target), dec(tolerance), polarity, unit)


@pytest.mark.parametrize(
    ("target", "tolerance", "polarity"),
    [
        ("45", "40", H),
        ("45", "45", H),
        ("22", "25", L),
        ("22", "22", L),
        ("45", None, H),
        (None, None, H),
    ],
)
def test_a_tolerance_on_the_worse_side_is_accepted(target, tolerance, polarity):
    dec = lambda x: None if x is None else D(x)  # noqa: E731
    check_target(dec(target), dec(tolerance), polarity, Unit.PERCENTAGE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("87.5", D("87.5")),
        (" 87.5% ", D("87.5")),
        ("£1,200", D("1200")),
        ("-3", D("-3")),
        ("", None),
    ],
)
def test_numbers_are_read_as_people_type_them(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("eighty", "must be a number"),
        ("87,5.1.2", "must be a number"),
        ("NaN", "must be a number"),
        ("1e3", "must be a number"),
        ("87.555", "2 decimal places"),
        ("9999999999999", "too large"),
    ],
)
def test_a_value_that_is_not_a_number_is_refused(text, message):
    with pytest.raises(MeasureError, match=message):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "num", "den", "unit", "expected"),
    [
        ("87", None, None, Unit.PERCENTAGE, D("87")),
        (None, "87", "100", Unit.PERCENTAGE, D("87")),
        (None, "2", "3", Unit.PERCENTAGE, D("66.67")),
        ("66.7", "2", "3", Unit.PERCENTAGE, D("66.7")),
        (None, "5460", "30", Unit.DAYS, D("182")),
        ("-12000", None, None, Unit.MONEY, D("-12000")),
    ],
)
def test_an_entry_is_checked_and_a_percentage_worked_out(value, num, den, unit, expected):
    dec = lambda x: None if x is None else D(x)  # noqa: E731
    assert check_entry(dec(value), dec(num), dec(den), unit).value == expected


@pytest.mark.parametrize(
    ("value", "num", "den", "unit", "message"),
    [
        ("100.01", None, None, Unit.PERCENTAGE, "between 0 and 100"),
        ("-1", None, None, Unit.PERCENTAGE, "between 0 and 100"),
        ("12.5", None, None, Unit.COUNT, "whole number"),
        ("-2", None, None, Unit.DAYS, "must not be negative"),
        (None, "5", None, Unit.PERCENTAGE, "both the numerator and the denominator"),
        (None, "5", "0", Unit.PERCENTAGE, "above 0"),
        (None, "12", "10", Unit.PERCENTAGE, "cannot be above"),
        ("50", "8", "10", Unit.PERCENTAGE, "does not match"),
        (None, None, None, Unit.PERCENTAGE, "Enter a value"),
    ],
)
def test_a_bad_entry_is_refused_with_a_clear_message(value, num, den, unit, message):
    dec = lambda x: None if x is None else D(x)  # noqa: E731
    with pytest.raises(MeasureError, match=message):
        check_entry(dec(value), dec(num), dec(den), unit)


@pytest.mark.parametrize(
    ("denominator", "threshold", "expected"),
    [(None, 10, False), ("9", 10, True), ("10", 10, False), ("3", 3, False), ("2", 3, True)],
)
def test_a_small_cohort_is_below_the_setting(denominator, threshold, expected):
    assert small_cohort(None if denominator is None else D(denominator), threshold) is expected


@pytest.mark.parametrize(
    ("text", "first", "last", "label"),
    [
        ("2015-Q1", date(2015, 4, 1), date(2015, 6, 1), "Quarter 1 2015/16"),
        ("2015-Q2", date(2015, 7, 1), date(2015, 9, 1), "Quarter 2 2015/16"),
        ("2015-Q3", date(2015, 10, 1), date(2015, 12, 1), "Quarter 3 2015/16"),
        ("2015-q4", date(2016, 1, 1), date(2016, 3, 1), "Quarter 4 2015/16"),
        ("1999-Q4", date(2000, 1, 1), date(2000, 3, 1), "Quarter 4 1999/00"),
    ],
)
def test_quarters_are_financial_year_quarters(text, first, last, label):
    quarter = parse_quarter(text)
    assert (quarter.first, quarter.last, quarter.label) == (first, last, label)
    assert all(quarter_of(m) == quarter for m in quarter.months)


@pytest.mark.parametrize("text", ["2015-Q5", "2015-Q0", "2015Q3", "Q3 2015", "", None, "2015-Q3x"])
def test_a_quarter_not_in_the_form_yyyy_qn_is_refused(text):
    with pytest.raises(MeasureError, match="financial-year quarter"):
        parse_quarter(text)


@pytest.mark.parametrize("text", ["2015-13", "2015-00", "2015-1", "15-12", "2015-12-01", "", None])
def test_a_period_not_in_the_form_yyyy_mm_is_refused(text):
    with pytest.raises(MeasureError, match="YYYY-MM"):
        parse_period(text)


@pytest.mark.parametrize(
    ("period", "today", "future"),
    [
        (date(2016, 2, 1), date(2016, 2, 5), False),  # this month may be entered
        (date(2016, 3, 1), date(2016, 2, 29), True),
        (date(2016, 1, 1), date(2016, 1, 1), False),
        (date(2017, 1, 1), date(2016, 12, 31), True),
    ],
)
def test_a_period_in_the_future_is_refused(period, today, future):
    if future:
        with pytest.raises(MeasureError, match="in the future"):
            check_not_future(period, today)
    else:
        check_not_future(period, today)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2016, 2, 5), Quarter(2015, 3)),
        (date(2016, 1, 1), Quarter(2015, 3)),
        (date(2015, 12, 31), Quarter(2015, 2)),
        (date(2016, 4, 1), Quarter(2015, 4)),
    ],
)
def test_the_last_complete_quarter(today, expected):
    assert last_complete_quarter(today) == expected


def test_a_pooled_quarter_is_its_numerators_over_its_denominators():
    months = [
        MonthValue(date(2015, 10, 1), D("80"), D("32"), D("40")),
        MonthValue(date(2015, 11, 1), D("84.44"), D("38"), D("45")),
        MonthValue(date(2015, 12, 1), D("97.5"), D("39"), D("40")),
    ]
    pooled = quarter_value(months, Basis.POOLED, Unit.PERCENTAGE)
    assert pooled.value == D("87.20") and pooled.denominator == D("125")
    assert quarter_value(months, Basis.LATEST, Unit.PERCENTAGE).value == D("97.5")
    assert quarter_value([], Basis.POOLED, Unit.PERCENTAGE) is None


def test_the_target_in_force_is_the_latest_change_by_the_period():
    changes = [
        (date(2015, 10, 1), D("95"), D("90")),
        (date(2015, 4, 1), D("85"), D("80")),
    ]
    assert target_for(changes, date(2015, 9, 1)) == (D("85"), D("80"))
    assert target_for(changes, date(2015, 10, 1)) == (D("95"), D("90"))
    assert target_for(changes, date(2015, 3, 1)) == (None, None)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("87.00", Unit.PERCENTAGE, "87%"),
        ("80.51", Unit.PERCENTAGE, "80.51%"),
        ("176.05", Unit.DAYS, "176.05 days"),
        ("371", Unit.COUNT, "371"),
        ("1150000.00", Unit.MONEY, "£1,150,000"),
        ("-490000", Unit.MONEY, "-£490,000"),
        ("12.5", Unit.MONEY, "£12.50"),
        (None, Unit.MONEY, "No value"),
    ],
)
def test_figures_are_printed_as_stored_never_rounded_onto_target(value, unit, text):
    from tracker.domain.measures import format_value

    assert format_value(None if value is None else D(value), unit) == text


@pytest.mark.parametrize(
    ("statuses", "what", "sentence"),
    [
        (
            [ON] * 9 + [IN] * 7 + [OFF] * 3 + [NONE] * 3,
            "key measures",
            "9 key measures at or exceeding target, 7 within tolerance, 3 outside tolerance and "
            "3 with no target set",
        ),
        (
            [ON, None],
            "key measures",
            "1 key measure at or exceeding target, 0 within tolerance, 0 outside tolerance, 0 "
            "with no target set and 1 with no value for the period",
        ),
        (
            [],
            "",
            "0 at or exceeding target, 0 within tolerance, 0 outside tolerance and 0 with "
            "no target set",
        ),
    ],
)
def test_status_counts_read_as_the_scrutiny_reports_headline(statuses, what, sentence):
    from tracker.domain.measures import count_statuses

    counts = count_statuses(statuses)
    assert counts.sentence(what) == sentence
    assert counts.total == len(statuses)
    assert counts.within_or_better == statuses.count(ON) + statuses.count(IN)
