"""The administrator renames the organisation's meetings in Chromium (issue 20.2): from the home
page to the words page, a name left empty (an error summary, nothing saved), then new words,
which the chair's dashboard and the meetings page show at once. axe-core checks every page.

This is the only journey that changes the words (its file has a database of its own)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")


def test_the_admin_renames_the_board_and_the_group_and_every_page_follows(
    page: Page, live_server, axe
):
    base = live_server
    _sign_in(page, base, ROLE_ACCOUNTS["admin"])
    page.get_by_role("link", name="The words your organisation uses").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("The words your organisation uses")
    board = page.get_by_label("Name of the meeting that reviews overdue and red actions")
    expect(board).to_have_value("Getting to Good")
    axe.check(page)

    board.fill("")
    page.get_by_role("button", name="Save the words").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the name of the meeting that reviews overdue and red actions"
    )
    axe.check(page)

    board.fill("Improvement Board")
    page.get_by_label("Short name of that meeting").fill("Improvement Board")
    page.get_by_label("Name of the group that signs off progress").fill(
        "Children's Scrutiny Committee"
    )
    page.get_by_label("Short name of that group").fill("Scrutiny Committee")
    page.get_by_role("button", name="Save the words").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The words are saved")
    expect(board).to_have_value("Improvement Board")
    axe.check(page)

    page.goto(f"{base}/dashboard")
    expect(heading).to_have_text("Improvement Board dashboard")
    axe.check(page)
    page.goto(f"{base}/meetings")
    expect(page.locator("main")).to_contain_text(
        "Improvement Board, Children's Scrutiny Committee and Continuous Improvement Board"
    )
    axe.check(page)
