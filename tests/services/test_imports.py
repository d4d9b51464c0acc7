"""Importing the plan: a dry run lists every problem by sheet, row and column and writes
nothing; the export imported unchanged changes nothing; applying writes the history with cause
'import' in one transaction. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import DEMO_PASSWORD, load_seed_rows
from tracker.domain.imports import HEADER, REC_HEADER, REC_SHEET, TEMPLATE_HEADER
from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionEdit, AuditEvent, Recommendation
from tracker.services.exchange import exports, imports
from tracker.services.plan.filters import parse_filters

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
MAX = 10 * 1024 * 1024


def _every_table(skip=("audit_event",)) -> dict[str, list[tuple]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        tables[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order))]
    return tables


@pytest.fixture
def seeded(clean_db):
    load_seed_rows(
        clean_db,
        demo_password=DEMO_PASSWORD,
        hash_method=clean_db.config["PASSWORD_HASH_METHOD"],
    )
    return clean_db


def _export() -> bytes:
    e = exports.start_plan_export(
        today=date(2016, 2, 5),
        filters=parse_filters({}),
        as_at=None,
        asked={},
        user_id=None,
        now=NOW,
    )
    return b"".join(e.chunks)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _run(data: bytes, *, dry_run: bool, name: str = "plan.csv"):
    return imports.run_import(name, data, dry_run=dry_run, actor=None, now=NOW, max_bytes=MAX)


COL = {c: i for i, c in enumerate(HEADER)}


def test_the_export_imported_unchanged_changes_nothing(seeded):
    data = _export()
    before = _every_table()
    for dry_run in (True, False):
        result = _run(data, dry_run=dry_run)
        assert result.ok and not result.plan.notices, result.problems
        assert result.plan.changes == 0 and not result.applied
        assert result.plan.rows == len(_rows(data)) - 1 > 300
    assert _every_table() == before
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "import").order_by(AuditEvent.id)
    ).scalars()
    assert [e.detail["dry_run"] for e in events] == [True, False]


def test_the_export_as_xlsx_imported_unchanged_changes_nothing(seeded):
    book = Workbook()
    book.active.title = "Summary"
    book.active.append(["Plan", "Actions"])
    sheet = book.create_sheet("All")
    for row in _rows(_export()):
        sheet.append([int(v) if v.isdigit() and len(v) < 6 else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    before = _every_table()
    result = _run(buffer.getvalue(), dry_run=False, name="plan.xlsx")
    assert result.ok and result.plan.changes == 0, result.problems[:3]
    assert result.sheets == ["All"]
    assert _every_table() == before


def test_a_file_with_many_kinds_of_error_lists_each_with_row_and_column_and_writes_nothing(
    seeded,
):
    rows = _rows(_export())
    refs = [r[COL["Ref"]] for r in rows]
    rows[1][COL["Lead"]] = "Nobody Atall"
    rows[2][COL["Lead organisation"]] = "Acme Widgets"
    rows[3][COL["Target date"]] = "31/02/2016"
    rows[4][COL["Recommendation"]] = "R99"
    rows[6][COL["Ref"]] = refs[5]
    rows[7][COL["Title"]] = ""
    rows[8][COL["Depends on"]] = refs[9]
    rows[9][COL["Depends on"]] = refs[8]
    rows[10][COL["Description"]] = '=HYPERLINK("http://x")'
    rows[11][COL["Depends on"]] = "MAP-999"
    rows[12][COL["Description"]] = "Review for Child A, DOB 12/03/2009"
    before = _every_table()
    events = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for dry_run in (True, False):
        result = _run(_csv(rows), dry_run=dry_run)
        found = {(p.sheet, p.row, p.column) for p in result.problems}
        assert found == {
            ("CSV", 2, "Lead"),
            ("CSV", 3, "Lead organisation"),
            ("CSV", 4, "Target date"),
            ("CSV", 5, "Recommendation"),
            ("CSV", 7, "Ref"),
            ("CSV", 8, "Title"),
            ("CSV", 9, "Depends on"),
            ("CSV", 11, "Description"),
            ("CSV", 12, "Depends on"),
            ("CSV", 13, "Description"),
        }, result.problems
        assert not result.applied
    messages = " | ".join(p.message for p in result.problems)
    for words in (
        "no active person or invitation called Nobody Atall",
        "no organisation called Acme Widgets",
        "not a date",
        "no recommendation R99",
        "more than once",
        "Enter a title",
        "loop of dependencies",
        "formula",
        "no action MAP-999",
        "date of birth",
    ):
        assert words in messages
    assert _every_table() == before
    # Each run is recorded, with its counts (and nothing else is written).
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == (
        events + 2
    )


def test_an_import_adds_and_edits_actions_with_history_caused_by_import(seeded):
    rows = _rows(_export())
    rows[0] = list(TEMPLATE_HEADER)
    for r in rows[1:]:
        del r[len(HEADER) :]  # the export's evidence columns are not the template's
        r.append("")
    first, second = rows[1], rows[2]
    first[COL["Title"]] += " (revised)"
    second[COL["Target date"]] = "2016-12-31"
    prefix = first[COL["Ref"]].split("-")[0]
    new = [""] * len(TEMPLATE_HEADER)
    for column in ("Plan", "Recommendation", "Lead", "Lead organisation"):
        new[COL[column]] = first[COL[column]]
    new[COL["Ref"]] = f"{prefix}-90"
    new[COL["Title"]] = "An imported action"
    new[COL["Target date"]] = "2016-06-30"
    new[COL["Depends on"]] = first[COL["Ref"]]
    new[-1] = "Fewer re-referrals"
    rows.append(new)
    dry = _run(_csv(rows), dry_run=True)
    assert dry.ok, dry.problems
    assert (len(dry.plan.new_actions), len(dry.plan.edits), len(dry.plan.dependencies)) == (1, 2, 1)
    done = _run(_csv(rows), dry_run=False)
    assert done.applied
    edits = db.session.execute(
        select(ActionEdit.kind, ActionEdit.field, ActionEdit.cause).where(
            ActionEdit.cause == "import"
        )
    ).all()
    assert sorted(edits) == sorted(
        [
            ("added", "", "import"),
            ("edited", "title", "import"),
            ("edited", "target_date", "import"),
            ("edited", "depends_on", "import"),
        ]
    )
    added = db.session.execute(select(Action).where(Action.ref == f"{prefix}-90")).scalar_one()
    assert added.success_measure == "Fewer re-referrals"
    moved = db.session.execute(select(Action).where(Action.ref == second[COL["Ref"]])).scalar_one()
    assert moved.target_date == date(2016, 12, 31) and moved.baseline_target_date is not None
    assert (
        db.session.execute(
            select(func.count())
            .select_from(ActionDependency)
            .where(ActionDependency.action_id == added.id)
        ).scalar_one()
        == 1
    )
    # The same file again changes nothing.
    again = _run(_csv(rows), dry_run=True)
    assert again.ok and again.plan.changes == 0


def test_a_state_change_in_the_file_is_reported_not_imported(seeded):
    rows = _rows(_export())
    rows[1][COL["Lifecycle"]] = "Complete"
    before = _every_table()
    result = _run(_csv(rows), dry_run=False)
    assert result.ok and result.plan.changes == 0
    assert [(n.row, n.column) for n in result.plan.notices] == [(2, "Lifecycle")]
    assert "updates" in result.plan.notices[0].message
    assert _every_table() == before


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("plan.csv", "Ref,Plan\r\nMAP-001,Caf\xe9\r\n".encode("latin-1"), "not UTF-8"),
        ("plan.csv", b"Ref\x00,Plan", "NUL"),
        ("plan.xlsx", b"PK\x03\x04 this is not a workbook", "damaged"),
        ("plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "password"),
        ("plan.csv", b"", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(seeded, name, data, words):
    before = _every_table()
    result = _run(data, dry_run=False, name=name)
    assert words in result.refused and not result.applied
    assert _every_table() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(seeded):
    result = imports.run_import(
        "big.csv", b"x" * 2000, dry_run=True, actor=None, now=NOW, max_bytes=1000
    )
    assert "largest file" in result.refused


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (list(HEADER) + ["Notes"], "unexpected column Notes"),
        ([c for c in HEADER if c != "Lead"], "missing column Lead"),
    ],
)
def test_extra_or_missing_columns_are_named(seeded, header, words):
    result = _run(_csv([header]), dry_run=True)
    assert [(p.row, words in p.message) for p in result.problems] == [(1, True)]


def test_a_formula_in_a_workbook_cell_is_refused(seeded):
    rows = _rows(_export())
    book = Workbook()
    sheet = book.active
    sheet.title = "Main plan"
    for row in rows[:3]:
        sheet.append(row)
    sheet["D3"] = "=A2&B2"
    buffer = io.BytesIO()
    book.save(buffer)
    before = _every_table()
    result = _run(buffer.getvalue(), dry_run=False, name="plan.xlsx")
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("Main plan", 3, "Title")]
    assert "formula" in result.problems[0].message
    assert _every_table() == before


def test_an_action_whose_lead_has_left_still_round_trips_but_cannot_be_edited_without_a_new_lead(
    seeded,
):
    from sqlalchemy import update

    from tracker.models import User

    rows = _rows(_export())
    ref = rows[1][COL["Ref"]]
    lead_id = db.session.execute(select(Action.lead_user_id).where(Action.ref == ref)).scalar_one()
    db.session.execute(update(User).where(User.id == lead_id).values(active=False))
    db.session.commit()
    before = _every_table()
    result = _run(_csv(rows), dry_run=False)
    assert result.ok and result.plan.changes == 0, result.problems
    rows[1][COL["Title"]] += " (revised)"
    result = _run(_csv(rows), dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(2, "Lead")]
    assert "has left" in result.problems[0].message
    assert _every_table() == before


def test_in_a_workbook_a_text_cell_starting_with_equals_is_text_and_the_export_s_guard_is_undone(
    seeded,
):
    rows = _rows(_export())
    book = Workbook()
    sheet = book.active
    sheet.title = "Main plan"
    for row in rows[:3]:
        sheet.append(row)
    sheet["D2"] = "'=the export's guard"  # as the export writes a title starting with '='
    sheet["E3"].value = "=typed as text"
    sheet["E3"].data_type = "s"  # Excel's leading apostrophe: text, not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    result = _run(buffer.getvalue(), dry_run=True, name="plan.xlsx")
    assert result.ok, result.problems
    assert [e.fields for e in result.plan.edits] == [("Title",), ("Description",)]
    assert result.plan.edits[0].entry.title == "=the export's guard"


def test_the_cli_checks_and_applies_a_file(seeded, tmp_path):
    rows = _rows(_export())
    ref = rows[1][COL["Ref"]]
    rows[1][COL["Title"]] = "Revised on the command line"
    rows[2][COL["Lead organisation"]] = "Acme Widgets"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(rows))
    runner = seeded.test_cli_runner()
    before = _every_table()
    out = runner.invoke(args=["tracker", "import", str(bad), "--dry-run"])
    assert out.exit_code == 1
    assert "CSV row 3, Lead organisation: There is no organisation called Acme Widgets" in (
        out.output
    )
    assert "Nothing was written" in out.output
    assert _every_table() == before
    rows[2] = _rows(_export())[2]
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(rows))
    out = runner.invoke(args=["tracker", "import", str(good), "--dry-run"])
    assert out.exit_code == 0 and "1 edited actions" in out.output, out.output
    assert "Dry run: nothing was written." in out.output
    assert _every_table() == before
    out = runner.invoke(args=["tracker", "import", str(good)])
    assert out.exit_code == 0 and "Imported: every change was written." in out.output
    db.session.expire_all()
    assert db.session.execute(select(Action.title).where(Action.ref == ref)).scalar_one() == (
        "Revised on the command line"
    )


def test_a_workbook_sheet_may_have_a_title_above_its_header(seeded):
    rows = _rows(_export())
    book = Workbook()
    sheet = book.active
    sheet.title = "North"
    sheet.append(["Action plan: North (illustrative)"])
    sheet.append([])
    for row in rows[:4]:
        sheet.append(row)
    sheet["E5"] = "A new description"
    buffer = io.BytesIO()
    book.save(buffer)
    result = _run(buffer.getvalue(), dry_run=True, name="plan.xlsx")
    assert result.ok, result.problems
    assert [(e.sheet, e.row, e.fields) for e in result.plan.edits] == [
        ("North", 5, ("Description",))
    ]


def test_an_apply_that_fails_part_way_writes_nothing(seeded, monkeypatch):
    from tracker.services.plan import plan_changes
    from tracker.services.plan.updates import Rejected

    rows = _rows(_export())
    for r in rows[1:4]:
        r[COL["Title"]] += " (revised)"
    calls = []
    real = plan_changes.edit_action

    def third_fails(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise Rejected({"title": "Refused on purpose"})
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "edit_action", third_fails)
    before = _every_table()
    result = _run(_csv(rows), dry_run=False)
    assert len(calls) == 3 and not result.applied
    assert "Refused on purpose" in result.problems[0].message
    assert _every_table() == before


# ---------------------------------------------------------------------------------------------
# The workbook's Recommendations sheet


def _xlsx_export(*, history: bool = False) -> bytes:
    e = exports.start_plan_export(
        today=date(2016, 2, 5),
        filters=parse_filters({}),
        as_at=None,
        asked={},
        user_id=None,
        now=NOW,
        file_format="xlsx",
        history=history,
    )
    return b"".join(e.chunks)


def _book_with(recs: list[list[object]], actions: list[list[object]] | None = None) -> bytes:
    """A workbook holding a Recommendations sheet (its header, then `recs`) and, when given,
    an action sheet in the export's columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = REC_SHEET
    sheet.append(list(REC_HEADER))
    for row in recs:
        sheet.append(row)
    if actions is not None:
        plan = book.create_sheet("Main action plan")
        plan.append(list(TEMPLATE_HEADER))
        for row in actions:
            plan.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NEW_REC = ["R21", "Illustrative: a new recommendation", "Make sure that ...", "Leadership", "Joint"]


