"""Issue 9's acceptance journey in Chromium, in one go: the chair (chief.executive@trust.example)
goes from the Getting to Good dashboard to the overdue actions filtered to one locality, opens an
action and comes back to that list, records a meeting, and downloads its pack; `pdftotext` of
the pack lists every overdue action ref of the meeting's snapshot, read from the database.
axe-core reports no violation on any page seen.

Set on Tuesday 1 March 2016 (cycle 5), as the dashboard journey is: on the demo's 5 February no
locality action is overdue yet (the first fall due on 26 February), so there would be no
locality's overdue action to open."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import BROWSER_URL, DEMO_PASSWORD, _dispose, _seeded
from tracker.extensions import db
from tracker.models import Meeting

DAY = "2016-03-01"
CHAIR = "chief.executive@trust.example"


@pytest.fixture(scope="module")
def browser_app() -> Iterator[Flask]:
    """This journey's own seeded app, with today set to 1 March 2016."""
    from sqlalchemy.pool import NullPool

    application = _seeded(BROWSER_URL, {"TODAY": DAY}, poolclass=NullPool)
    yield application
    _dispose(application)


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_the_chair_goes_from_the_dashboard_to_a_meeting_pack_listing_every_overdue_action(
    page: Page, live_server, browser_app, axe
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(CHAIR)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    heading(page, "Your work")
    axe.check(page)

    # --- The dashboard, narrowed to North --------------------------------------------------
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Dashboard").click()
    heading(page, "Getting to Good dashboard")
    axe.check(page)
    page.get_by_label("Plan or locality").select_option("north")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_label("Plan or locality")).to_have_value("north")
    overdue = page.locator("#count-overdue").get_by_role("link")
    north_overdue = int(overdue.locator(".tracker-dash-card__number").inner_text())
    assert north_overdue >= 1
    axe.check(page)

    # --- Its overdue count opens North's overdue actions, the filter kept ------------------
    overdue.click()
    heading(page, "Overdue actions")
    expect(page).to_have_url(re.compile(r"/actions/overdue\?plan=north$"))
    expect(page.get_by_label("Plan", exact=True)).to_have_value("north")
    rows = page.locator("#actions-table tbody tr")
    expect(rows).to_have_count(north_overdue)
    assert set(rows.locator("td.tracker-col-plan").all_inner_texts()) == {"North"}
    list_url = page.url
    axe.check(page)

    # --- An action, and back to the same filtered list ---------------------------------------
    first = rows.first.locator("th a")
    ref = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/actions/{ref}$"))
    expect(page.locator(".govuk-caption-l")).to_have_text(f"North locality action plan, {ref}")
    expect(page.get_by_text("Overdue", exact=True).first).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name="Back to the overdue actions").click()
    expect(page).to_have_url(list_url)
    expect(page.get_by_label("Plan", exact=True)).to_have_value("north")

    # ... and from the list back to the dashboard, still narrowed to North.
    page.get_by_role("link", name="Getting to Good dashboard for these filters").click()
    heading(page, "Getting to Good dashboard")
    expect(page.get_by_label("Plan or locality")).to_have_value("north")
    expect(page.locator("#count-overdue .tracker-dash-card__number")).to_have_text(
        str(north_overdue)
    )

    # --- Recording the meeting ---------------------------------------------------------------
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Meetings").click()
    heading(page, "Meetings")
    axe.check(page)
    page.get_by_role("button", name="Record a meeting").click()
    heading(page, "Record a meeting")
    axe.check(page)
    page.get_by_label("Date of the meeting").fill("1/3/2016")
    page.get_by_label("Claire Whitfield, Head of Service, North Locality").check()
    page.get_by_label("Decisions").fill(f"{ref} to report back next week.")
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()
    heading(page, "Meeting on Tuesday 1 March 2016")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Meeting recorded")
    axe.check(page)
    meeting_id = int(re.search(r"/meetings/(\d+)$", page.url).group(1))

    # The snapshot's overdue refs, read from the database, not from the page or a list here.
    with browser_app.app_context():
        snapshot = db.session.get(Meeting, meeting_id).snapshot
        db.session.remove()
    overdue_refs = [row["ref"] for row in snapshot["actions"] if row["overdue"]]
    assert ref in overdue_refs and len(overdue_refs) > north_overdue

    # --- The printable pack, then the PDF ----------------------------------------------------
    page.get_by_role("link", name="Open the printable pack").click()
    heading(page, "Getting to Good meeting pack")
    axe.check(page)
    page.get_by_role("link", name="Back to the meeting").click()
    heading(page, "Meeting on Tuesday 1 March 2016")

    # The pack is a whole paper (covering note to appendix): WeasyPrint takes a while to draw
    # it on a busy machine, so the download is given longer than Playwright's 30 seconds.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download the meeting pack (PDF)").click()
    assert download.value.suggested_filename == "meeting-pack-getting-to-good-2016-03-01.pdf"
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, check=True
    ).stdout.decode()
    missing = [r for r in overdue_refs if not re.search(rf"\b{re.escape(r)}\b", text)]
    assert missing == [], f"overdue actions of the snapshot not in the pack's text: {missing}"
