"""Issue 20.3 in Chromium: the administrator records a focused visit with an area for priority
action that an existing action answers, after an error summary for a missing date; the overview
then shows both inspections, the visit's deadline and its findings' counts. axe-core checks
every page state seen. The only journey that adds an inspection."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_the_administrator_records_a_focused_visit_and_the_overview_shows_it(
    page: Page, live_server, axe
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["admin"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).not_to_have_text("Sign in")

    page.goto(f"{base}/overview")
    axe.check(page)
    page.get_by_role("button", name="Add an inspection or visit").click()
    expect(heading(page)).to_have_text("What kind of inspection or visit was it?")
    axe.check(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the kind")
    axe.check(page)
    page.get_by_label("ILACS focused visit").check()
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Add an inspection or visit")
    expect(page.locator("#no-judgements")).to_be_visible()
    axe.check(page)

    page.get_by_label("Title").first.fill("Focused visit: the front door")
    page.get_by_label("First day on site").fill("12/1/2016")
    page.get_by_label("Last day on site").fill("13/1/2016")
    finding = page.locator("#finding-1")
    finding.get_by_label("Kind of finding").select_option("area_for_priority_action")
    finding.get_by_label("Ref").fill("APA1")
    finding.get_by_label("Title").fill("Strategy discussions are not timely")
    finding.get_by_label("Further actions answering it").fill("MAP-001")
    page.get_by_role("button", name="Save the inspection").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date the report or letter was published")
    axe.check(page)

    page.get_by_label("Report or letter published").fill("1 February 2016")
    page.get_by_role("button", name="Save the inspection").click()
    expect(heading(page)).to_have_text("Ofsted action plan overview")
    events = page.locator("#inspection-events")
    expect(events).to_contain_text("Focused visit: the front door")
    expect(events).to_contain_text("Thursday 12 May 2016")  # 70 working days, Easter skipped
    expect(page.get_by_text("APA1: Strategy discussions are not timely")).to_be_visible()
    axe.check(page)

    events.get_by_role("link", name="Change Focused visit: the front door").click()
    expect(heading(page)).to_have_text("Change Focused visit: the front door")
    expect(page.locator("#finding-1")).to_contain_text("APA1")
    axe.check(page)

    # Recorded as the wrong kind: a monitoring visit makes no areas for priority action, so the
    # change is refused and says why; "Other" fits, and the deadline follows its rule.
    page.get_by_role("link", name="Change the kind of inspection or visit").click()
    expect(heading(page)).to_have_text("Change the kind of inspection or visit")
    axe.check(page)
    page.get_by_label("ILACS monitoring visit", exact=True).check()
    page.get_by_role("button", name="Change the kind").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Finding APA1 is an area for priority action"
    )
    axe.check(page)
    page.get_by_label("Other inspection or visit", exact=True).check()
    page.get_by_role("button", name="Change the kind").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "is now an Other inspection or visit"
    )

    # Each of the event's counts on the overview opens the actions it counts.
    page.goto(f"{base}/overview")
    events.get_by_role("link", name="1 actions answering Focused visit: the front door").click()
    expect(page).to_have_url(re.compile(r"/actions\?event=\d+$"))
    expect(page.locator("#actions-table")).to_contain_text("MAP-001")
    expect(page.get_by_label("Inspection or visit")).to_have_value(re.compile(r"^\d+$"))
    axe.check(page)
