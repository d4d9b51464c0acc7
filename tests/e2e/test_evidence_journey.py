"""Issue 13.1 in Chromium: a lead uploads evidence to the action they completed (a renamed
program is refused first), a chair withdraws the only evidence of another action and then cannot
close it, then signs off the lead's action with its evidence; the chair downloads the file, and
the meeting pack lists it. axe-core runs on every page. (The seed gives every action awaiting
sign-off an illustrative evidence link, issue 17.1.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_returns_journey import flash, heading, sign_in, sign_out
from tests.evidence_support import PDF, WINDOWS_PROGRAM

LEAD = "hos.mash@trust.example"  # leads MAP-037, complete and awaiting sign-off in the seed
CHAIR = "chief.executive@trust.example"
REF = "MAP-037"
OTHER = "MAP-151"  # also awaiting sign-off, with one illustrative link from the seed
TITLE = "Strategy discussion audit, January 2016"


def _choose_file(page: Page, name: str, data: bytes, mime: str = "application/pdf") -> None:
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


def test_a_lead_adds_evidence_and_the_chair_closes_the_action_with_it(page: Page, live_server, axe):
    base = live_server

    # --- The lead adds evidence to their completed action ------------------------------------
    sign_in(page, base, LEAD)
    page.goto(f"{base}/actions/{REF}")
    evidence = page.locator("#evidence")
    expect(evidence).to_have_text("Evidence")
    expect(page.locator("main")).to_contain_text("Illustrative: ")  # the seed's link
    axe.check(page)
    page.get_by_role("link", name=f"Add evidence to {REF}").click()
    expect(heading(page)).to_have_text("Add evidence")
    axe.check(page)

    # Nothing filled in: the error summary links to each field.
    page.get_by_role("button", name="Add evidence").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors).to_contain_text("Enter a title for the evidence")
    expect(errors).to_contain_text("Choose the type of evidence")
    expect(errors).to_contain_text("Choose a file to upload, or give a link")
    axe.check(page)

    # A program renamed as a PDF is refused by its content.
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Audit").check()
    page.get_by_label("Date of the evidence").fill("29/1/2016")
    _choose_file(page, "audit.pdf", WINDOWS_PROGRAM)
    page.get_by_role("button", name="Add evidence").click()
    expect(errors).to_contain_text("The selected file is a program, not a document")
    axe.check(page)

    # The real file is taken; the action page lists it.
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Audit").check()
    page.get_by_label("Date of the evidence").fill("29/1/2016")
    _choose_file(page, "strategy-audit.pdf", PDF)
    page.get_by_role("button", name="Add evidence").click()
    expect(flash(page)).to_contain_text(f"Evidence added: {TITLE}")
    expect(page).to_have_url(f"{base}/actions/{REF}#evidence")
    table = page.locator("table", has=page.get_by_text(f"Evidence for {REF}, newest first"))
    expect(table).to_contain_text(TITLE)
    expect(table).to_contain_text("29 January 2016")
    expect(table).to_contain_text("Current")
    axe.check(page)
    sign_out(page)

    # --- The chair withdraws the only evidence of another action, and cannot close it ---------
    sign_in(page, base, CHAIR)
    page.goto(f"{base}/actions/{OTHER}")
    page.locator("#evidence ~ *").get_by_role("link", name="Withdraw").first.click()
    page.get_by_label("Why is this evidence being withdrawn?").fill(
        "Illustrative only: the real data quality report is needed."
    )
    page.get_by_role("button", name="Withdraw evidence").click()
    expect(flash(page)).to_contain_text("Evidence withdrawn: Illustrative: ")
    page.goto(f"{base}/actions/{OTHER}/sign-off")
    page.get_by_label("Sign off: close with evidence").check()
    page.get_by_label("Reason").fill("Checked at Getting to Good.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "This action has no evidence: add at least one evidence item"
    )
    axe.check(page)

    # --- ... and closes the lead's, whose evidence is there -----------------------------------
    page.goto(f"{base}/actions/{REF}/sign-off")
    expect(heading(page)).to_contain_text("Sign off:")
    axe.check(page)
    page.get_by_label("Sign off: close with evidence").check()
    page.get_by_label("Reason").fill("Audit of strategy discussions seen at Getting to Good.")
    page.get_by_role("button", name="Record decision").click()
    expect(flash(page)).to_contain_text(f"{REF} signed off and closed.")
    expect(page.locator("main")).to_contain_text("Closed with evidence")
    axe.check(page)

    # The chair downloads the file: an attachment, the bytes that were uploaded.
    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download strategy-audit.pdf ({TITLE})").click()
    download = caught.value
    assert download.suggested_filename == "strategy-audit.pdf"
    with open(download.path(), "rb") as stored:
        assert stored.read() == PDF

    # --- The next meeting's pack lists the evidence added since the last meeting --------------
    page.goto(f"{base}/meetings/new")
    expect(heading(page)).to_have_text("Record a meeting")
    expect(page.get_by_label("Getting to Good")).to_be_checked()
    page.get_by_label("Date of the meeting").fill("5/2/2016")
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()
    page.get_by_role("button", name="Save without attendees").click()  # nobody ticked
    expect(heading(page)).to_have_text("Meeting on Friday 5 February 2016")
    expect(page.locator("#evidence")).to_have_text("Evidence added since the last meeting")
    expect(page.locator("#evidence-table")).to_contain_text(TITLE)
    axe.check(page)
    page.get_by_role("link", name="Open the printable pack").click()
    expect(page.locator("#evidence-table")).to_contain_text(REF)
    expect(page.locator("#evidence-table")).to_contain_text(TITLE)
    axe.check(page)
