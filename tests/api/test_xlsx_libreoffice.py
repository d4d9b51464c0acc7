"""The workbook opens and prints in LibreOffice: `soffice --headless --convert-to pdf` prints
every sheet as a person's "Print" would, and the PDF is read back with pdftotext: each sheet's
rows are all there, the main plan runs over several pages (fit to the page's width only, never
squeezed onto one), with its header row and "Page N of M" on every page, and its text is big
enough to read.

One conversion (a few seconds, LibreOffice started once): LibreOffice (Debian's
libreoffice-calc-nogui) and pdftotext must be installed, as .ci/run does; without them this test
fails, it does not skip. That the main plan's cells are the CSV export's is checked with openpyxl
(tests/api/test_xlsx_export_api.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from tests.api.test_xlsx_export_api import PLAN_SHEETS, URL

# Text smaller than this (in points, a word's height on the printed page) is not readable: the
# plan squeezed onto one page printed it at under 3 points.
READABLE = 4.5
_WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">')


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_libreoffice_prints_every_sheet_readably_with_the_right_rows(role_client, tmp_path: Path):
    soffice = shutil.which("soffice")
    assert soffice, "soffice is missing: apt-get install libreoffice-calc-nogui (see .ci/run)"
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install poppler-utils"
    client = role_client("viewer")
    response = client.get(URL, query_string={"history": "true"})
    assert response.status_code == 200
    book = tmp_path / "plan.xlsx"
    book.write_bytes(response.get_data())
    _run(
        soffice,
        f"-env:UserInstallation=file://{tmp_path / 'profile'}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(book),
    )
    pdf = str(tmp_path / "plan.pdf")
    pages = _run("pdftotext", "-layout", pdf, "-").split("\f")[:-1]
    by_sheet: dict[str, list[str]] = defaultdict(list)
    for number, page in enumerate(pages, start=1):
        # The page header names the sheet (&A); the footer numbers the page (&P of &N).
        first = page.strip().splitlines()[0]
        sheet = next(
            (
                s
                for s in ("Summary", "Recommendations", *PLAN_SHEETS, "History")
                if first.startswith(s)
            ),
            "Legend",
        )
        by_sheet[sheet].append(page)
        if sheet != "Legend":
            assert f"Page {number} of {len(pages)}" in page

    def refs(sheet: str) -> list[str]:
        return re.findall(r"^\s*([A-Z]+-\d{2,3})\s", "\n".join(by_sheet[sheet]), re.M)

    main = by_sheet[PLAN_SHEETS[0]]
    assert len(main) > 1  # fit to width, as many pages down as it takes
    for page in main:  # the header row is printed on every page (print titles)
        assert re.search(r"^Ref\s+Plan\s+", page, re.M), page[:300]
    counts = {sheet: len(refs(sheet)) for sheet in PLAN_SHEETS}
    assert counts == {PLAN_SHEETS[0]: 183, **{sheet: 38 for sheet in PLAN_SHEETS[1:]}}
    assert len(set(refs(PLAN_SHEETS[0]))) == 183
    assert re.search(r"All recommendations\s+335\s", "\n".join(by_sheet["Summary"]))
    assert len(by_sheet["History"]) > 1 and "Target date moved" in "\n".join(by_sheet["History"])
    assert by_sheet["Legend"]

    # Every word on the main plan's pages is readable: no sheet squeezed onto one page.
    first = len(by_sheet["Summary"]) + len(by_sheet["Recommendations"]) + 1
    last = first + len(main) - 1
    boxes = _run("pdftotext", "-bbox", "-f", str(first), "-l", str(last), pdf, "-")
    heights = [float(bottom) - float(top) for top, bottom in _WORD.findall(boxes)]
    assert heights and min(heights) >= READABLE, min(heights)
