"""The challenge log in Chromium (issue 13.2): the chair raises a challenge on MAP-003 (after
sending it empty by mistake), the MASH head sees it on her home page and responds, the chair
accepts it; then a Getting to Good meeting is recorded and its pack, on the page and in the PDF
(read with pdftotext), shows the challenge and the response. axe-core checks every page seen."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD

CHAIR = "chief.executive@trust.example"
LEAD = "hos.mash@trust.example"
QUESTION = "Why has the weekly dip sample slipped for three cycles?"
ANSWER = "Two team managers left in January; sampling restarts on 8 February."


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    axe.check(page)


def test_the_chair_challenges_the_lead_responds_and_the_pack_shows_it(page: Page, live_server, axe):
    base = live_server
    sign_in(page, base, CHAIR, axe)

    # --- The chair raises a challenge on an action, first with nothing in it -----------------
    page.goto(f"{base}/actions/MAP-003")
    expect(page.locator("#challenges")).to_have_text("Challenges")
    axe.check(page)
    page.get_by_role("link", name="Raise a challenge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a challenge")
    axe.check(page)
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the question")
    axe.check(page)
    page.get_by_label("Your challenge").fill(QUESTION)
    page.get_by_role("button", name="Raise the challenge").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Challenge raised")
    expect(page.locator("main")).to_contain_text("Awaiting response")
    axe.check(page)
    challenge_url = page.url
    assert re.search(r"/challenges/\d+$", challenge_url)

    # Raising it made the chair follow the action; how they are told is theirs to choose.
    page.goto(f"{base}/actions/MAP-003")
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    axe.check(page)
    page.goto(f"{base}/account/notifications")
    expect(page.get_by_label("In my daily digest", exact=False)).to_be_checked()
    expect(page.locator("#following ~ table")).to_contain_text("MAP-003")
    axe.check(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")
    axe.check(page)

    # The log and the chair's dashboard list it, with its age.
    page.goto(f"{base}/challenges?status=open")
    expect(page.locator("main")).to_contain_text(QUESTION)
    axe.check(page)
    page.goto(f"{base}/dashboard")
    expect(page.locator("#open-challenges")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 days")
    axe.check(page)
    page.get_by_role("button", name="Sign out").click()

    # --- The lead sees it waiting on her home page, and responds ------------------------------
    sign_in(page, base, LEAD, axe)
    waiting = page.locator("#challenges-awaiting")
    expect(waiting).to_contain_text(QUESTION)
    waiting.get_by_role("link", name=re.compile("MAP-003")).click()
    axe.check(page)
    page.get_by_label("Your response").fill(ANSWER)
    page.get_by_role("button", name="Send the response").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Response sent")
    expect(page.locator("main")).to_contain_text(ANSWER)
    axe.check(page)
    page.get_by_role("button", name="Sign out").click()

    # --- The chair accepts it, from the action page's Challenges section ---------------------
    sign_in(page, base, CHAIR, axe)
    page.goto(f"{base}/actions/MAP-003")
    section = page.locator(".tracker-challenge").filter(has_text=QUESTION)
    expect(section).to_contain_text(ANSWER)
    axe.check(page)
    page.get_by_role("button", name=re.compile("Accept the response")).first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Challenge accepted"
    )
    expect(page.locator("main")).to_contain_text("Accepted")
    axe.check(page)

    # --- A meeting is recorded; its pack shows the challenge and the response ----------------
    page.goto(f"{base}/meetings/new")
    axe.check(page)
    page.get_by_label("Date of the meeting").fill("5/2/2016")
    page.get_by_label("Notes").fill("The MASH head answered the chair's challenge on MAP-003.")
    page.get_by_role("button", name="Record the meeting and freeze the plan").click()
    # Nobody was ticked as attending: saved only when the chair says so.
    page.get_by_role("button", name="Save without attendees").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Meeting recorded")
    axe.check(page)
    page.get_by_role("link", name="Open the printable pack").click()
    expect(page.locator("#challenge")).to_have_text("Challenge and response")
    expect(page.locator("main")).to_contain_text(QUESTION)
    expect(page.locator("main")).to_contain_text(ANSWER)
    axe.check(page)
    page.get_by_role("link", name="Back to the meeting").click()
    # The pack is a whole paper (covering note to appendix): WeasyPrint takes a while to draw
    # it on a busy machine, so the download is given longer than Playwright's 30 seconds.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Download the meeting pack (PDF)").click()
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "Challenge and response" in flat
    assert QUESTION in flat and ANSWER in flat, flat[-2000:]
