"""Contract measures in Chromium (issue 11): the performance officer enters January's value for
a measure (a bad one first, and reads the error), opens the scorecard, a measure and the
Quarter 3 2015/16 report. axe-core checks every page seen.

This is the only test that writes measure values in its database (the browser journeys' own)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD

OFFICER = "performance@trust.example"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_performance_officer_enters_a_value_and_reads_the_scorecard_a_measure_and_the_report(
    page: Page, live_server, axe
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(OFFICER)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your work")

    # --- The scorecard: the last full quarter, grouped by area ----------------------------
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Measures").click()
    expect(heading(page)).to_have_text("Contract performance measures")
    expect(page.get_by_text("Scorecard, Quarter 3 2015/16")).to_be_visible()
    expect(page.locator("#measure-A3 [data-status]")).to_have_text("OFF TARGET")
    expect(page.locator("#measure-A1 [data-status]")).to_have_text("ON TARGET")
    axe.check(page)
    page.get_by_label("Key or operational").select_option("operational")
    page.get_by_role("button", name="Show measures").click()
    expect(page.locator("#measure-A1")).to_have_count(0)
    expect(page.locator("#measure-A3")).to_have_count(0)  # key: Appendix A lists it
    expect(page.locator("#measure-C13")).to_be_visible()
    axe.check(page)

    # --- A bad value first: a clear message, and nothing saved -----------------------------
    page.get_by_role("link", name="Enter a value").click()
    expect(heading(page)).to_have_text("Enter a measure's value")
    axe.check(page)
    page.get_by_label("Measure", exact=True).select_option("B12")
    page.get_by_label("Month").fill("2016-02")
    page.get_by_label("Value").fill("104")
    page.get_by_label("Narrative").fill("Illustrative: February's early figure.")
    page.get_by_role("button", name="Save value").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The value is a percentage, so it must be between 0 and 100")
    expect(page).to_have_title(re.compile("^Error: "))
    axe.check(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Value")).to_be_focused()

    page.get_by_label("Value").fill("")
    page.get_by_label("Numerator (optional)").fill("50")
    page.get_by_label("Denominator (optional)").fill("112")
    page.get_by_role("button", name="Save value").click()

    # --- The measure's page: its new value, history and target changes --------------------
    expect(heading(page)).to_contain_text("B12 Percentage of Care Leavers")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "B12 for February 2016 saved: 44.64%."
    )
    expect(page.locator("#value-2016-02")).to_contain_text("IN TOLERANCE")
    expect(page.locator("#value-2016-02")).to_contain_text("50 of 112")
    axe.check(page)

    # --- A3 and the quarter 3 report -------------------------------------------------------
    page.goto(f"{base}/measures/A3")
    expect(page.locator("#quarter-2015-Q3")).to_contain_text("OFF TARGET")
    axe.check(page)
    page.get_by_role("link", name="All measures").click()
    page.get_by_role("link", name="Quarterly report for Quarter 3 2015/16").click()
    expect(heading(page)).to_have_text(
        "Quarterly performance and progress against Ofsted action plan"
    )
    expect(page.locator("#summary-sentence")).to_contain_text(
        "9 key measures at or exceeding target, 7 within tolerance, 3 outside tolerance and 3 "
        "with no target set"
    )
    expect(page.locator("#outside-A3")).to_be_visible()
    axe.check(page)
    # On a phone (390 px wide) the page does not scroll sideways: wide tables scroll inside
    # their own labelled, focusable region.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    region = page.get_by_role("region", name="Appendix A, measures relating to finance")
    expect(region).to_have_attribute("tabindex", "0")
    axe.check(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        page.get_by_role("link", name="as a Word document").click()
    assert download.value.suggested_filename == "quarterly-performance-2015-Q3.docx"

    # --- The CSV upload page ---------------------------------------------------------------
    page.goto(f"{base}/measures/values/upload")
    expect(heading(page)).to_have_text("Upload measure values")
    axe.check(page)
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "values.csv",
                "mimeType": "text/csv",
                "buffer": b"measure,period,value,numerator,denominator,narrative\n"
                b"A1,2016-02,19.5,,,Illustrative.\nA2,2016-02,ninety,,,\n",
            }
        ]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#row-errors")).to_contain_text("1 problem")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 3: value")
    axe.check(page)
