"""The JSIG board pack as a complete paper, in Chromium (issue 18.2): a JSIG member opens the
last JSIG meeting, writes the pack's covering note (after being told a blank note cannot be
kept), then downloads the board pack as a PDF, whose text holds the note, the key measures'
scorecard and the net changes since the last JSIG meeting, and its Word version, which opens with
the same headings. axe-core checks every page seen."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

NOTE = "The plan is broadly on track. The board is asked to note the actions awaiting sign-off."


def test_a_jsig_member_writes_the_covering_note_and_downloads_the_board_pack(
    page: Page, live_server, axe
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["viewer"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name=re.compile("Joint Strategic Inspection Group meeting on")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting on Thursday 21 January 2016")
    axe.check(page)

    # --- The covering note: a blank one is refused, then the note is saved -----------------
    page.get_by_role("link", name="Write the board pack’s covering note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Covering note for the board pack")
    axe.check(page)
    page.get_by_role("button", name="Save the covering note").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the covering note")
    axe.check(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Covering note")).to_be_focused()
    page.get_by_label("Covering note").fill(NOTE)
    page.get_by_role("button", name="Save the covering note").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Covering note saved (version 1)"
    )
    axe.check(page)

    # --- The printable pack, then the PDF and the Word file ---------------------------------
    page.get_by_role("link", name="open the printable pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("JSIG board pack")
    expect(page.locator("#note")).to_have_text("Covering note")
    axe.check(page)
    page.get_by_role("link", name="Back to the meeting").click()

    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download the board pack (PDF)").click()
    assert download.value.suggested_filename == (
        "board-pack-joint-strategic-inspection-group-2016-01-21.pdf"
    )
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert NOTE in flat
    assert "Performance scorecard: key measures, Quarter 3 2015/16" in flat
    assert re.search(r"A1 Percentage of re-referrals .*? ON TARGET", flat)
    assert "Net changes since" in flat and "To amber" in flat
    assert "Exceptions: where each stands and what would close it" in flat

    with page.expect_download() as word:
        page.get_by_role("link", name="Download the board pack as a Word document (DOCX)").click()
    assert word.value.suggested_filename.endswith("2016-01-21.docx")
    from docx import Document

    doc = Document(str(word.value.path()))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Covering note" and "Appendix: every action" in headings
    assert all(h in flat for h in headings)
    assert NOTE in "\n".join(p.text for p in doc.paragraphs)

    # The same JSIG member makes an API token for the board's pulls (its own journey,
    # test_own_tokens_journey.py, covers expiry, last use, refusals and revoking).
    page.goto(f"{base}/account/api-tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")
    page.get_by_label("What the token is for").fill("Board pack pulls")
    page.get_by_role("button", name="Create API token").click()
    assert page.locator("#new-token code").inner_text().startswith("trk_")
    expect(page.locator("#tokens")).to_contain_text("Board pack pulls")
    axe.check(page)
