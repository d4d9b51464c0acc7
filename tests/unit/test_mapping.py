"""Mapping a spreadsheet's columns to the tracker's fields: letters, suggestions, the checks."""

from __future__ import annotations

import pytest

from tracker.domain.imports import Problem
from tracker.domain.mapping import (
    PEOPLE,
    PLAN,
    check_mapping,
    column_letter,
    describe_columns,
    header_digest,
    in_sheet_terms,
    suggest,
)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_columns_are_lettered_as_a_spreadsheet_letters_them(index, letters):
    assert column_letter(index) == letters


def test_the_header_set_is_the_same_in_any_order_and_case_but_not_for_another_kind():
    a = header_digest(PLAN, ("Action No", "Lead Officer", "Due"))
    assert a == header_digest(PLAN, ("due", "ACTION  NO", "Lead officer", ""))
    assert a != header_digest(PEOPLE, ("Action No", "Lead Officer", "Due"))
    assert a != header_digest(PLAN, ("Action No", "Lead Officer"))


def test_fields_are_offered_by_name_any_case_each_column_once():
    header = ("REF", "lead officer", "Owner", "Due", "Notes")
    assert suggest(PLAN, header) == {
        "ref": "REF",
        "lead": "lead officer",
        "target_date": "Due",
        "progress": "Notes",
    }


def test_a_saved_mapping_is_offered_with_the_sheets_own_spelling():
    header = ("action no", "Lead Officer")
    saved = {"ref": "Action No", "lead": "Lead Officer", "title": "Gone"}
    assert suggest(PLAN, header, saved) == {"ref": "action no", "lead": "Lead Officer"}


REQUIRED = {
    "ref": "A",
    "finding": "B",
    "title": "C",
    "lead": "D",
    "lead_organisation": "E",
    "target_date": "F",
}


@pytest.mark.parametrize(
    ("header", "chosen", "expected"),
    [
        (("A", "B", "C", "D", "E", "F"), REQUIRED, []),
        (
            ("A", "B", "C", "D", "E", "F"),
            {**REQUIRED, "finding": ""},
            [("finding", "Choose the column that holds Finding (recommendation)")],
        ),
        (
            ("A", "B", "C", "D", "E", "F"),
            {**REQUIRED, "title": "A"},
            [
                (
                    "ref",
                    "Ref and Title are both mapped to column A (A): map each column to one field",
                ),
                (
                    "title",
                    "Ref and Title are both mapped to column A (A): map each column to one field",
                ),
            ],
        ),
        (
            ("A", "B", "C", "D", "E", "F", "d"),
            REQUIRED,
            [
                (
                    "lead",
                    "Lead would come from two columns: D and G are both called D. Rename one of "
                    "them in the sheet",
                )
            ],
        ),
        (
            ("A", "B", "C", "D", "E", "F"),
            {**REQUIRED, "rag": "Colour"},
            [("rag", "RAG: the sheet has no column called Colour")],
        ),
    ],
)
def test_a_mapping_is_refused_with_every_problem(header, chosen, expected):
    assert sorted(check_mapping(PLAN, header, chosen)) == sorted(expected)


def test_problems_are_named_by_the_sheets_own_columns():
    header = ("Action No", "Lead Officer")
    columns = describe_columns(PLAN, header, {"ref": "Action No", "lead": "Lead Officer"})
    problems = [
        Problem("Plan", 3, "Lead", "No such person"),
        Problem("Plan", 4, "RAG, Lead", "Not imported"),
        Problem("Plan", 0, "", "Whole sheet"),
    ]
    assert [p.column for p in in_sheet_terms(problems, columns)] == [
        "B: Lead Officer",
        "RAG (no column), B: Lead Officer",
        "",
    ]


def _new_action_plan(ref: str):
    from tracker.domain.imports import ImportPlan, NewActionRow
    from tracker.domain.plan_changes import PlanEntry

    entry = PlanEntry("Title", "", "", "trust", (), "Measured")
    return ImportPlan(new_actions=[NewActionRow("Plan", 2, ref, "main", "R1", entry, None, None)])


@pytest.mark.parametrize(
    ("rag", "status", "progress", "state", "problem"),
    [
        (
            "amber",
            "In progress",
            "Two audits done",
            ("in_progress", "amber", "Two audits done"),
            "",
        ),
        ("G", "not started", "", ("not_started", "green", ""), ""),
        ("", "", "", None, ""),
        ("Purple", "", "", None, "\u201cPurple\u201d is not a RAG: use Red, Amber or Green"),
        ("", "Done-ish", "", None, "\u201cDone-ish\u201d is not a status"),
        ("", "Closed with evidence", "", None, "X-9 is a new action: it starts not started"),
        ("", "", "Child A aged 7 was seen", None, "child"),
    ],
)
def test_a_new_actions_first_state_comes_from_the_sheet_or_is_refused(
    rag, status, progress, state, problem
):
    from tracker.domain.imports import Row, Sheet, Snapshot
    from tracker.domain.mapping import check_plan_states

    snapshot = Snapshot({}, {}, set(), {}, {}, {}, {})
    cells = {"Ref": "X-9", "RAG": rag, "Lifecycle": status, "Latest summary": progress}
    plan = _new_action_plan("X-9")
    problems = check_plan_states(Sheet("Plan", [Row("Plan", 2, cells)]), snapshot, plan)
    assert plan.initial_states.get("X-9") == state
    if problem:
        assert any(problem.lower() in p.message.lower() for p in problems), problems
    else:
        assert problems == []
