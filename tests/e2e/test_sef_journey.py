"""The monthly locality SEF in Chromium (issue 4): the East head of service drafts the February
2016 SEF, comes back after signing out, submits it and revises it; the chair finds it on the
SEF page among the other localities and compares two versions. axe-core checks every page seen.

This is the only test that writes East's SEFs (the seeded database is shared by the whole
session and every other test only reads it). It reads version numbers from the pages, so it does
not depend on what ran before it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.conftest import DEMO_PASSWORD

EAST_HEAD = "east.hos@trust.example"
CHAIR = "chief.executive@trust.example"
MONTH = "2016-02"

KNOW = "What do we know about the quality and impact of our practice?"
HOW = "How do we know it?"
DOING = "What are we doing about it?"
ANSWERS = {
    KNOW: "Management oversight is now recorded on most files; drift persists in two teams.",
    HOW: "Monthly audit of 40 case files, supervision records and observed team meetings.",
    DOING: "Practice weeks in the two teams and weekly case direction by team managers.",
    "Management oversight": "Case direction recorded on 78% of audited files, up from 61%.",
    "Practice quality": "Assessments timely in 85% of cases; plans are still too generic.",
    "Evidence": "January case file audit; key measures dashboard for January.",
}
REVISED_PRACTICE = "Assessments timely in 88% of cases; plans now name who does what by when."


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    axe.check(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your work")
    axe.check(page)


def sign_out(page: Page, axe) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    axe.check(page)


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def flash(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def saved_version(page: Page, pattern: str) -> int:
    expect(flash(page)).to_contain_text(re.compile(pattern))
    return int(re.search(r"version (\d+)", flash(page).inner_text()).group(1))


def open_sefs(page: Page, axe) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="SEFs").click()
    expect(heading(page)).to_have_text("Monthly locality SEFs")
    axe.check(page)


def test_a_head_drafts_submits_and_revises_a_sef_and_a_chair_compares_versions(
    page: Page, live_server, axe
):
    base = live_server
    sef_url = f"{base}/sefs/east/{MONTH}"

    # --- The East head starts February's SEF from the SEF page and saves a draft ------------
    sign_in(page, base, EAST_HEAD, axe)
    open_sefs(page, axe)
    expect(page.locator("#sef-grid")).to_contain_text("February 2016")
    page.get_by_role("button", name="Open the February 2016 SEF").click()
    expect(heading(page)).to_have_text("SEF for February 2016")
    axe.check(page)

    page.get_by_label(KNOW).fill(ANSWERS[KNOW])
    page.get_by_label("Management oversight").fill(ANSWERS["Management oversight"])
    # A child's name and age slips into the evidence: the draft is held back with a warning.
    page.get_by_label("Evidence").fill("Audit of the file for Child A (aged 14).")
    page.get_by_role("button", name="Save as draft").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("child-level data")
    axe.check(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Evidence")).to_be_focused()
    page.get_by_label("Evidence").fill(ANSWERS["Evidence"])
    page.get_by_role("button", name="Save as draft").click()
    draft = saved_version(page, r"Draft saved as version \d+")
    expect(page.locator("#sef-status")).to_contain_text("Draft saved")
    axe.check(page)

    # --- Signed out and back in, the draft is still there; submitting too early is refused --
    sign_out(page, axe)
    sign_in(page, base, EAST_HEAD, axe)
    page.goto(sef_url)
    expect(page.get_by_label(KNOW)).to_have_value(ANSWERS[KNOW])
    expect(page.get_by_label("Evidence")).to_have_value(ANSWERS["Evidence"])
    axe.check(page)
    page.get_by_role("button", name="Submit SEF").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Answer the question: How do we know it?")
    expect(summary).to_contain_text("Choose a self-grade")
    axe.check(page)
    summary.get_by_role("link", name=re.compile("How do we know it")).click()
    expect(page.get_by_label(HOW)).to_be_focused()

    for label in (HOW, DOING, "Practice quality"):
        page.get_by_label(label).fill(ANSWERS[label])
    page.get_by_label("Requires improvement").check()
    page.get_by_role("button", name="Submit SEF").click()
    first_submitted = saved_version(page, r"(?<!Revised )SEF submitted as version \d+")
    assert first_submitted == draft + 1
    expect(page.locator("#sef-status")).to_contain_text("Submitted")
    axe.check(page)

    # --- A revision: better practice quality and a better grade, a second submitted version --
    page.get_by_label("Practice quality").fill(REVISED_PRACTICE)
    page.get_by_label("Good", exact=True).check()
    page.get_by_role("button", name="Submit SEF").click()
    revised = saved_version(page, r"Revised SEF submitted as version \d+")
    assert revised == first_submitted + 1
    versions = page.locator("#sef-versions tbody tr")
    expect(versions.first).to_contain_text("Submitted")
    expect(versions.nth(1)).to_contain_text("Submitted")
    expect(versions.nth(2)).to_contain_text("Draft")
    axe.check(page)
    sign_out(page, axe)

    # --- The chair sees East submitted and the others not yet in ------------------------------
    sign_in(page, base, CHAIR, axe)
    open_sefs(page, axe)
    row = page.locator("#sef-grid tbody tr", has_text="February 2016")
    expect(row.locator("td[data-locality='east']")).to_contain_text("Submitted")
    for code in ("north", "south", "central"):
        expect(row.locator(f"td[data-locality='{code}']")).to_contain_text(
            re.compile("Not started|Missing")
        )
    row.get_by_role("link", name="View SEF for East, February 2016").click()
    expect(heading(page)).to_have_text("SEF for February 2016")
    expect(page.locator("form[method='post'] textarea")).to_have_count(0)  # read-only for chairs
    expect(page.locator("#sef-shown")).to_contain_text(f"Version {revised}, submitted")
    expect(page.get_by_text(REVISED_PRACTICE)).to_be_visible()
    axe.check(page)

    # --- Two versions side by side, with what changed marked in words -------------------------
    page.get_by_role("link", name=re.compile(f"Compare with version {first_submitted}")).click()
    expect(heading(page)).to_have_text("Compare two versions")
    expect(page.locator("#compare-summary")).to_contain_text(
        f"2 of 7 parts changed between version {first_submitted} and version {revised}"
    )
    expect(page.locator("#compare-practice_quality")).to_contain_text("Changed")
    expect(page.locator("#compare-self_grade")).to_contain_text("Requires improvement")
    expect(page.locator("#compare-self_grade")).to_contain_text("Good")
    expect(page.locator("#compare-how_we_know")).to_contain_text("No change")
    axe.check(page)

    # Drafts are private to the head: the chair may choose only submitted versions.
    options = page.get_by_label("Compare version").locator("option")
    expect(options).to_have_count(2)
    expect(page.get_by_label("Compare version").locator(f"option[value='{draft}']")).to_have_count(
        0
    )
    page.get_by_label("Compare version").select_option(str(revised))
    page.get_by_label("with version").select_option(str(first_submitted))
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#compare-summary")).to_contain_text(
        f"between version {revised} and version {first_submitted}"
    )
    expect(page.locator("#compare-practice_quality")).to_contain_text("Changed")
    axe.check(page)
    sign_out(page, axe)
