"""The council's own SEF sections in Chromium (issue 20.2): the admin adds a section of the
council's own and stops asking one focused section; it applies from next month's SEF, so this
month's keeps what it was asked. A month on, the South head answers the new section (refused
first without it), on a desktop and on a 390-pixel phone; the chair reads it, with no "Not
answered" for the section nobody was asked. axe-core checks every page seen.

The journey moves the app's "today" from the demo's 5 February 2016 to 7 March 2016 (its app is
its own, seeded for this file only) and puts it back at the end."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import ROLE_ACCOUNTS
from tests.e2e.test_sef_journey import heading, sign_in, sign_out

SOUTH_HEAD = "south.hos@trust.example"
OWN = "Voice of the child"
OWN_HINT = "What children and families told us this month, and what changed because of it."
ANSWERS = {
    "What do we know about the quality and impact of our practice?": "Visits are timely.",
    "How do we know it?": "March audit of 30 files and two observed visits.",
    "What are we doing about it?": "Weekly case direction and a practice week in April.",
    "Practice quality": "Plans name who does what by when in 70% of audited files.",
}
VOICE = "Young people's forum asked for fewer changes of worker; allocation now keeps one."


def fits(page: Page) -> None:
    """Nothing wider than the window: no sideways scrolling (WCAG 1.4.10 reflow)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    width = page.viewport_size["width"]
    culprits = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
        ".right > w + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)",
        width,
    )
    assert wide <= width, f"{page.url} is {wide}px wide: {culprits}"


def test_the_councils_own_section_is_set_up_answered_on_a_phone_and_read_by_the_chair(
    page: Page, live_server, axe, browser_app: Flask
):
    base = live_server
    # --- The admin adds the council's own section and stops asking management oversight -----
    sign_in(page, base, ROLE_ACCOUNTS["admin"], axe)
    page.goto(f"{base}/admin/setup/self-evaluation")
    expect(heading(page)).to_have_text("Monthly self-evaluation")
    axe.check(page)
    page.get_by_label("Management oversight").uncheck()
    page.get_by_label("Section 1: heading").fill(OWN)
    page.get_by_label("Section 1: hint (optional)").fill(OWN_HINT)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Saved: the monthly self-evaluation."
    )
    expect(page.locator("#own-sections-from")).to_contain_text(
        "These sections apply from the self-evaluation for 2016-03. Until then, none."
    )
    axe.check(page)
    sign_out(page, axe)

    # February's SEF, already this month's, is not asked the new section.
    sign_in(page, base, SOUTH_HEAD, axe)
    page.goto(f"{base}/sefs/south/2016-02")
    expect(heading(page)).to_have_text("SEF for February 2016")
    expect(page.get_by_label(OWN)).to_have_count(0)
    expect(page.get_by_label("Management oversight")).to_have_count(0)
    sign_out(page, axe)

    demo_day = browser_app.config["TODAY"]
    browser_app.config["TODAY"] = "2016-03-07"
    try:
        # --- A month on, the head answers March's SEF: refused without the new section -------
        sign_in(page, base, SOUTH_HEAD, axe)
        page.goto(f"{base}/sefs/south/2016-03")
        expect(heading(page)).to_have_text("SEF for March 2016")
        expect(page.get_by_role("heading", name="Our own sections")).to_be_visible()
        expect(page.get_by_label(OWN)).to_be_visible()
        expect(page.get_by_text(OWN_HINT)).to_be_visible()
        expect(page.get_by_label("Management oversight")).to_have_count(0)
        axe.check(page)
        for label, text in ANSWERS.items():
            page.get_by_label(label).fill(text)
        page.get_by_label("Requires improvement").check()
        page.get_by_role("button", name="Submit SEF").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary.get_by_role("link")).to_have_text([f"Answer the section '{OWN}'"])
        axe.check(page)
        summary.get_by_role("link").click()
        expect(page.get_by_label(OWN)).to_be_focused()

        # On a phone: the form reflows to the window and passes axe.
        page.set_viewport_size({"width": 390, "height": 844})
        fits(page)
        axe.check(page)
        page.get_by_label(OWN).fill(VOICE)
        page.get_by_role("button", name="Submit SEF").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            re.compile(r"SEF submitted as version \d+")
        )
        expect(page.get_by_label(OWN)).to_have_value(VOICE)
        fits(page)
        axe.check(page)
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_out(page, axe)

        # --- The chair reads it: the own section, and no "Not answered" for the one not asked -
        sign_in(page, base, ROLE_ACCOUNTS["chair"], axe)
        page.goto(f"{base}/sefs/south/2016-03")
        expect(page.locator("#sef-shown")).to_contain_text("submitted")
        expect(page.get_by_role("heading", name=OWN)).to_be_visible()
        expect(page.get_by_text(VOICE)).to_be_visible()
        expect(page.get_by_role("heading", name="Management oversight")).to_have_count(0)
        expect(page.get_by_text("Not answered")).to_have_count(0)
        axe.check(page)
        page.set_viewport_size({"width": 390, "height": 844})
        fits(page)
        axe.check(page)
    finally:
        browser_app.config["TODAY"] = demo_day
