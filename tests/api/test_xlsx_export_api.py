"""The XLSX export: the CSV's rows and columns in a sheet per plan, real dates, a summary, the
history as at a date, safe cells, coloured RAG in words, audited, and only for exporters."""

from __future__ import annotations

import glob
import io
import os
import tempfile
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.builders import add_update, make_action
from tests.exports import CSV_URL, XLSX_URL, csv_table, last_export
from tracker.domain.calendar import LONDON
from tracker.domain.imports import REC_HEADER, REC_SHEET
from tracker.extensions import db
from tracker.models import Action, ActionEdit, ActionUpdate, TargetDateRequest
from tracker.services.exchange import exports, plan_workbook

URL = XLSX_URL
PLAN_SHEETS = (
    "Main action plan",
    "North locality action plan",
    "South locality action plan",
    "East locality action plan",
    "Central locality action plan",
)


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == exports.XLSX_MIMETYPE
    body = response.get_data()
    assert response.headers["Content-Length"] == str(len(body))
    return openpyxl.load_workbook(io.BytesIO(body))


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def as_csv_row(row: tuple) -> list[str]:
    """A plan sheet's row written as the CSV writes it: dates in ISO form, numbers as digits."""
    out = []
    for name, value in zip(exports.HEADER, row, strict=True):
        if value is None:
            out.append("")
        elif name in ("Start date", "Target date", "Baseline target date"):
            out.append(value.date().isoformat())
        elif name == "Last updated (London time)":
            out.append(value.strftime("%Y-%m-%d %H:%M"))
        else:
            out.append(str(value))
    return out


def test_the_workbook_has_a_summary_a_sheet_per_plan_and_a_legend_with_the_right_counts(
    role_client,
):
    client = role_client("viewer")
    response = client.get(URL)
    book = workbook(response)
    assert book.sheetnames == ["Summary", REC_SHEET, *PLAN_SHEETS, "Legend"]
    counts = {name: book[name].max_row - 1 for name in PLAN_SHEETS}
    assert counts == {PLAN_SHEETS[0]: 183, **{name: 38 for name in PLAN_SHEETS[1:]}}
    assert sum(counts.values()) == int(response.headers["X-Total-Count"]) == 335
    summary = sheet_rows(book["Summary"])
    assert summary[0] == plan_workbook.SUMMARY_HEADER
    assert len(summary) == 1 + 20 + 1  # every recommendation, then the totals
    totals = dict(zip(plan_workbook.SUMMARY_HEADER, summary[-1], strict=True))
    assert totals["Recommendation"] == "All recommendations" and totals["Actions"] == 335
    assert sum(r[3] for r in summary[1:-1]) == 335
    items = client.get("/api/v1/recommendations").get_json()["items"]
    by_ref = {row[0]: row for row in summary[1:-1]}
    for rec in items:
        assert by_ref[rec["ref"]][3] == rec["action_count"], rec["ref"]
    for name in ("Summary", REC_SHEET, *PLAN_SHEETS):
        assert book[name].freeze_panes is not None and book[name].auto_filter.ref
    legend = [row[0] for row in sheet_rows(book["Legend"])]
    assert {"Red", "Amber", "Green", "Closed with evidence", "Overdue"} <= set(legend)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"plan": "north", "sort": "-target_date"},
        {"rag": "red", "overdue": "true"},
        {"as_at": "2016-01-20", "lifecycle": "in_progress"},
    ],
)
def test_each_plan_sheet_holds_the_csv_s_columns_and_rows_in_its_order(role_client, query):
    client = role_client("chair")
    book = workbook(client.get(URL, query_string=query))
    header, *wanted = csv_table(client.get(CSV_URL, query_string=query))
    assert tuple(header) == exports.HEADER
    got = []
    for name in book.sheetnames[2:-1]:
        first, *rows = sheet_rows(book[name])
        assert first == exports.HEADER
        got += [as_csv_row(row) for row in rows]
    # The sheets split the CSV by plan, each keeping the CSV's order.
    for plan in {row[1] for row in wanted}:
        assert [r for r in got if r[1] == plan] == [r for r in wanted if r[1] == plan]
    assert len(got) == len(wanted)
    if "plan" in query:
        assert book.sheetnames == ["Summary", REC_SHEET, "North locality action plan", "Legend"]


