"""The workbook opens in LibreOffice: `soffice --headless --convert-to csv` reads every sheet, with
the right number of rows, and the main plan's sheet, as LibreOffice shows it, is the CSV export.

One conversion (about two seconds): LibreOffice (Debian's libreoffice-calc-nogui) must be
installed, as .ci/run does; without it this test fails, it does not skip."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

from tests.api.test_xlsx_export_api import PLAN_SHEETS, URL, csv_rows

# Comma, double quote, UTF-8, from line 1, cells as shown (dates in the sheet's format), every
# sheet to its own file (the 12th field, -1: LibreOffice 7.2 and later).
ALL_SHEETS_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def test_libreoffice_opens_every_sheet_with_the_right_rows(role_client, tmp_path: Path):
    soffice = shutil.which("soffice")
    assert soffice, "soffice is missing: apt-get install libreoffice-calc-nogui (see .ci/run)"
    client = role_client("viewer")
    response = client.get(URL, query_string={"history": "true"})
    assert response.status_code == 200
    book = tmp_path / "plan.xlsx"
    book.write_bytes(response.get_data())
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            ALL_SHEETS_AS_SHOWN,
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    def rows(sheet: str) -> list[list[str]]:
        with open(tmp_path / f"plan-{sheet}.csv", encoding="utf-8", newline="") as f:
            return list(csv.reader(f))

    counts = {sheet: len(rows(sheet)) - 1 for sheet in PLAN_SHEETS}
    assert counts == {PLAN_SHEETS[0]: 183, **{sheet: 38 for sheet in PLAN_SHEETS[1:]}}
    assert len(rows("Summary")) == 1 + 20 + 1
    assert rows("Summary")[-1][:4] == ["All recommendations", "", "", "335"]
    assert len(rows("History")) - 1 == 1243  # every update in the seed
    assert rows("Legend")
    assert rows(PLAN_SHEETS[0]) == csv_rows(client, {"plan": "main"})
