from datetime import date, timedelta

import pytest

from tracker.domain.calendar import (
    add_working_days,
    is_bank_holiday,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)
from tracker.domain.deadlines import response_deadline


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2015, 11, 27), True),  # Friday, report published
        (date(2015, 11, 28), False),  # Saturday
        (date(2015, 12, 25), False),  # Christmas Day
        (date(2015, 12, 26), False),  # Boxing Day, a Saturday
        (date(2015, 12, 28), False),  # Boxing Day observed on Monday
        (date(2015, 12, 29), True),
        (date(2016, 1, 1), False),  # New Year's Day
        (date(2016, 3, 25), False),  # Good Friday
        (date(2016, 3, 28), False),  # Easter Monday
        (date(2016, 5, 2), False),  # Early May bank holiday
        (date(2016, 5, 30), False),  # Spring bank holiday
        (date(2016, 8, 29), False),  # Summer bank holiday (England, not Scotland)
        (date(2016, 8, 1), True),  # Scotland's summer holiday is not ours
    ],
)
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(day, working):
    assert is_working_day(day) is working


def test_boxing_day_2015_is_a_holiday_and_so_is_its_observed_monday():
    assert is_bank_holiday(date(2015, 12, 26))
    assert is_bank_holiday(date(2015, 12, 28))


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2015, 11, 27), 0, date(2015, 11, 27)),
        (date(2015, 11, 27), 1, date(2015, 11, 30)),  # over a weekend
        (date(2015, 12, 24), 1, date(2015, 12, 29)),  # over Christmas and Boxing Day observed
        (date(2015, 12, 31), 1, date(2016, 1, 4)),  # over New Year's Day and a weekend
        (date(2016, 3, 24), 1, date(2016, 3, 29)),  # over Easter
        (date(2015, 11, 27), 70, date(2016, 3, 9)),  # the statutory deadline
    ],
)
def test_add_working_days(start, count, expected):
    assert add_working_days(start, count) == expected


def test_add_working_days_refuses_a_negative_count():
    with pytest.raises(ValueError):
        add_working_days(date(2016, 1, 4), -1)


def test_previous_and_next_working_day_step_over_holidays():
    assert previous_working_day(date(2016, 3, 28)) == date(2016, 3, 24)
    assert next_working_day(date(2015, 12, 25)) == date(2015, 12, 29)
    assert previous_working_day(date(2016, 1, 5)) == date(2016, 1, 5)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2015, 11, 27), date(2016, 3, 9), 70),
        (date(2016, 3, 9), date(2015, 11, 27), -70),
        (date(2016, 2, 5), date(2016, 2, 5), 0),
        (date(2016, 2, 5), date(2016, 2, 8), 1),
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_seventy_working_days_from_publication_is_wednesday_9_march_2016():
    deadline = response_deadline(published=date(2015, 11, 27), received=None, anchor="publication")
    assert deadline.due == date(2016, 3, 9)
    assert deadline.due.strftime("%A") == "Wednesday"


def test_the_naive_counts_are_wrong_and_differ_from_ours():
    # Counting weekends only gives 4 March; counting calendar days gives 5 February.
    weekdays_only = date(2015, 11, 27)
    n = 0
    while n < 70:
        weekdays_only += timedelta(days=1)
        if weekdays_only.weekday() < 5:
            n += 1
    assert weekdays_only == date(2016, 3, 4)
    assert date(2015, 11, 27) + timedelta(days=70) == date(2016, 2, 5)
    assert response_deadline(
        published=date(2015, 11, 27), received=None, anchor="publication"
    ).due not in {weekdays_only, date(2016, 2, 5)}


def test_the_deadline_anchor_can_be_receipt_of_the_report():
    deadline = response_deadline(
        published=date(2015, 11, 27), received=date(2015, 11, 20), anchor="receipt"
    )
    assert deadline.anchor_date == date(2015, 11, 20)
    assert deadline.due == add_working_days(date(2015, 11, 20), 70)
    assert deadline.due < date(2016, 3, 9)


def test_a_receipt_anchor_without_a_receipt_date_is_refused():
    with pytest.raises(ValueError, match="receipt"):
        response_deadline(published=date(2015, 11, 27), received=None, anchor="receipt")


def test_working_days_left_counts_down_to_the_deadline():
    deadline = response_deadline(published=date(2015, 11, 27), received=None, anchor="publication")
    assert deadline.working_days_left(date(2016, 3, 8)) == 1
    assert deadline.working_days_left(date(2016, 3, 9)) == 0
    assert deadline.working_days_left(date(2016, 3, 10)) == -1
