"""Dates as people type them, and which 'as at' dates the plan can be shown for."""

from datetime import date

import pytest

from tracker.domain.dates import as_at_problem, parse_day


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2016-02-05", date(2016, 2, 5)),
        ("5/2/2016", date(2016, 2, 5)),  # day first, as in the UK
        ("05/02/2016", date(2016, 2, 5)),
        ("5.2.2016", date(2016, 2, 5)),
        ("5 Feb 2016", date(2016, 2, 5)),
        ("5 February 2016", date(2016, 2, 5)),
        ("  5   feb   2016 ", date(2016, 2, 5)),
        ("5th Feb 2016", date(2016, 2, 5)),
        ("1 Sept 2015", date(2015, 9, 1)),
        ("29/2/2016", date(2016, 2, 29)),  # a leap year
        ("31 Dec 2015", date(2015, 12, 31)),
    ],
)
def test_a_date_typed_in_a_common_way_is_understood(typed, day):
    assert parse_day(typed) == day


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Enter a date like"),
        ("yesterday", "Enter a date like"),
        ("2/5", "Enter a date like"),
        ("5 Fbr 2016", "Enter a date like"),
        ("2016/02/05", "Enter a date like"),
        ("5/2/16", "Enter a date like"),  # a two-digit year is ambiguous
        ("5/2/2016\x00", "Enter a date like"),
        ("99999999999/2/2016", "Enter a date like"),
        ("31/2/2016", "Enter a real date"),
        ("29/2/2015", "Enter a real date"),  # not a leap year
        ("2016-13-01", "Enter a real date"),
        ("0/1/2016", "Enter a real date"),
    ],
)
def test_anything_else_is_refused_with_the_formats_named(typed, says):
    with pytest.raises(ValueError) as refused:
        parse_day(typed)
    assert str(refused.value).startswith(says)
    assert "27/3/2025" in str(refused.value)  # the hint's example


FIRST = date(2015, 12, 18)
TODAY = date(2016, 2, 5)


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (date(2015, 12, 18), None),  # the day the history starts
        (date(2016, 1, 20), None),
        (TODAY, None),
        (date(2015, 12, 17), "on or after 18 December 2015, when the plan's history starts"),
        (date(2015, 11, 27), "on or after 18 December 2015"),
        (date(2016, 2, 6), "today (5 February 2016) or earlier"),
    ],
)
def test_a_date_before_the_plan_began_or_after_today_is_explained(day, problem):
    said = as_at_problem(day, first_day=FIRST, today=TODAY)
    if problem is None:
        assert said is None
    else:
        assert problem in said


def test_with_no_history_yet_only_the_future_is_refused():
    assert as_at_problem(date(2000, 1, 1), first_day=None, today=TODAY) is None
    assert as_at_problem(date(2016, 2, 6), first_day=None, today=TODAY) is not None
