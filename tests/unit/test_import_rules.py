"""Reading and checking an import file: pure rules, table-driven."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.domain import imports as rules
from tracker.services.exchange.exports import HEADER as EXPORT_HEADER


def test_the_import_reads_the_export_s_columns():
    # The export's last columns (an action's evidence) are for reading: the import skips them.
    assert (*rules.HEADER, *rules.EXPORT_ONLY) == EXPORT_HEADER


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-03-31", date(2016, 3, 31)),
        ("31/03/2016", date(2016, 3, 31)),
        ("", None),
        (None, None),
        (datetime(2016, 3, 31, 0, 0), date(2016, 3, 31)),
        (date(2016, 3, 31), date(2016, 3, 31)),
    ],
)
def test_dates_that_are_read(value, expected):
    assert rules.parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2016", "next week", "2016-13-01", "2016/03/31"])
def test_dates_that_are_not(value):
    assert "is not a date" in rules.parse_date(value)


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-5 referrals", "-5 referrals"),
        ("'@home", "@home"),
        ("'quoted", "'quoted"),
        ("plain", "plain"),
        ("'", "'"),
    ],
)
def test_the_export_s_guard_against_formulas_is_undone(cell, read):
    assert rules._unneutralise(cell) == read


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("Ref\r\nCaf\xe9".encode("latin-1"), "not UTF-8"),
        (b"a,b\x00", "NUL"),
        (b"", "empty"),
    ],
)
def test_csv_that_cannot_be_read(data, words):
    with pytest.raises(rules.UnreadableFile, match=words):
        rules.read_csv(data)


def test_csv_with_or_without_a_bom_is_read_and_blank_lines_skipped():
    line = ",".join(rules.HEADER)
    for bom in (b"", b"\xef\xbb\xbf"):
        sheets, problems = rules.read_csv(bom + (line + "\r\n\r\nMAP-001\r\n").encode())
        assert problems == []
        assert [r.number for r in sheets[0].rows] == [3]
        assert sheets[0].rows[0].cells["Ref"] == "MAP-001"


def _snapshot() -> rules.Snapshot:
    return rules.Snapshot(
        plans={"main action plan": "main", "main": "main"},
        next_refs={"main": "MAP-003"},
        recommendations={"R1"},
        organisations={"trust": "trust", "the trust": "trust"},
        people_by_email={"lead@example.org": 7},
        people_by_name={"lee lead": [7], "sam same": [8, 9]},
        actions={},
        leads={7: ("lee lead", "lead@example.org")},
        active_ids={7, 8, 9},
    )


def _new(ref: str, **cells: str) -> dict[str, object]:
    row = dict.fromkeys(rules.TEMPLATE_HEADER, "")
    row.update(
        {
            "Ref": ref,
            "Plan": "Main action plan",
            "Recommendation": "R1",
            "Title": f"Action {ref}",
            "Lead organisation": "The Trust",
            "Target date": "2016-06-30",
            "Success measure": "Measured",
        }
    )
    row.update({k.replace("_", " ").capitalize(): v for k, v in cells.items()})
    return row


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Lead": "Sam Same"}, "Lead", "More than one person is called Sam Same"),
        ({"Lead": "nobody@example.org"}, "Lead", "no active person"),
        ({"Plan": "Nowhere"}, "Plan", "no plan called Nowhere"),
        ({"Partners": "The Trust; Acme"}, "Partners", "no organisation called Acme"),
        ({"Start date": "2016-07-01"}, "Target date", "same as or after the start date"),
        ({"Target date": ""}, "Target date", "Enter a target date"),
        ({"Success measure": ""}, "Success measure", "say how success will be measured"),
        ({"Title": "x" * 301}, "Title", "300 characters or fewer"),
        ({"Ref": "N-01"}, "Ref", "give it a ref like MAP-003"),
    ],
)
def test_a_new_action_s_problems(cells, column, words):
    row = _new("MAP-003")
    row.update(cells)
    sheet = rules.Sheet("CSV", [rules.Row("CSV", 2, row)])
    result = rules.plan_import([sheet], _snapshot())
    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert words in result.problems[0].message
    assert result.changes == 0


def test_new_actions_that_depend_on_each_other_make_a_loop():
    rows = [
        rules.Row("CSV", 2, _new("MAP-003") | {"Depends on": "MAP-004"}),
        rules.Row("CSV", 3, _new("MAP-004") | {"Depends on": "map-003"}),
    ]
    result = rules.plan_import([rules.Sheet("CSV", rows)], _snapshot())
    assert [(p.column, "loop" in p.message) for p in result.problems] == [("Depends on", True)]


def test_good_new_actions_are_added_with_their_lead_and_links():
    rows = [
        rules.Row("CSV", 2, _new("MAP-003") | {"Lead": "Lee Lead"}),
        rules.Row("CSV", 3, _new("MAP-004") | {"Depends on": "MAP-003"}),
    ]
    result = rules.plan_import([rules.Sheet("CSV", rows)], _snapshot())
    assert result.problems == []
    assert [(n.ref, n.entry.lead) for n in result.new_actions] == [
        ("MAP-003", "7"),
        ("MAP-004", ""),
    ]
    assert result.dependencies == {"MAP-004": ((), ("MAP-003",))}


# The workbook's Recommendations sheet


def _rec_snapshot() -> rules.Snapshot:
    snapshot = _snapshot()
    snapshot.recommendation_rows = {
        "R1": rules.RecommendationNow("R1", "Decisions", "Make sure ...", "Help", "trust", ())
    }
    return snapshot


def _rec(ref: str, **cells: str) -> dict[str, object]:
    row: dict[str, object] = {
        "Ref": ref,
        "Title": "Decisions",
        "Text": "Make sure ...",
        "Judgement area": "Help",
        "Lead body": "Trust",
        "Partners": "",
    }
    row.update({k.replace("_", " ").capitalize(): v for k, v in cells.items()})
    return row


def _plan_recs(*rows: dict[str, object], actions: list[dict[str, object]] = ()):
    sheets = [
        rules.Sheet(
            rules.REC_SHEET,
            [rules.Row(rules.REC_SHEET, n, r) for n, r in enumerate(rows, start=2)],
            "recommendations",
        )
    ]
    if actions:
        sheets.append(
            rules.Sheet("Main", [rules.Row("Main", n, r) for n, r in enumerate(actions, start=2)])
        )
    return rules.plan_import(sheets, _rec_snapshot())


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Title": ""}, "Title", "Enter the recommendation's title"),
        ({"Text": ""}, "Text", "Enter the recommendation's text"),
        ({"Judgement area": ""}, "Judgement area", "Enter the recommendation's judgement area"),
        ({"Lead body": ""}, "Lead body", "Enter the lead body"),
        ({"Lead body": "Police"}, "Lead body", "not a lead body: use Trust, Council, Joint"),
        ({"Title": "x" * 201}, "Title", "200 characters or fewer"),
        ({"Text": "x" * 4001}, "Text", "4000 characters or fewer"),
        ({"Text": "Bell\x07"}, "Text", "control character"),
        ({"Title": "Nul\x00"}, "Title", "NUL"),
        ({"Ref": "R 2!"}, "Ref", "not a recommendation ref"),
        ({"Text": "Child A, DOB 12/03/2009"}, "Text", "date of birth"),
    ],
)
def test_a_recommendation_row_s_problems(cells, column, words):
    row = _rec("R2")
    row.update(cells)
    if "Title" in cells and "\x00" in cells["Title"]:
        row["Title"] = rules._cell_text(cells["Title"])  # as the reader hands it over
    result = _plan_recs(row)
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [(rules.REC_SHEET, 2, column)]
    assert words in result.problems[0].message
    assert result.changes == 0


def test_a_duplicate_recommendation_ref_is_named_with_its_first_row():
    result = _plan_recs(_rec("R2"), _rec("r2"))
    assert [(p.row, p.column) for p in result.problems] == [(3, "Ref")]
    assert "first on row 2" in result.problems[0].message


def test_recommendations_new_changed_and_unchanged():
    result = _plan_recs(
        _rec("R1"),  # as held: no change
        _rec("R2", lead_body="safeguarding_board", partners="Police; Health"),
    )
    assert result.problems == [] and result.recommendation_edits == []
    assert [(r.ref, r.values.lead_body, r.values.partners) for r in result.new_recommendations] == [
        ("R2", "safeguarding_board", ("Police", "Health"))
    ]
    edited = _plan_recs(_rec("R1", title="Decisions, revised", lead_body="joint"))
    assert [(r.ref, r.fields) for r in edited.recommendation_edits] == [
        ("R1", ("Title", "Lead body"))
    ]


def test_an_action_may_answer_a_recommendation_the_sheet_adds():
    result = _plan_recs(_rec("R2"), actions=[_new("MAP-003", recommendation="R2")])
    assert result.problems == []
    assert [n.recommendation for n in result.new_actions] == ["R2"]
    alone = rules.plan_import(
        [rules.Sheet("CSV", [rules.Row("CSV", 2, _new("MAP-003", recommendation="R2"))])],
        _rec_snapshot(),
    )
    assert [(p.row, p.column) for p in alone.problems] == [(2, "Recommendation")]
    assert alone.changes == 0
