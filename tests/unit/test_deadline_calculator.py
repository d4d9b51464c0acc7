"""The statutory deadline as a calculator: working days across Christmas, New Year and Easter,
the bank holidays it steps over, the wrong answers it avoids, and what it refuses."""

from datetime import date, timedelta

import pytest

from tracker.domain.calendar import bank_holidays_skipped
from tracker.domain.changes import ChangeKind, change_sort_key, since_problem
from tracker.domain.deadlines import (
    MAX_WORKING_DAYS,
    plan_submission_problem,
    response_deadline,
    weekdays_only_after,
    working_days_after,
)


def calendar_days_after(start: date, n: int) -> date:
    return start + timedelta(days=n)


@pytest.mark.parametrize(
    ("start", "working_days", "due", "skipped"),
    [
        # The Doncaster report: published Friday 27 November 2015.
        (
            date(2015, 11, 27),
            70,
            date(2016, 3, 9),
            [date(2015, 12, 25), date(2015, 12, 28), date(2016, 1, 1)],
        ),
        # Christmas Eve 2015 to the first working day after Christmas and Boxing Day (observed).
        (date(2015, 12, 24), 1, date(2015, 12, 29), [date(2015, 12, 25), date(2015, 12, 28)]),
        # Across the whole of Christmas and New Year.
        (
            date(2015, 12, 23),
            5,
            date(2016, 1, 4),
            [date(2015, 12, 25), date(2015, 12, 28), date(2016, 1, 1)],
        ),
        # Christmas 2016 falls on a Sunday: Tuesday 27 December is the substitute day.
        (date(2016, 12, 23), 1, date(2016, 12, 28), [date(2016, 12, 26), date(2016, 12, 27)]),
        # Easter 2016: Good Friday 25 March and Easter Monday 28 March.
        (date(2016, 3, 24), 1, date(2016, 3, 29), [date(2016, 3, 25), date(2016, 3, 28)]),
        (date(2016, 3, 18), 10, date(2016, 4, 5), [date(2016, 3, 25), date(2016, 3, 28)]),
        # Easter 2017: Good Friday 14 April and Easter Monday 17 April.
        (date(2017, 4, 13), 2, date(2017, 4, 19), [date(2017, 4, 14), date(2017, 4, 17)]),
        # A stretch with no bank holiday at all.
        (date(2016, 2, 5), 10, date(2016, 2, 19), []),
    ],
)
def test_working_days_after_a_date_skip_weekends_and_bank_holidays(
    start, working_days, due, skipped
):
    count = working_days_after(start, working_days)
    assert count.due == due
    assert [day for day, _ in count.bank_holidays_skipped] == skipped


@pytest.mark.parametrize(
    ("start", "working_days"),
    [
        (date(2015, 11, 27), 70),
        (date(2015, 12, 18), 10),  # over Christmas and New Year
        (date(2016, 3, 18), 10),  # over Easter
        (date(2016, 12, 16), 15),  # over Christmas 2016
    ],
)
def test_the_wrong_answers_differ_from_the_right_one_and_are_not_given(start, working_days):
    """Counting weekends only, or counting calendar days, lands earlier: a plan sent on either
    date would be sent early, and a tracker giving either would be wrong."""
    right = working_days_after(start, working_days).due
    weekends_only = weekdays_only_after(start, working_days)
    calendar = calendar_days_after(start, working_days)
    assert weekends_only < right
    assert calendar < weekends_only
    assert right not in {weekends_only, calendar}


def test_the_doncaster_wrong_answers_are_4_march_and_5_february():
    assert weekdays_only_after(date(2015, 11, 27), 70) == date(2016, 3, 4)
    assert calendar_days_after(date(2015, 11, 27), 70) == date(2016, 2, 5)
    assert working_days_after(date(2015, 11, 27), 70).due == date(2016, 3, 9)


def test_the_bank_holidays_skipped_have_their_names():
    names = dict(working_days_after(date(2015, 11, 27), 70).bank_holidays_skipped)
    assert names == {
        date(2015, 12, 25): "Christmas Day",
        date(2015, 12, 28): "Boxing Day (observed)",
        date(2016, 1, 1): "New Year's Day",
    }


