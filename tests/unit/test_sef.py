"""The monthly locality SEF: what a draft and a submission need, its status, comparing versions."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from tracker.domain.sef import (
    FIELD_LABELS,
    FIELDS,
    QUESTIONS,
    REQUIRED_TEXT,
    SECTIONS,
    TEXT_LIMIT,
    Grade,
    SefStatus,
    check_sef,
    compare_own,
    compare_versions,
    due_on,
    is_late,
    is_sef_month,
    month_label,
    own_answers,
    parse_month,
    sef_months,
    sef_status,
    shown_fields,
)
from tracker.domain.setup import SelfEvaluation, own_sections_from_next_month

COMPLETE = {
    "what_we_know": "Management oversight is recorded on most files; drift persists in two teams.",
    "how_we_know": "Monthly case file audit of 40 files; supervision records; team meetings.",
    "what_we_are_doing": "Practice weeks in the two teams; weekly case direction by the manager.",
    "management_oversight": "Case direction recorded on 78% of audited files, up from 61%.",
    "practice_quality": "Assessments timely in 85% of cases; plans still too generic.",
    "evidence": "January case file audit; key measures dashboard.",
    "self_grade": "requires_improvement",
}


def without(*names: str, **changes: str) -> dict[str, str]:
    values = {k: v for k, v in COMPLETE.items() if k not in names}
    return values | changes


def test_the_sef_asks_the_three_questions_and_two_sections():
    assert [q[1] for q in QUESTIONS] == [
        "What do we know about the quality and impact of our practice?",
        "How do we know it?",
        "What are we doing about it?",
    ]
    assert [s[1] for s in SECTIONS] == ["Management oversight", "Practice quality"]
    assert FIELDS[-2:] == ("evidence", "self_grade")
    assert [g.label for g in Grade] == [
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    ]


@pytest.mark.parametrize(
    ("fields", "submitting", "expected"),
    [
        (COMPLETE, True, {}),
        (COMPLETE, False, {}),
        (without("evidence"), True, {}),  # evidence is welcome but optional
        (without("how_we_know"), True, {"how_we_know": "Answer the question: How do we know it?"}),
        (
            without("practice_quality"),
            True,
            {"practice_quality": "Complete the practice quality section"},
        ),
        (
            without(what_we_know="   \n  "),
            True,
            {
                "what_we_know": "Answer the question: "
                "What do we know about the quality and impact of our practice?"
            },
        ),
        (
            without("self_grade"),
            True,
            {
                "self_grade": (
                    "Choose a self-grade: outstanding, good, requires improvement or inadequate"
                )
            },
        ),
        (
            without(self_grade="satisfactory"),
            False,
            {"self_grade": "Choose a self-grade from the list"},
        ),
        # drafts may be partial: one answer, or only a grade, is enough
        ({"what_we_are_doing": "Practice weeks planned."}, False, {}),
        ({"self_grade": "inadequate"}, False, {}),
        ({}, False, {"what_we_know": "Answer at least one question before saving a draft"}),
        (
            {"evidence": "  "},
            False,
            {"what_we_know": "Answer at least one question before saving a draft"},
        ),
        (
            without(evidence="x" * (TEXT_LIMIT + 1)),
            False,
            {"evidence": "Evidence must be 10,000 characters or fewer"},
        ),
    ],
)
def test_what_a_draft_and_a_submission_need(fields, submitting, expected):
    assert check_sef(fields, submitting) == expected


def test_an_empty_submission_lists_every_question_section_and_the_grade():
    errors = check_sef({}, submitting=True)
    assert list(errors) == [*REQUIRED_TEXT, "self_grade"]


@dataclass(frozen=True)
class V:
    status: str
    saved_at: datetime


FEB_DUE = date(2016, 2, 5)  # the fifth working day of February 2016


def at(day: int, hour: int = 10, month: int = 2) -> datetime:
    return datetime(2016, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("versions", "today", "expected"),
    [
        ([], date(2016, 2, 1), SefStatus.NOT_STARTED),
        ([], FEB_DUE, SefStatus.NOT_STARTED),  # due by the end of the day: not missing yet
        ([], date(2016, 2, 8), SefStatus.MISSING),
        ([V("draft", at(3))], date(2016, 2, 4), SefStatus.DRAFT),
        ([V("draft", at(3))], date(2016, 2, 8), SefStatus.MISSING),
        ([V("draft", at(3)), V("submitted", at(5, 16))], FEB_DUE, SefStatus.SUBMITTED),
        # 23:30 London on the due day is still on time (GMT in February)
        ([V("submitted", datetime(2016, 2, 5, 23, 30, tzinfo=UTC))], date(2016, 3, 1), "ok"),
        ([V("submitted", at(8))], date(2016, 2, 8), SefStatus.SUBMITTED_LATE),
        # a late revision of an on-time SEF does not make it late
        ([V("submitted", at(4)), V("submitted", at(9))], date(2016, 2, 9), SefStatus.SUBMITTED),
        # a draft after the submission leaves it submitted
        ([V("submitted", at(4)), V("draft", at(9))], date(2016, 2, 9), SefStatus.SUBMITTED),
        ([V("draft", at(4)), V("submitted", at(9))], date(2016, 2, 9), SefStatus.SUBMITTED_LATE),
    ],
)
def test_a_sefs_status_for_its_month(versions, today, expected):
    expected = SefStatus.SUBMITTED if expected == "ok" else expected
    assert sef_status(versions, FEB_DUE, today) is expected


@pytest.mark.parametrize(
    ("saved_at", "due", "late"),
    [
        (datetime(2016, 2, 5, 23, 59, tzinfo=UTC), date(2016, 2, 5), False),
        (datetime(2016, 2, 6, 0, 0, tzinfo=UTC), date(2016, 2, 5), True),
        # British Summer Time: 23:30 UTC on 7 April is 00:30 London on the 8th
        (datetime(2016, 4, 7, 23, 30, tzinfo=UTC), date(2016, 4, 7), True),
        (datetime(2016, 4, 7, 22, 59, tzinfo=UTC), date(2016, 4, 7), False),
    ],
)
def test_late_means_after_the_end_of_the_london_due_day(saved_at, due, late):
    assert is_late(saved_at, due) is late


@pytest.mark.parametrize(
    ("month", "working_day", "expected"),
    [
        ("2016-02", 5, date(2016, 2, 5)),
        ("2016-01", 5, date(2016, 1, 8)),  # New Year's Day is a bank holiday
        ("2016-04", 5, date(2016, 4, 7)),  # Easter Monday 28 March is in March
        ("2016-05", 1, date(2016, 5, 3)),  # Early May bank holiday on the 2nd
        ("2016-12", 5, date(2016, 12, 7)),
        ("2017-01", 1, date(2017, 1, 3)),  # New Year's Day on a Sunday: Monday 2nd off
    ],
)
def test_a_sef_is_due_on_the_configured_working_day_of_its_month(month, working_day, expected):
    assert due_on(month, working_day) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-02", "2016-02"),
        ("2016-12", "2016-12"),
        ("2016-13", None),
        ("2016-00", None),
        ("2016-2", None),
        ("201602", None),
        ("feb-2016", None),
        ("", None),
        ("2016-02-05", None),
    ],
)
def test_only_a_real_yyyy_mm_month_is_accepted(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    ("first", "today", "expected"),
    [
        ("2016-01", date(2016, 2, 5), ["2016-01", "2016-02"]),
        ("2016-01", date(2016, 1, 1), ["2016-01"]),
        ("2016-03", date(2016, 2, 5), []),
        ("2015-11", date(2016, 1, 31), ["2015-11", "2015-12", "2016-01"]),  # across the year
    ],
)
def test_sef_months_run_from_the_first_to_this_month(first, today, expected):
    assert sef_months(first, today) == expected


@pytest.mark.parametrize(
    ("month", "ok"),
    [("2016-01", True), ("2016-02", True), ("2016-03", False), ("2015-12", False), ("x", False)],
)
def test_a_sef_can_be_opened_only_for_a_month_that_has_begun(month, ok):
    assert is_sef_month(month, "2016-01", date(2016, 2, 5)) is ok


def test_a_month_reads_as_words():
    assert month_label("2016-02") == "February 2016"
    assert month_label("2015-12") == "December 2015"


@pytest.mark.parametrize(
    ("changes", "changed"),
    [
        ({}, []),
        ({"what_we_know": COMPLETE["what_we_know"] + " Improving."}, ["what_we_know"]),
        ({"self_grade": "good"}, ["self_grade"]),
        (
            {"evidence": "", "practice_quality": "Plans now specific."},
            ["practice_quality", "evidence"],
        ),
        ({"how_we_know": "  " + COMPLETE["how_we_know"] + "\n"}, []),  # spacing is not a change
    ],
)
def test_comparing_two_versions_marks_each_changed_field(changes, changed):
    result = compare_versions(COMPLETE, COMPLETE | changes)
    assert [c.field for c in result] == list(FIELDS)
    assert [c.field for c in result if c.changed] == changed
    assert all(c.label == FIELD_LABELS[c.field] for c in result)


def test_a_compared_self_grade_reads_as_words():
    [grade] = [
        c
        for c in compare_versions({}, {"self_grade": "requires_improvement"})
        if c.field == "self_grade"
    ]
    assert (grade.old, grade.new, grade.changed) == ("Not chosen", "Requires improvement", True)


def test_the_councils_own_sections_change_from_next_month_and_a_version_keeps_its_headings():
    old = SelfEvaluation(own_sections=(("Early help", ""),), own_sections_from="2016-01")
    new = SelfEvaluation(own_sections=(("Youth justice", "Hint"),))
    saved = own_sections_from_next_month(old, new, "2016-12")
    assert saved.own_sections_from == "2017-01"
    assert saved.earlier_own_sections == (("Early help", ""),)
    assert saved.sections_for("2016-12") == (("Early help", ""),)
    assert saved.sections_for("2017-01") == (("Youth justice", "Hint"),)
    # Saving again without changing them moves nothing.
    again = own_sections_from_next_month(saved, new, "2017-03")
    assert again.own_sections_from == "2017-01" and again.earlier_own_sections == (
        ("Early help", ""),
    )
    changes = compare_own(
        own_answers([{"heading": "Early help", "hint": "", "answer": "Up"}]),
        own_answers([{"heading": "Youth justice", "hint": "", "answer": "New"}]),
    )
    assert [(c.label, c.old, c.new, c.changed) for c in changes] == [
        ("Youth justice", "", "New", True),
        ("Early help", "Up", "", True),
    ]
    assert own_answers(None) == ()


@pytest.mark.parametrize(
    ("asked", "oversight", "shown"),
    [
        (("management_oversight", "practice_quality"), "", True),  # asked, left empty: shown
        (("practice_quality",), "", False),  # never asked, empty: not "Not answered"
        (("practice_quality",), "Answered when it was asked.", True),  # the past stays
    ],
)
def test_a_saved_sef_is_read_by_its_asked_or_answered_fields(asked, oversight, shown):
    names = shown_fields({"management_oversight": oversight}, asked)
    assert ("management_oversight" in names) is shown
    assert "practice_quality" in names and "what_we_know" in names and "self_grade" in names