def test_dates_are_real_excel_dates_and_the_version_a_number(role_client):
    book = workbook(role_client("viewer").get(URL, query_string={"plan": "main"}))
    sheet = book["Main action plan"]
    col = {name: i + 1 for i, name in enumerate(exports.HEADER)}
    start = sheet.cell(row=2, column=col["Start date"])
    target = sheet.cell(row=2, column=col["Target date"])
    updated = sheet.cell(row=2, column=col["Last updated (London time)"])
    version = sheet.cell(row=2, column=col["Version"])
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    assert isinstance(target.value, datetime) and target.value.date() <= date(2016, 12, 31)
    assert updated.is_date and updated.number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(version.value, int)


def test_rag_cells_are_coloured_and_spelled_out_and_blue_only_means_closed_with_evidence(
    role_client,
):
    book = workbook(role_client("viewer").get(URL))
    col = {name: i for i, name in enumerate(exports.HEADER)}
    seen = set()
    for name in PLAN_SHEETS:
        for row in book[name].iter_rows(min_row=2):
            rag, lifecycle = row[col["RAG"]], row[col["Lifecycle"]]
            if rag.value:
                fill = plan_workbook.FILLS[rag.value.lower()][0].lstrip("#")
                assert rag.fill.fgColor.rgb.endswith(fill), (rag.value, rag.fill.fgColor.rgb)
                seen.add(rag.value)
            blue = lifecycle.fill.fgColor.rgb.endswith(plan_workbook.FILLS["blue"][0][1:])
            assert blue == (lifecycle.value == "Closed with evidence")
    assert seen == {"Red", "Amber", "Green"}


def test_as_at_the_workbook_matches_the_history_recorded_by_then(role_client, seeded_app):
    client = role_client("viewer")
    book = workbook(client.get(URL, query_string={"as_at": "2016-01-20", "history": "true"}))
    assert book.sheetnames[-2:] == ["History", "Legend"]
    history = sheet_rows(book["History"])
    assert history[0] == plan_workbook.HISTORY_HEADER
    end = datetime(2016, 1, 20, 23, 59, 59, 999999, tzinfo=LONDON).astimezone(UTC)
    with seeded_app.app_context():
        recorded = db.session.execute(
            select(func.count()).select_from(ActionUpdate).where(ActionUpdate.recorded_at <= end)
        ).scalar_one()
        edits = db.session.execute(
            select(func.count()).select_from(ActionEdit).where(ActionEdit.recorded_at <= end)
        ).scalar_one()
        moves = db.session.execute(
            select(func.count())
            .select_from(TargetDateRequest)
            .where(TargetDateRequest.status == "approved", TargetDateRequest.decided_at <= end)
        ).scalar_one()
        first_rows = db.session.execute(
            select(Action.ref, func.min(ActionUpdate.recorded_at))
            .join(ActionUpdate, ActionUpdate.action_id == Action.id)
            .group_by(Action.ref)
        ).all()
        db.session.remove()
    h = {name: i for i, name in enumerate(plan_workbook.HISTORY_HEADER)}
    kinds = [row[h["Change"]] for row in history[1:]]
    assert kinds.count("Update") == recorded
    assert len(history) - 1 == recorded + edits + moves
    assert all(row[2] <= datetime(2016, 1, 20, 23, 59, 59) for row in history[1:])
    latest = {}
    for row in history[1:]:
        if row[h["Change"]] == "Update":
            latest[row[0]] = row  # ref then time order: the last update is the latest
    col = {name: i for i, name in enumerate(exports.HEADER)}
    plan_rows = [row for name in PLAN_SHEETS for row in sheet_rows(book[name])[1:]]
    existing = {ref for ref, first in first_rows if first <= end}
    assert {row[col["Ref"]] for row in plan_rows} == existing
    for row in plan_rows:
        last = latest[row[col["Ref"]]]
        assert row[col["Version"]] == last[1]
        assert row[col["Last updated (London time)"]] == last[2]
        assert row[col["Lifecycle"]] == last[h["Lifecycle"]]
        assert (row[col["RAG"]] or None) == last[h["RAG"]]
        assert (row[col["Latest summary"]] or None) == last[h["Summary"]]


