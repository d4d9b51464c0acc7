"""The chair downloads what a plan page shows and prints it, in Chromium: the workbook holds the
page's rows as at its date, and the printed page (Chromium's own PDF, read back with pdftotext)
keeps every column, RAG in words and the as-at date. axe-core checks every page seen."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.conftest import ROLE_ACCOUNTS
from tests.e2e.test_home_journey import shown_total, sign_in

COLUMNS = ("Ref", "Rec", "Action", "Lead organisation", "Lead", "RAG", "Lifecycle", "Target date")


def pdf_text(pdf: Path, page: int | None = None) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils (see .ci/run)"
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        [pdftotext, "-layout", *pages, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_the_chair_downloads_a_filtered_plan_as_at_a_date_as_a_workbook(
    page: Page, live_server, axe
):
    sign_in(page, live_server, ROLE_ACCOUNTS["chair"], axe)
    page.goto(f"{live_server}/plans/north?rag=green&as_at=20/1/2016")
    expect(page.get_by_role("heading", level=1)).to_have_text("North locality action plan")
    shown = shown_total(page)
    axe.check(page)

    with page.expect_download() as download:
        page.get_by_role(
            "link", name=f"Download these {shown} actions as an Excel workbook (XLSX)"
        ).click()
    file = download.value
    assert file.suggested_filename == "action-plan_north_green_as-at-2016-01-20.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(file.path()).read_bytes()))
    assert book.sheetnames == ["Summary", "Recommendations", "North locality action plan", "Legend"]
    rows = list(book["North locality action plan"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == shown and {r[12] for r in rows} == {"Green"}
    refs = page.locator("#actions-table tbody th").all_inner_texts()
    assert [r[0] for r in rows][: len(refs)] == [ref.strip() for ref in refs]

    # The workbook with the history: the page says at once that the file is being prepared.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"with every update’s history \(XLSX\)")).click()
    # Fetched by the page, with a bar showing its progress, then saved under its own name.
    expect(page.locator(".tracker-downloads [role=status]")).to_have_text(
        "Downloaded action-plan_north_green_as-at-2016-01-20_with-history.xlsx."
    )
    expect(page.get_by_role("progressbar", name="Download progress")).to_have_attribute(
        "value", "1"
    )
    assert (
        download.value.suggested_filename
        == "action-plan_north_green_as-at-2016-01-20_with-history.xlsx"
    )
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "History" in book.sheetnames and book["History"].max_row > shown
    axe.check(page)


def test_a_printed_plan_page_keeps_every_column_rag_in_words_and_the_as_at_date(
    page: Page, live_server, axe, tmp_path: Path
):
    sign_in(page, live_server, ROLE_ACCOUNTS["viewer"], axe)
    page.goto(f"{live_server}/plans/main?as_at=20/1/2016")
    axe.check(page)
    page.emulate_media(media="print")
    # At A4 landscape's width the whole table is inside the page.
    page.set_viewport_size({"width": 1047, "height": 740})
    right = page.evaluate(
        "() => document.querySelector('#actions-table').getBoundingClientRect().right"
    )
    assert right <= page.evaluate("() => document.documentElement.clientWidth")

    pdf = tmp_path / "main.pdf"
    page.pdf(path=str(pdf))  # the print stylesheet's @page: A4 landscape
    first = pdf_text(pdf, page=1)
    header = next(line for line in first.splitlines() if "Lead organisation" in line)
    for column in COLUMNS:
        assert column in header, column
    assert "Overdue" in first and "Target date" in first
    assert "As at the end of Wednesday 20 January 2016" in first and "Printed " in first
    assert re.search(r"\b(Green|Amber|Red)\b", first.split("Lead organisation", 1)[1])
    assert "Blue: closed with" in first  # the tag's words, not only its colour
    everything = pdf_text(pdf)
    pages = everything.count("\f")
    assert 1 < pages <= 10, pages  # 100 rows: was 61 portrait pages with columns cut off
    assert everything.count("Lead organisation") >= pages  # the header row on every page
    assert "/actions/MAP-" not in everything  # no link addresses printed after the refs

    # Printing the page prints its 100 rows; "Print all N actions" prints every one of them.
    page.emulate_media(media="screen")
    link = page.get_by_role("link", name=re.compile(r"^Print all \d+ actions$"))
    total = int(re.search(r"\d+", link.inner_text()).group(0))
    assert total > 100
    link.click()
    expect(page.locator("#actions-table tbody tr")).to_have_count(total)
    expect(page.locator(".govuk-pagination")).to_have_count(0)
    axe.check(page)
    page.emulate_media(media="print")
    whole = tmp_path / "whole.pdf"
    page.pdf(path=str(whole))
    printed = pdf_text(whole)
    assert len(set(re.findall(r"\bMAP-\d{3}\b", printed))) == total
    assert "As at the end of Wednesday 20 January 2016" in printed


def test_the_chair_downloads_the_board_pack_from_a_plan_page_and_from_the_dashboard(
    page: Page, live_server, axe, tmp_path: Path
):
    sign_in(page, live_server, ROLE_ACCOUNTS["chair"], axe)
    page.goto(f"{live_server}/plans/main?overdue=true&as_at=25/1/2016")
    shown = shown_total(page)
    axe.check(page)
    refs = [ref.strip() for ref in page.locator("#actions-table tbody th").all_inner_texts()]
    with page.expect_download() as download:
        these = "this action" if shown == 1 else f"these {shown} actions"
        page.get_by_role("link", name=f"Download {these} as the JSIG board pack (PDF)").click()
    # Fetched by the page with the same progress bar as the workbook, then saved.
    expect(page.locator(".tracker-downloads [role=status]")).to_have_text(
        "Downloaded board-pack-main-2016-01-25.pdf."
    )
    assert download.value.suggested_filename == "board-pack-main-2016-01-25.pdf"
    pdf = tmp_path / "plan.pdf"
    download.value.save_as(pdf)
    text = pdf_text(pdf)
    assert "Joint Strategic Inspection Group board pack" in text
    assert "The end of Monday 25 January 2016" in text and "overdue only" in text
    assert refs and all(ref in text for ref in refs)  # every overdue action, in the exceptions
    # The clicked link keeps GOV.UK's focus style (black on yellow, no underline), which axe's
    # link-in-text-block rule reads as a link told apart by colour alone: check the page at rest.
    page.locator("#download-pdf").blur()
    axe.check(page)

    page.goto(f"{live_server}/dashboard")
    page.get_by_label("Plan or locality").select_option("central")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#dashboard-scope")).to_contain_text("match the filters")
    axe.check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download the JSIG board pack of these")).click()
    assert download.value.suggested_filename == "board-pack-central-2016-02-05.pdf"
    pdf = tmp_path / "dashboard.pdf"
    download.value.save_as(pdf)
    text = pdf_text(pdf)
    assert "plan central" in text and "The chair's dashboard on" in text
    assert not re.search(r"\bMAP-\d{3}\b", text), "only Central's actions"
    page.locator("#download-pdf").blur()
    axe.check(page)
