"""Search in Chromium (issue 13.3): a viewer types a word from a progress summary into the
header's search box, sees the result with the word marked, and opens it. axe-core checks every
page. The journey only reads."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def test_a_viewer_finds_a_progress_update_from_the_header_and_opens_it(
    page: Page, live_server, axe
):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["viewer"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    header_search = page.get_by_role("search", name="Search the plan").first
    header_search.get_by_role("searchbox").fill("protocol circulated")
    header_search.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.locator("#results-heading")).to_contain_text("1 result")
    result = page.get_by_role("link", name="Progress update on MAP-032", exact=False)
    expect(result).to_be_visible()
    expect(page.locator(".tracker-search-result mark", has_text="circulated")).to_be_visible()
    axe.check(page)

    result.click()
    expect(page).to_have_url(f"{live_server}/actions/MAP-032#history")
    expect(page.get_by_text("History of MAP-032")).to_be_visible()
    axe.check(page)

    # A search of only punctuation: a plain message, no error.
    page.goto(f"{live_server}/search?q=%22%2A%3A")
    expect(page.get_by_text("There are no words to search for")).to_be_visible()
    axe.check(page)
