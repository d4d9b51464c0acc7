"""The chief executive prepares the weekly Getting to Good meeting in Chromium: the inspection
page's deadline, what changed since the last meeting (from her home page, the net change per
action first; then a mistyped date), the agenda as it prints, and recording the day the action
plan was sent to Ofsted (a future date refused first).
axe-core checks every page state seen.

This is the only journey that records the plan as sent."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def sign_in_as_chair(page: Page, base: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["chair"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your work")
    axe.check(page)


def test_the_chair_reads_the_deadline_the_changes_and_the_agenda_then_records_the_plan_sent(
    page: Page, live_server, axe
):
    sign_in_as_chair(page, live_server, axe)

    page.goto(f"{live_server}/inspection")
    expect(heading(page)).to_have_text("Inspection and action plan deadline")
    expect(page.locator("#statutory-deadline")).to_contain_text(
        "The action plan must reach Ofsted by Wednesday 9 March 2016"
    )
    expect(page.locator("#statutory-deadline")).to_contain_text("23 working days left")
    expect(page.locator("#bank-holidays-skipped li")).to_have_count(3)
    page.get_by_text("Why not an earlier date?").click()
    expect(page.locator("#wrong-answers")).to_contain_text("Friday 4 March 2016")
    axe.check(page)

    # What changed since the last meeting, from her home page: the net change per action leads.
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="What changed since the last meeting").click()
    expect(heading(page)).to_have_text("What changed since Thursday 28 January 2016")
    expect(page.locator("#net-counts")).to_contain_text("14 to red")
    expect(page.locator("#changes-net tbody tr").first).to_contain_text("Red")
    expect(page.locator("#changes-net tbody tr").last).to_contain_text("back where it started")
    axe.check(page)
    # A mistyped date is explained, then put right.
    page.get_by_label("Show changes since").fill("29/1/2017")
    page.get_by_role("button", name="Show changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("today (5 February 2016)")
    axe.check(page)
    page.get_by_role("link", name=re.compile("Show changes since: The date must be")).click()
    expect(page.get_by_label("Show changes since")).to_be_focused()
    page.get_by_label("Show changes since").fill("1 February 2016")
    page.get_by_role("button", name="Show changes").click()
    expect(heading(page)).to_have_text("What changed since Monday 1 February 2016")
    first_move = page.locator("#changes-rag_moved tbody tr").first
    expect(first_move).to_be_visible()
    axe.check(page)

    page.get_by_role("link", name="Getting to Good agenda for this week").click()
    expect(heading(page)).to_have_text("Agenda for Friday 5 February 2016")
    expect(page.locator("#exceptions tbody tr").first).to_contain_text("days")
    axe.check(page)
    # On paper: no menus, no form, and the exception list starts a new page.
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.get_by_label("Show changes since")).to_be_hidden()
    expect(page.locator("#exceptions")).to_be_visible()
    page.emulate_media(media="screen")

    # The plan went to Ofsted: a future date is refused, then the real one recorded.
    page.goto(f"{live_server}/inspection")
    page.get_by_role("button", name="Record the date the plan was sent").click()
    expect(heading(page)).to_have_text("Record when the action plan was sent to Ofsted")
    axe.check(page)
    page.get_by_label("Date the action plan was sent to Ofsted").fill("10 March 2016")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("today or in the past")
    axe.check(page)
    page.get_by_label("Date the action plan was sent to Ofsted").fill("4/2/2016")
    page.get_by_role("button", name="Save").click()
    expect(heading(page)).to_have_text("Inspection and action plan deadline")
    expect(page.locator("#statutory-deadline")).to_contain_text(
        "Sent to Ofsted on Thursday 4 February 2016, in time."
    )
    expect(page.locator("#plan-sent")).to_contain_text("Recorded by Helen Marsden")
    axe.check(page)
