"""Plan changes in Chromium (issue 9, part 0): a chair adds an action to the main plan and edits
another; a lead asks for a new target date for an overdue action; a chair approves it; the
overdue list and the re-baselined list follow. axe-core checks every page seen.

This is the only journey that changes the plan's actions (MAP-003's title, MAP-037's date, a new
MAP-184); it has the browser database to itself (seeded afresh for each journey file)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import DEMO_PASSWORD

CHAIR = "chief.executive@trust.example"
LEAD = "hos.mash@trust.example"  # leads MAP-037, overdue on 5 February 2016


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def flash(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your work")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


@pytest.mark.docs_screenshots
def test_a_chair_changes_the_plan_and_approves_a_lead_s_new_target_date(
    page: Page, live_server, axe, shoot
):
    base = live_server

    # --- The requests waiting on the demo's day: South's head's for S-21 ----------------------
    sign_in(page, base, CHAIR, axe)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Date requests"
    ).click()
    expect(heading(page)).to_have_text("Target date requests")
    requests = page.get_by_role("table")
    expect(requests.locator("caption")).to_have_text("1 request waiting for a decision")
    expect(requests.locator("tbody tr th")).to_contain_text(["S-21"])
    expect(requests.locator("tbody tr")).to_contain_text("Thursday 31 March 2016")
    axe.check(page)
    shoot(page, "chair-date-requests")

    # --- The chair adds an action to the main plan: a mistake first, then the real thing ----
    page.goto(f"{base}/plans/main")
    page.get_by_role("link", name="Add an action").click()
    expect(heading(page)).to_have_text("Add an action")
    axe.check(page)
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the recommendation")
    axe.check(page)
    page.get_by_label("Recommendation").select_option("R3")
    page.get_by_label("Title").fill("Themed audit of twenty core groups")
    page.get_by_label("Lead organisation").select_option("trust")
    page.get_by_label("Target date").fill("29/4/2016")
    page.get_by_label("Success measure").fill("Twenty core groups audited; findings to JSIG.")
    page.get_by_label("Reason for adding it").fill("Gap found at JSIG on 3 February")
    page.get_by_role("button", name="Add the action").click()
    expect(flash(page)).to_contain_text("MAP-184 added to the Main action plan")
    expect(page.locator("#history")).to_be_visible()
    expect(page.get_by_role("table", name="History of MAP-184")).to_contain_text(
        "Gap found at JSIG on 3 February"
    )
    axe.check(page)

    # --- ... and edits another, with a reason kept in its history ---------------------------
    page.goto(f"{base}/actions/MAP-003")
    page.get_by_role("link", name="Edit action").click()
    expect(heading(page)).to_have_text("Edit action")
    axe.check(page)
    page.get_by_label("Title").fill("Fortnightly dip sample of 10 MASH decisions with feedback")
    page.get_by_label("Reason for the change").fill("Weekly sampling moved to fortnightly at JSIG")
    page.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_contain_text("MAP-003 changed.")
    history = page.get_by_role("table", name="History of MAP-003")
    expect(history).to_contain_text("Weekly sampling moved to fortnightly at JSIG")
    expect(history).to_contain_text("Edited")
    axe.check(page)

    # The supersede page (a chair's), seen but not used here.
    page.get_by_role("link", name="Supersede").click()
    expect(heading(page)).to_have_text("Supersede this action")
    axe.check(page)
    sign_out(page)

    # --- The lead asks for a new target date for an overdue action --------------------------
    sign_in(page, base, LEAD, axe)
    # Complete, awaiting sign-off past its target date: waiting for the chair, not overdue.
    page.goto(f"{base}/plans/main?awaiting_past_target=true")
    expect(page.locator("#actions-table")).to_contain_text("MAP-037")
    page.goto(f"{base}/actions/MAP-037")
    page.get_by_role("link", name="Request a new target date").click()
    expect(heading(page)).to_have_text("Request a new target date")
    axe.check(page)
    page.get_by_label("New target date").fill("31/3/2016")
    page.get_by_label("Why the date needs to move").fill(
        "The sign-off audit is booked for March: the evidence cannot be checked before then."
    )
    page.get_by_role("button", name="Send the request").click()
    expect(flash(page)).to_contain_text("has been sent to the chairs")
    expect(page.locator("#target-date")).to_contain_text("Thursday 31 March 2016")
    axe.check(page)
    sign_out(page)

    # --- The chair approves it from the list of requests -------------------------------------
    sign_in(page, base, CHAIR, axe)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Date requests"
    ).click()
    expect(heading(page)).to_have_text("Target date requests")
    expect(page.locator("main")).to_contain_text("2 requests waiting")  # S-21's and MAP-037's
    axe.check(page)
    page.get_by_role("link", name="Approve or refuse the request for MAP-037").click()
    expect(heading(page)).to_have_text("Decide on a new target date")
    axe.check(page)
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("approve or refuse")
    axe.check(page)
    page.get_by_label("Approve: move the target date").check()
    page.get_by_label("Note").fill("Agreed: the audit date is fixed.")
    page.get_by_role("button", name="Record decision").click()
    expect(flash(page)).to_contain_text("MAP-037's target date was approved")
    expect(page.locator("main")).to_contain_text("1 request waiting")

    # --- The overdue list uses the approved date; the re-baselined list shows the move -------
    page.goto(f"{base}/actions/overdue")
    expect(page.locator("main")).not_to_contain_text("MAP-037")
    page.goto(f"{base}/overview")
    page.get_by_role("link", name="3 re-baselined (target date moved)").click()
    expect(heading(page)).to_have_text("Re-baselined actions")
    table = page.get_by_role("table")
    expect(table).to_contain_text("MAP-037")
    expect(table).to_contain_text("MAP-169")
    axe.check(page)
    page.goto(f"{base}/actions/MAP-037")
    expect(page.get_by_role("table", name="History of MAP-037")).to_contain_text(
        "New target date approved"
    )
    axe.check(page)
