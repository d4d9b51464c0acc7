from datetime import date

import pytest

from tracker.domain.states import days_overdue

TODAY = date(2016, 2, 5)  # a Friday


@pytest.mark.parametrize(
    ("target", "lifecycle", "days"),
    [
        (date(2016, 2, 4), "in_progress", 1),
        (date(2016, 2, 1), "not_started", 4),
        (date(2016, 1, 29), "in_progress", 7),  # calendar days: the weekend counts
        (date(2015, 12, 24), "in_progress", 43),  # Christmas and New Year count
        (date(2015, 12, 24), "complete_awaiting_signoff", 0),  # waiting for sign-off, not late
        (date(2016, 2, 5), "in_progress", 0),  # due today is not yet overdue
        (date(2016, 3, 31), "in_progress", 0),
        (date(2016, 1, 4), "closed_evidenced", 0),
        (date(2016, 1, 4), "superseded", 0),
        (None, "in_progress", 0),
    ],
)
def test_days_overdue_are_calendar_days_since_the_target_date_of_an_open_action(
    target, lifecycle, days
):
    assert days_overdue(target, lifecycle, TODAY) == days