def _new_action_row(ref: str, rec: str) -> list[str]:
    first = next(r for r in _rows(_export())[1:] if r[COL["Ref"]].startswith(ref.split("-")[0]))
    new = [""] * len(TEMPLATE_HEADER)
    for column in ("Plan", "Lead", "Lead organisation"):
        new[COL[column]] = first[COL[column]]
    new[COL["Ref"]] = ref
    new[COL["Recommendation"]] = rec
    new[COL["Title"]] = "An action for the new recommendation"
    new[COL["Target date"]] = "2016-06-30"
    new[-1] = "Illustrative measure"
    return new


def test_the_real_xlsx_export_with_its_recommendations_sheet_imported_unchanged_changes_nothing(
    seeded,
):
    data = _xlsx_export()
    before = _every_table()
    result = _run(data, dry_run=False, name="plan.xlsx")
    assert result.ok and result.plan.changes == 0, result.problems[:3]
    assert result.sheets[0] == REC_SHEET
    assert result.plan.rows == 20 + 335
    assert _every_table() == before


def test_a_new_recommendation_and_an_action_answering_it_in_one_file(seeded):
    next_ref = imports.load_snapshot().next_refs["main"]
    data = _book_with(
        [[*NEW_REC, "South Yorkshire Police; RDaSH"]], [_new_action_row(next_ref, "r21")]
    )
    before = _every_table()
    dry = _run(data, dry_run=True, name="plan.xlsx")
    assert dry.ok, dry.problems
    assert [(r.sheet, r.row, r.ref) for r in dry.plan.new_recommendations] == [
        (REC_SHEET, 2, "R21")
    ]
    assert [n.recommendation for n in dry.plan.new_actions] == ["R21"]
    assert _every_table() == before
    done = _run(data, dry_run=False, name="plan.xlsx")
    assert done.applied, done.problems
    db.session.expire_all()
    rec = db.session.execute(select(Recommendation).where(Recommendation.ref == "R21")).scalar_one()
    assert (rec.title, rec.judgement_area, rec.lead_body, rec.partners, rec.number) == (
        NEW_REC[1],
        "Leadership",
        "joint",
        ["South Yorkshire Police", "RDaSH"],
        21,
    )
    action = db.session.execute(select(Action).where(Action.ref == next_ref)).scalar_one()
    assert action.recommendation_id == rec.id
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "recommendation_added")
    ).scalar_one()
    assert event.target == "R21" and event.detail["cause"] == "import"
    # Exported again, the new recommendation and its action import unchanged.
    again = _run(_xlsx_export(), dry_run=True, name="plan.xlsx")
    assert again.ok and again.plan.changes == 0, again.problems[:3]


