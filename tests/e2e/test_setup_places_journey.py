"""The administrator sets up organisations and areas in Chromium (issue 20.2): from the menu's
Set-up, adds a partner agency (after a blank form's error summary), adds an area and retires
it, and is refused the removal of an area that still has open actions. axe-core checks every
page state seen.

This is the only journey that adds organisations or areas, or retires one.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

AGENCY = "Exampleshire Youth Justice Service"
AREA = "Coastal"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page):
    return page.locator(".govuk-notification-banner--success")


def test_an_admin_adds_an_organisation_and_an_area_and_retires_it(page: Page, live_server, axe):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["admin"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Set-up").click()
    expect(heading(page)).to_have_text("Set-up")
    axe.check(page)

    # An organisation: a blank form first, then the agency.
    page.locator("#setup-parts").get_by_role("link", name="Organisations").click()
    expect(heading(page)).to_have_text("Organisations")
    axe.check(page)
    page.get_by_role("button", name="Add an organisation").click()
    page.get_by_role("button", name="Add organisation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the organisation's name")
    expect(summary).to_contain_text("Choose what kind of organisation it is")
    axe.check(page)
    page.get_by_label("Name").fill(AGENCY)
    page.get_by_label("Other partner agency").check()
    page.get_by_role("button", name="Add organisation").click()
    expect(flash(page)).to_contain_text(f"{AGENCY} added.")
    expect(page.locator("#organisations")).to_contain_text(AGENCY)
    axe.check(page)

    # An area, with its plan; then it is retired.
    page.goto(f"{base}/admin/setup")
    page.locator("#setup-parts").get_by_role("link", name="Areas").click()
    expect(heading(page)).to_have_text("Areas")
    axe.check(page)
    page.get_by_role("button", name="Add an area").click()
    page.get_by_label("Name of the area").fill(AREA)
    page.get_by_role("button", name="Add area").click()
    expect(flash(page)).to_contain_text(f"{AREA} added, with its plan.")
    row = page.locator("#areas tr", has_text=AREA)
    expect(row).to_contain_text(f"{AREA} action plan")
    row.get_by_role("link", name=AREA, exact=True).click()
    expect(heading(page)).to_have_text(AREA)
    axe.check(page)
    page.get_by_role("button", name=f"Retire {AREA}").click()
    expect(flash(page)).to_contain_text(f"{AREA} is retired")
    expect(page.locator("#areas tr", has_text=AREA)).to_contain_text("Retired")
    axe.check(page)

    # North still has open actions: it cannot be removed, and the page says it can be retired.
    page.locator("#areas").get_by_role("link", name="North", exact=True).click()
    page.get_by_role("button", name="Remove North").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "An area that still has open actions cannot be removed (it can be retired)"
    )
    expect(page).to_have_title("Error: North - Ofsted action plan tracker")
    axe.check(page)
