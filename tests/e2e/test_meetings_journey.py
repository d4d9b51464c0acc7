"""Recording a Getting to Good meeting in Chromium (issue 9, parts 4 and 5; issue 17, part 8):
the chair records the meeting (after a mistake in the date, a second follow-up added without
JavaScript, and a warning that nobody was ticked as attending), sees it with the plan frozen in
it, its long sections collapsed on screen and in full in print, opens the
printable pack and downloads the PDF, whose text lists every overdue action of the snapshot;
marks a follow-up done; North's head, whom the meeting does not name, is told why they cannot
see it. axe-core checks every page seen."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD

CHAIR = "chief.executive@trust.example"
NORTH_HEAD = "north.hos@trust.example"


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    axe.check(page)


@pytest.mark.docs_screenshots
def test_the_chair_records_a_meeting_and_downloads_its_pack(page: Page, live_server, axe, shoot):
    base = live_server
    sign_in(page, base, CHAIR, axe)

    # --- The meetings list, with the seed's past meetings ----------------------------------
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    expect(page.locator("#meetings-table")).to_contain_text("Thursday 28 January 2016")
    axe.check(page)

    # --- Recording it, first with tomorrow's date by mistake ----------------------------------
    page.get_by_role("button", name="Record a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a meeting")
    axe.check(page)
    expect(page.get_by_label("Getting to Good")).to_be_checked()
    expect(page.get_by_label("Date of the meeting")).to_have_value("5/2/2016")  # today
    shoot(page, "chair-record-meeting")
    page.get_by_label("Date of the meeting").fill("6/2/2016")
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date of the meeting must be today or in the past")
    axe.check(page)

    page.get_by_label("Date of the meeting").fill("5/2/2016")
    page.get_by_label("Notes").fill("Cycle 3 returns are coming in; South is still slipping.")
    page.get_by_label("Decisions").fill("Red actions report weekly.\nSouth keeps its check-in.")
    first = page.locator("fieldset", has_text="Follow-up 1")
    first.get_by_label("What is to be done").fill("Bring South's recovery plan")
    first.get_by_label("Who will do it").select_option(
        label="Daniel Okafor, Head of Service, South Locality"
    )
    first.get_by_label("Due by").fill("12/2/2016")
    # A second follow-up, without JavaScript's help: the form comes back with one more row.
    page.get_by_role("button", name="Add another follow-up").click()
    second = page.locator("fieldset", has_text="Follow-up 2")
    expect(second.get_by_label("What is to be done")).to_be_focused()
    expect(first.get_by_label("What is to be done")).to_have_value("Bring South's recovery plan")
    axe.check(page)
    second.get_by_label("What is to be done").fill("Circulate the red actions to JSIG")
    second.get_by_label("Who will do it").select_option(
        label="Mark Ellison, Director of Operations"
    )
    second.get_by_label("Due by").fill("19/2/2016")
    # Nobody ticked as attending: a warning, and nothing saved until the chair says so.
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a meeting")
    expect(page.locator("#nobody-attending")).to_contain_text("nobody is recorded as attending")
    expect(page.get_by_role("button", name="Save without attendees")).to_be_visible()
    axe.check(page)
    # Who attended is open on the form: no disclosure to find first.
    page.get_by_label("Karen Lowther, Head of Service MASH").check()
    page.get_by_label("Mark Ellison, Director of Operations").check()
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()

    # --- The meeting page shows the frozen plan -----------------------------------------------
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting on Friday 5 February 2016")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Meeting recorded")
    expect(page.locator("#decision-list")).to_contain_text("South keeps its check-in.")
    expect(page.locator("#snapshot-note")).to_contain_text("Frozen when the meeting was recorded")
    axe.check(page)
    meeting_id = int(re.search(r"/meetings/(\d+)$", page.url).group(1))
    snapshot = page.request.get(f"{base}/api/v1/meetings/{meeting_id}").json()["snapshot"]
    overdue = [row["ref"] for row in snapshot["actions"] if row["overdue"]]
    assert len(overdue) > 5
    expect(page.locator("#exceptions-table")).to_contain_text(overdue[0])
    expect(page.locator("#follow-up-table tbody tr")).to_have_count(2)
    # The long sections show their summaries; the detail is a click away, and all of it prints.
    expect(page.locator("#snapshot-actions")).to_be_hidden()
    page.get_by_text(re.compile(r"^Every action: \d+ actions")).click()
    expect(page.locator("#snapshot-actions")).to_be_visible()
    axe.check(page)
    page.emulate_media(media="print")
    expect(page.locator("#exceptions-table")).to_be_visible()
    expect(page.locator("#by-recommendation")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("#exceptions-table")).to_be_hidden()

    # --- The printable pack ---------------------------------------------------------------
    page.get_by_role("link", name="Open the printable pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Getting to Good meeting pack")
    axe.check(page)
    page.get_by_role("link", name="Back to the meeting").click()

    # --- The PDF: real text, every overdue action of the snapshot ---------------------------
    # The pack is a whole paper (covering note to appendix): WeasyPrint takes a while to draw
    # it on a busy machine, so the download is given longer than Playwright's 30 seconds.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download the meeting pack (PDF)").click()
    path = download.value.path()
    assert download.value.suggested_filename == "meeting-pack-getting-to-good-2016-02-05.pdf"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    text = text.decode()
    missing = [ref for ref in overdue if ref not in text]
    assert missing == [], f"not in the pack's text: {missing}"
    assert "Exceptions: where each stands and what would close it" in text
    assert "Page 1 of" not in text

    # --- A follow-up marked done ---------------------------------------------------------------
    page.get_by_role("button", name=re.compile("Mark as done")).first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Follow-up marked as done."
    )
    axe.check(page)
    page.get_by_role("button", name="Sign out").click()

    # --- North's head is not named in it: told why, not shown it -----------------------------
    sign_in(page, base, NORTH_HEAD, axe)
    response = page.goto(f"{base}/meetings/{meeting_id}")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("if you chaired or attended it")
    axe.check(page)