def test_text_that_looks_like_a_formula_is_neutralised_and_written_as_text_never_a_formula(
    exporter,
):
    lead = exporter.lead
    lead.name = "=cmd|' /C calc'!A0"
    action = make_action(ref="T-100", lead=lead)
    action.title = "+SUM(A1:A9)"
    add_update(
        action,
        recorded_at=datetime(2016, 2, 1, 15, 30, tzinfo=UTC),
        summary='=HYPERLINK("http://evil.example","Click")',
        reason="@SUM(1+1)",
        rag="red",
        author=lead,
    )
    db.session.commit()
    response = exporter.client.get(URL, query_string={"history": "1"})
    body = response.get_data()
    book = workbook(response)
    sheet = book[book.sheetnames[2]]  # the builders' main plan
    row = dict(zip(exports.HEADER, sheet_rows(sheet)[1], strict=True))
    assert row["Title"] == "'+SUM(A1:A9)"
    assert row["Lead"] == "'=cmd|' /C calc'!A0"
    assert row["Latest summary"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["Latest reason"] == "'@SUM(1+1)"
    last = sheet_rows(book["History"])[-1]
    history = dict(zip(plan_workbook.HISTORY_HEADER, last, strict=True))
    assert history["Who"] == "'=cmd|' /C calc'!A0" and history["Reason"] == "'@SUM(1+1)"
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name), name  # no formula anywhere


def test_each_workbook_export_is_an_audit_event_with_its_filters_and_counts(
    role_client, seeded_app
):
    client = role_client("performance_officer")
    query = {"plan": "east", "as_at": "2016-01-20", "history": "true"}
    book = workbook(client.get(URL, query_string=query))
    event = last_export(seeded_app)
    assert event.target == "plan.xlsx" and event.user_id is not None
    assert event.detail == {
        "format": "xlsx",
        "filters": {"plan": "east", "as_at": "2016-01-20", "history": "true"},
        "rows": book["East locality action plan"].max_row - 1,
        "history_rows": book["History"].max_row - 1,
    }


def test_the_workbook_is_never_left_on_disk(role_client, tmp_path, monkeypatch):
    # Temporary files go to a folder of this test's own: other test processes write theirs.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "tracker-export-*")))
    response = role_client("viewer").get(URL, buffered=False)
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "tracker-export-*"))) == before
    assert b"".join(response.response).startswith(b"PK")
    response.close()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"history": "maybe"}, "history"),
        ({"rag": "purple"}, "rag"),
        ({"as_at": "2016-02-30"}, "as_at"),
        ({"page": "2"}, "page"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_options_give_400_problem_json_naming_the_parameter(role_client, query, parameter):
    response = role_client("viewer").get(URL, query_string=query)
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == parameter


def test_the_csv_export_does_not_take_the_history_option(role_client):
    response = role_client("viewer").get("/api/v1/exports/plan.csv?history=true")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["locality_head", "action_lead"])
def test_people_the_policy_does_not_let_export_get_403_and_no_file(role_client, role):
    response = role_client(role).get(URL)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_without_signing_in_the_answer_is_401(seeded_app):
    response = seeded_app.test_client().get(URL)
    assert response.status_code == 401


