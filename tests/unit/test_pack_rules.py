"""A pack's covering note and its exceptions' standing (issue 18.2): plain rules, no database."""

from datetime import date

import pytest

from tracker.domain.packs import NOTE_LIMIT, check_note, exception_standing

DAY = date(2016, 2, 5)  # a Friday


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("The plan is on track; two actions wait for sign-off.", None),
        ("Line one.\n\tLine two, indented.\r\n", None),
        ("", "Enter the covering note"),
        ("   \n  ", "Enter the covering note"),
        ("Before\x00after", "must not contain a NUL character"),
        ("Bell\x07", "must not contain control characters"),
        ("x" * (NOTE_LIMIT + 1), f"{NOTE_LIMIT} characters or fewer"),
        ("Seen on 03/04/2009 (DOB)", "date of birth"),
    ],
)
def test_a_covering_note_is_refused_with_a_reason_in_words(text, problem):
    got = check_note(text)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got


def _row(lifecycle, target, *, rag="amber", days_overdue=0):
    return {"lifecycle": lifecycle, "target_date": target, "rag": rag, "days_overdue": days_overdue}


@pytest.mark.parametrize(
    ("row", "standing", "closes"),
    [
        # Wednesday 27 January to Friday 5 February: seven working days.
        (
            _row("complete_awaiting_signoff", "2016-01-27", rag=None),
            "Complete, awaiting sign-off, 7 working days past target",
            "Closes when the lead's evidence is signed off",
        ),
        (
            _row("complete_awaiting_signoff", "2016-02-04", rag=None),
            "Complete, awaiting sign-off, 1 working day past target",
            "signed off",
        ),
        (
            _row("in_progress", "2016-01-29", days_overdue=7),
            "In progress, 7 days overdue",
            "a new target date is approved",
        ),
        (
            _row("not_started", "2016-01-29", rag="red", days_overdue=7),
            "Not started, 7 days overdue, red",
            "complete with evidence",
        ),
        (
            _row("in_progress", "2016-03-31", rag="red"),
            "In progress, red",
            "no longer red",
        ),
    ],
)
def test_an_exception_says_where_it_stands_and_what_would_close_it(row, standing, closes):
    got_standing, got_closes = exception_standing(row, DAY)
    assert got_standing == standing
    assert closes in got_closes