def test_an_edited_recommendation_is_a_change_recorded_as_an_import(seeded):
    snapshot = imports.load_snapshot()
    r1 = snapshot.recommendation_rows["R1"]
    data = _book_with(
        [[r1.ref, r1.title + " (revised)", r1.text, r1.judgement_area, "Council", ""]]
    )
    dry = _run(data, dry_run=True, name="plan.xlsx")
    assert dry.ok, dry.problems
    assert [(r.ref, r.fields) for r in dry.plan.recommendation_edits] == [
        ("R1", ("Title", "Lead body"))
    ]
    assert dry.plan.summary()["edited_recommendations"] == 1
    done = _run(data, dry_run=False, name="plan.xlsx")
    assert done.applied
    db.session.expire_all()
    rec = db.session.execute(select(Recommendation).where(Recommendation.ref == "R1")).scalar_one()
    assert rec.title == r1.title + " (revised)" and rec.lead_body == "council"
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "recommendation_changed")
    ).scalar_one()
    assert event.detail["cause"] == "import"
    assert event.detail["changes"]["lead_body"] == ["trust", "council"]
    # An identical row is no change.
    assert _run(data, dry_run=True, name="plan.xlsx").plan.changes == 0


def test_a_recommendation_an_import_renames_is_found_by_its_new_words_at_once(seeded):
    from tracker.domain.permissions import Actor, Role
    from tracker.services import search

    r1 = imports.load_snapshot().recommendation_rows["R1"]
    data = _book_with([[r1.ref, r1.title + " quixotic", r1.text, r1.judgement_area, "Trust", ""]])
    assert _run(data, dry_run=False, name="plan.xlsx").applied
    hits = search.search("quixotic", actor=Actor(user_id=None, role=Role.VIEWER)).hits
    assert [(h.kind, h.ref) for h in hits] == [("recommendation", "R1")]


