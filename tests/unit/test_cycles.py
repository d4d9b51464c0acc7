from datetime import UTC, date, datetime

import pytest

from tracker.domain.cycles import build_cycle, cycle_number_for, cycles_until

FIRST = date(2016, 1, 4)  # the seed's first cycle opens on Monday 4 January 2016


@pytest.mark.parametrize(
    ("number", "opens_on", "due_on"),
    [
        (1, date(2016, 1, 4), date(2016, 1, 15)),
        (2, date(2016, 1, 18), date(2016, 1, 29)),
        (3, date(2016, 2, 1), date(2016, 2, 12)),
        (6, date(2016, 3, 14), date(2016, 3, 24)),  # due Friday is Good Friday: Thursday instead
        (7, date(2016, 3, 29), date(2016, 4, 8)),  # opens Monday is Easter Monday: Tuesday instead
        (
            11,
            date(2016, 5, 23),
            date(2016, 6, 3),
        ),  # Spring bank holiday falls inside, not at an end
        (10, date(2016, 5, 9), date(2016, 5, 20)),
    ],
)
def test_cycles_open_and_fall_due_on_working_days(number, opens_on, due_on):
    cycle = build_cycle(FIRST, number)
    assert (cycle.opens_on, cycle.due_on) == (opens_on, due_on)


def test_a_cycle_spanning_christmas_opens_after_the_holidays_and_is_due_before_them():
    # A cycle series starting 14 December 2015: the window 14-27 Dec is due Thu 24 Dec
    # (Christmas Day is the Friday), the next opens Tue 29 Dec (Boxing Day observed on Monday).
    first = date(2015, 12, 14)
    christmas = build_cycle(first, 1)
    assert christmas.due_on == date(2015, 12, 24)
    after = build_cycle(first, 2)
    assert after.opens_on == date(2015, 12, 29)
    assert after.due_on == date(2016, 1, 8)


@pytest.mark.parametrize(
    ("number", "utc_hour"),
    [
        (6, 12),  # 24 March 2016: GMT, noon London is 12:00 UTC
        (7, 11),  # 8 April 2016: BST after the clocks went forward on 27 March, 11:00 UTC
    ],
)
def test_returns_are_due_at_noon_london_on_both_sides_of_the_clock_change(number, utc_hour):
    cycle = build_cycle(FIRST, number)
    assert cycle.due_at.hour == 12
    assert cycle.due_at_utc.hour == utc_hour
    assert cycle.due_at_utc.tzinfo == UTC


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (date(2016, 1, 3), None),
        (date(2016, 1, 4), 1),
        (date(2016, 1, 17), 1),
        (date(2016, 1, 18), 2),
        (date(2016, 2, 5), 3),
    ],
)
def test_cycle_number_for_a_day(day, number):
    assert cycle_number_for(FIRST, day) == number


def test_cycles_until_lists_every_cycle_up_to_the_day():
    cycles = cycles_until(FIRST, date(2016, 2, 5))
    assert [c.number for c in cycles] == [1, 2, 3]
    assert cycles[-1].contains(date(2016, 2, 5))
    assert cycles[0].due_at_utc == datetime(2016, 1, 15, 12, 0, tzinfo=UTC)


def test_cycle_numbers_start_at_one():
    with pytest.raises(ValueError):
        build_cycle(FIRST, 0)
