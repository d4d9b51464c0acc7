"""`flask tracker export`: the same files as the Download links, written to a file, audited, with
a progress bar when an export takes longer than a second; PDF is the JSIG board pack."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import openpyxl
import pytest

from tests.exports import last_export
from tracker import cli


def run(seeded_app, *args: str):
    return seeded_app.test_cli_runner().invoke(args=["tracker", "export", *args])


def test_an_xlsx_export_as_at_a_date_writes_the_workbook_and_an_audit_event(seeded_app, tmp_path):
    out = tmp_path / "plan.xlsx"
    result = run(seeded_app, "--format", "xlsx", "--as-at", "2016-01-20", "--history", "-o", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-2:] == ["History", "Legend"]
    assert book.sheetnames[1] == "Recommendations"
    actions = sum(book[name].max_row - 1 for name in book.sheetnames[2:-2])
    history = book["History"].max_row - 1
    assert f"Exported {actions} actions and {history} history rows to {out}." in result.output
    event = last_export(seeded_app)
    assert event.user_id is None and event.target == "plan.xlsx"
    assert event.detail == {
        "format": "xlsx",
        "filters": {"as_at": "2016-01-20", "history": "true"},
        "rows": actions,
        "history_rows": history,
        "via": "command line",
    }


def test_a_csv_export_takes_the_plan_pages_filters(seeded_app, tmp_path):
    out = tmp_path / "plan.csv"
    result = run(
        seeded_app, "--format", "csv", "--plan", "north", "--filter", "rag=green", "-o", out
    )
    assert result.exit_code == 0, result.output
    body = out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    _header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert rows and all(r[1] == "North locality action plan" and r[12] == "Green" for r in rows)
    assert last_export(seeded_app).detail["filters"] == {"rag": "green", "plan": "north"}


def test_a_pdf_export_writes_the_board_pack_and_an_audit_event(seeded_app, tmp_path):
    out = tmp_path / "board-pack.pdf"
    result = run(
        seeded_app, "--format", "pdf", "--as-at", "2016-01-20", "--plan", "main", "-o", out
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout
    text = text.decode()
    assert "Joint Strategic Inspection Group board pack" in text
    assert "Wednesday 20 January 2016" in text
    assert not re.search(r"\b[NSEC]-\d{2}\b", text), "only the main plan's actions"
    event = last_export(seeded_app)
    assert event.user_id is None and event.target == "board-pack.pdf"
    detail = event.detail
    assert detail["format"] == "pdf" and detail["via"] == "command line"
    assert detail["filters"] == {"plan": "main", "as_at": "2016-01-20"}
    assert detail["rows"] == 183
    assert f"Exported the board pack of 183 actions ({detail['exceptions']} red or overdue)" in (
        result.output
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--format", "pdf", "--history"], "--history needs --format xlsx"),
        (["--format", "pdf", "--filter", "blocked=true", "--as-at", "2016-01-20"], "as_at"),
        (["--format", "csv", "--filter", "date_clash=true", "--as-at", "2016-01-20"], "as_at"),
        (["--format", "csv", "--history"], "--history needs --format xlsx"),
        (["--format", "csv", "--as-at", "20/1/2016"], "use the format YYYY-MM-DD"),
        (["--format", "csv", "--filter", "colour=red"], "use NAME=VALUE with one of"),
        (["--format", "csv", "--filter", "rag=purple"], "rag must be one of"),
        (["--format", "csv", "--plan", "west"], "plan must be one of"),
    ],
)
def test_what_it_cannot_do_is_refused_plainly_and_no_file_is_written(
    seeded_app, tmp_path, args, said
):
    out = tmp_path / "plan.out"
    result = run(seeded_app, *args, "-o", out)
    assert result.exit_code == 2 and said in result.output
    assert not out.exists()


def test_the_progress_bar_appears_only_after_a_second(monkeypatch, capsys):
    clock = iter([0.0, 0.5, 1.5, 1.6])
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    bar = cli._DelayedBar("Exporting XLSX")
    bar(500, 2000)  # at 0.5 s: nothing shown
    assert bar.bar is None
    bar(500, 2000)  # at 1.5 s: the bar appears, with the rows already done
    assert bar.bar is not None and bar.bar.pos == 1000
    bar(1000, 2000)
    assert bar.bar.pos == 2000
    bar.close()