def test_each_kind_of_recommendation_error_is_listed_by_sheet_row_and_column_and_nothing_written(
    seeded,
):
    r1 = imports.load_snapshot().recommendation_rows["R1"]
    recs = [
        ["R21", "", "Text", "Area", "Trust"],  # row 2: missing title
        ["R22", "A title", "Text", "Area", "The Mayor"],  # row 3: lead body not allowed
        ["R23", "A title", "x" * 4001, "Area", "Trust"],  # row 4: text too long
        ["R 24!", "A title", "Text", "Area", "Trust"],  # row 5: not a ref
        ["R25", "A title", "Review for Child A, DOB 12/03/2009", "Area", "Trust"],  # row 6
        ["R21", "Again", "Text", "Area", "Trust"],  # row 7: duplicate ref
        [r1.ref, r1.title, r1.text, "", "Trust"],  # row 8: missing judgement area
        ["", "No ref", "Text", "Area", "Trust"],  # row 9: missing ref
    ]
    next_ref = imports.load_snapshot().next_refs["main"]
    data = _book_with(recs, [_new_action_row(next_ref, "R21")])
    before = _every_table()
    for dry_run in (True, False):
        result = _run(data, dry_run=dry_run, name="plan.xlsx")
        found = {(p.sheet, p.row, p.column) for p in result.problems}
        assert found == {
            (REC_SHEET, 2, "Title"),
            (REC_SHEET, 3, "Lead body"),
            (REC_SHEET, 4, "Text"),
            (REC_SHEET, 5, "Ref"),
            (REC_SHEET, 6, "Text"),
            (REC_SHEET, 7, "Ref"),
            (REC_SHEET, 8, "Judgement area"),
            (REC_SHEET, 9, "Ref"),
        }, result.problems
        assert not result.applied and result.plan.changes == 0
    messages = " | ".join(p.message for p in result.problems)
    for words in (
        "Enter the recommendation's title",
        "not a lead body",
        "4000 characters or fewer",
        "not a recommendation ref",
        "date of birth",
        "more than once",
        "judgement area",
        "Enter the recommendation's ref",
    ):
        assert words in messages, words
    assert _every_table() == before