def test_a_bank_holiday_on_a_saturday_is_not_counted_as_skipped():
    # Boxing Day 2015 was a Saturday: the weekend is skipped anyway; its Monday substitute counts.
    assert date(2015, 12, 26) not in bank_holidays_skipped(date(2015, 12, 20), date(2016, 1, 5))


def test_the_inspection_deadline_lists_the_same_skipped_days_as_the_calculator():
    deadline = response_deadline(published=date(2015, 11, 27), received=None, anchor="publication")
    assert deadline.bank_holidays_skipped == (
        working_days_after(date(2015, 11, 27), 70).bank_holidays_skipped
    )


@pytest.mark.parametrize(
    ("start", "working_days", "message"),
    [
        (date(2015, 11, 27), 0, "working days"),
        (date(2015, 11, 27), -5, "working days"),
        (date(2015, 11, 27), MAX_WORKING_DAYS + 1, "working days"),
        (date(2015, 11, 27), 2_147_483_648, "working days"),
        (date(1999, 12, 31), 70, "start date"),
        (date(9999, 12, 31), 70, "start date"),
    ],
)
def test_absurd_counts_and_starts_are_refused(start, working_days, message):
    with pytest.raises(ValueError, match=message):
        working_days_after(start, working_days)


def test_the_largest_count_allowed_is_answered():
    assert working_days_after(date(2099, 12, 31), MAX_WORKING_DAYS).due > date(2103, 1, 1)


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        (date(2016, 3, 9), None),
        (date(2015, 11, 27), None),  # the day of publication
        (date(2016, 3, 10), "today or in the past"),
        (date(2015, 11, 26), "on or after 27 November 2015"),
    ],
)
def test_the_plan_cannot_be_sent_in_the_future_or_before_the_report(sent, problem):
    said = plan_submission_problem(sent, published=date(2015, 11, 27), today=date(2016, 3, 9))
    if problem is None:
        assert said is None
    else:
        assert problem in said


@pytest.mark.parametrize(
    ("since", "problem"),
    [
        (date(2016, 1, 29), None),
        (date(2016, 2, 5), None),  # today
        (date(2015, 11, 27), None),  # the day the report was published
        (date(2016, 2, 6), "today (5 February 2016) or earlier"),
        (date(2015, 11, 26), "on or after 27 November 2015"),
    ],
)
def test_changes_are_listed_from_the_report_to_today(since, problem):
    said = since_problem(since, inspection_published=date(2015, 11, 27), today=date(2016, 2, 5))
    if problem is None:
        assert said is None
    else:
        assert problem in said


def test_changes_read_moves_to_red_first_then_the_other_kinds_then_plan_changes():
    day = date(2016, 2, 1)
    keys = {
        "to green": change_sort_key(ChangeKind.RAG_MOVED, "green", "A", day),
        "to red": change_sort_key(ChangeKind.RAG_MOVED, "red", "Z", day),
        "to amber": change_sort_key(ChangeKind.RAG_MOVED, "amber", "B", day),
        "overdue": change_sort_key(ChangeKind.NEWLY_OVERDUE, None, "A", day),
        "closed": change_sort_key(ChangeKind.CLOSED, "closed_evidenced", "A", day),
        "dependency": change_sort_key(ChangeKind.DEPENDENCY_ADDED, "X", "A", day),
        "target moved": change_sort_key("target_date_approved", None, "A", day),
    }
    assert sorted(keys, key=keys.get) == [
        "to red",
        "to amber",
        "to green",
        "overdue",
        "closed",
        "dependency",
        "target moved",
    ]


def test_within_a_kind_the_newest_change_reads_first():
    older = change_sort_key(ChangeKind.RAG_MOVED, "red", "A", date(2016, 1, 29))
    newer = change_sort_key(ChangeKind.RAG_MOVED, "red", "B", date(2016, 2, 2))
    assert newer < older
