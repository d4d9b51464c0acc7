"""A JSIG member makes their own read-only API token (issues 18.4 and 19.4): from their home page
they open "your API tokens", are told what is wrong with a date a year and a day away, make a
token that expires on a day they choose, read the API with it, and revoke it. axe-core checks
every page seen."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def _api(base: str, token: str, path: str = "/api/v1/recommendations") -> tuple[int, dict]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.docs_screenshots
def test_a_jsig_member_makes_reads_with_and_revokes_their_own_api_token(
    page: Page, live_server, axe, shoot
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["viewer"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="your API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")
    # The date is offered as 90 days from today (5 February 2016).
    expect(page.locator("#expires_on-day")).to_have_value("05")
    expect(page.locator("#expires_on-month")).to_have_value("05")
    axe.check(page)
    shoot(page, "jsig-api-tokens")

    page.get_by_label("What the token is for").fill("Board pack spreadsheet")
    page.locator("#expires_on-day").fill("6")
    page.locator("#expires_on-month").fill("2")
    page.locator("#expires_on-year").fill("2017")
    page.get_by_role("button", name="Create API token").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The expiry date must be 5 February 2017 or earlier")
    axe.check(page)
    summary.get_by_role("link").click()
    expect(page.locator("#expires_on-day")).to_be_focused()

    page.locator("#expires_on-day").fill("31")
    page.locator("#expires_on-month").fill("3")
    page.locator("#expires_on-year").fill("2016")
    page.get_by_role("button", name="Create API token").click()
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("trk_")
    expect(page.locator("#tokens")).to_contain_text("End of Thursday 31 March 2016")
    expect(page.locator("#tokens")).to_contain_text("Live")
    axe.check(page)

    status, body = _api(base, token)
    assert status == 200 and body
    # The list says when the token was last used; a blank name, one over 100 characters and a
    # second live token of the same name are each refused in words.
    page.goto(f"{base}/account/api-tokens")
    expect(page.locator("#tokens tbody tr").first).not_to_contain_text("Never")
    for name, says in (
        ("", "Enter what the token is for"),
        ("x" * 101, "100 characters or fewer"),
        ("Board pack spreadsheet", "You already have a live token called “Board pack spreadsheet”"),
    ):
        page.get_by_label("What the token is for").fill(name)
        page.locator("#expires_on-day").fill("31")
        page.locator("#expires_on-month").fill("3")
        page.locator("#expires_on-year").fill("2016")
        page.get_by_role("button", name="Create API token").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(says)
        expect(page.locator("#new-token")).to_have_count(0)
    axe.check(page)
    page.get_by_role("button", name="Revoke “Board pack spreadsheet”").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("no longer works")
    expect(page.locator("#tokens")).to_contain_text("Revoked")
    axe.check(page)
    status, body = _api(base, token)
    assert status == 401 and "revoked" in body["detail"]