def test_a_recommendations_sheet_with_the_wrong_columns_is_named(seeded):
    book = Workbook()
    book.active.title = REC_SHEET
    book.active.append(["Ref", "Title", "Lead body"])
    book.active.append(["R21", "A title", "Trust"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = _run(buffer.getvalue(), dry_run=True, name="plan.xlsx")
    assert [(p.sheet, p.row) for p in result.problems] == [(REC_SHEET, 1)]
    assert "missing Text, Judgement area, Partners" in result.problems[0].message


def test_an_action_may_not_answer_a_recommendation_the_file_does_not_add(seeded):
    """A CSV holds actions only: a recommendation it names must exist already."""
    next_ref = imports.load_snapshot().next_refs["main"]
    rows = [list(TEMPLATE_HEADER), _new_action_row(next_ref, "R21")]
    result = _run(_csv(rows), dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(2, "Recommendation")]


def test_the_cli_lists_recommendation_changes_in_a_dry_run(seeded, tmp_path):
    path = tmp_path / "recs.xlsx"
    path.write_bytes(_book_with([[*NEW_REC, ""]]))
    before = _every_table()
    out = seeded.test_cli_runner().invoke(args=["tracker", "import", str(path), "--dry-run"])
    assert out.exit_code == 0, out.output
    assert f"{REC_SHEET} row 2, R21: new recommendation: {NEW_REC[1]}" in out.output
    assert "1 new recommendations" in out.output
    assert _every_table() == before