def test_the_recommendations_sheet_holds_every_recommendation_s_values(role_client):
    client = role_client("viewer")
    book = workbook(client.get(URL, query_string={"plan": "north"}))
    header, *rows = sheet_rows(book[REC_SHEET])
    assert header == REC_HEADER
    items = client.get("/api/v1/recommendations").get_json()["items"]
    assert [r[0] for r in rows] == [rec["ref"] for rec in items]
    by_ref = {r[0]: dict(zip(REC_HEADER, r, strict=True)) for r in rows}
    for rec in items:
        row = by_ref[rec["ref"]]
        assert (row["Title"], row["Text"], row["Judgement area"]) == (
            rec["title"],
            rec["text"],
            rec["judgement_area"],
        )
        assert row["Lead body"] in ("Trust", "Council", "Joint", "Safeguarding board")
        assert (row["Partners"] or "") == "; ".join(rec["partners"])
    sheet = book[REC_SHEET]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == f"A1:F{len(rows) + 1}"
    assert sheet.column_dimensions["C"].width > 50


def test_sheets_print_a4_landscape_fit_to_width_with_titles_and_history_holds_moves_and_cycles(
    role_client, seeded_app
):
    response = role_client("viewer").get(URL, query_string={"history": "true"})
    book = workbook(response)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="action-plan_as-at-2016-02-05_with-history.xlsx"'
    )
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert "Page &P of &N" in sheet.oddFooter.right.text, sheet.title
    main = book[PLAN_SHEETS[0]]
    col = {name: i for i, name in enumerate(exports.HEADER)}
    assert exports.HEADER[-2:] == ("Baseline target date", "Days overdue")
    rows = sheet_rows(main)[1:]
    overdue = [r for r in rows if r[col["Overdue"]] == "Yes"]
    assert overdue and all(r[col["Days overdue"]] > 0 for r in overdue)
    assert all(r[col["Days overdue"]] == 0 for r in rows if r[col["Overdue"]] == "No")
    with seeded_app.app_context():
        moved = db.session.execute(
            select(Action.ref, Action.baseline_target_date, TargetDateRequest.new_date)
            .join(TargetDateRequest, TargetDateRequest.action_id == Action.id)
            .where(TargetDateRequest.status == "approved")
        ).all()
        db.session.remove()
    assert moved
    by_ref = {r[col["Ref"]]: r for name in PLAN_SHEETS for r in sheet_rows(book[name])[1:]}
    for ref, baseline, _new in moved:
        assert by_ref[ref][col["Baseline target date"]].date() == baseline
    h = {name: i for i, name in enumerate(plan_workbook.HISTORY_HEADER)}
    history = sheet_rows(book["History"])[1:]
    moves = {
        (r[h["Ref"]], r[h["Summary"]]) for r in history if r[h["Change"]] == "Target date moved"
    }
    assert {(ref, new.isoformat()) for ref, _b, new in moved} == {
        (ref, summary.rsplit(" ", 1)[-1]) for ref, summary in moves
    }
    # Every row has its cycle: an update its own, an edit or a move the one open that day.
    assert all(isinstance(r[h["Cycle"]], int) for r in history if r[2] >= datetime(2016, 1, 4))
    assert {r[h["Change"]] for r in history} >= {"Update", "Target date moved"}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"plan": "north", "rag": "red"}, "action-plan_north_red_as-at-2016-02-05.xlsx"),
        (
            {"plan": "north", "rag": "red", "as_at": "2016-01-20", "history": "true"},
            "action-plan_north_red_as-at-2016-01-20_with-history.xlsx",
        ),
        ({"overdue": "true", "sort": "ref"}, "action-plan_overdue-true_as-at-2016-02-05.xlsx"),
    ],
)
def test_the_file_name_says_what_is_in_it(query, name):
    filters = exports.PlanFilters(plan=query.get("plan"))
    day = date.fromisoformat(query.get("as_at", "2016-02-05"))
    got = exports.plan_export_filename(
        filters, day, "xlsx", asked=exports.export_args(query), history="history" in query
    )
    assert got == name
