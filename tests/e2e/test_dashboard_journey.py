"""The chair's dashboard in Chromium: the chair goes from the dashboard to the overdue actions,
narrows them to one locality and opens an action; a JSIG viewer reads the dashboard; a locality
head is refused it. axe-core checks every page.

These journeys are set on Tuesday 1 March 2016 (cycle 5), not the demo's 5 February: on the
demo day no locality action is overdue yet (the first fall due on 26 February), so there would
be no locality's overdue action to open. The app is the seeded one, on a database of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import BROWSER_URL, DEMO_PASSWORD, ROLE_ACCOUNTS, _dispose, _seeded

DAY = "2016-03-01"


@pytest.fixture(scope="module")
def browser_app() -> Iterator[Flask]:
    """The journeys' own seeded app (as in conftest), with today set to 1 March 2016."""
    from sqlalchemy.pool import NullPool

    application = _seeded(BROWSER_URL, {"TODAY": DAY}, poolclass=NullPool)
    yield application
    _dispose(application)


def sign_in(page: Page, base: str, role: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS[role])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    axe.check(page)


def shown_total(page: Page) -> int:
    said = page.locator("#actions-total").inner_text().strip()
    return 0 if said.startswith("No actions") else int(said.split()[0])


def test_the_chair_goes_from_the_dashboard_to_a_locality_s_overdue_action(
    page: Page, live_server, axe
):
    sign_in(page, live_server, "chair", axe)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Getting to Good dashboard")
    expect(page.locator(".govuk-caption-l")).to_have_text("Tuesday 1 March 2016, cycle 5")
    for chart in ("RAG mix of open actions per cycle", "Burn-down", "Overdue actions per plan"):
        expect(page.get_by_role("img", name=re.compile(chart))).to_be_visible()
    axe.check(page)

    overdue = page.locator("#count-overdue").get_by_role("link")
    count = int(overdue.locator(".tracker-dash-card__number").inner_text())
    overdue.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue actions")
    assert shown_total(page) == count
    axe.check(page)

    # One locality's overdue actions: the list keeps its order, most days overdue first.
    page.get_by_label("Plan", exact=True).select_option("north")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/actions/overdue\?.*plan=north"))
    rows = page.locator("#actions-table tbody tr")
    expect(rows.first.locator("td.tracker-col-plan")).to_have_text("North")
    assert set(rows.locator("td.tracker-col-plan").all_inner_texts()) == {"North"}
    days = [int(t.split()[0]) for t in rows.locator("td.tracker-col-overdue").all_inner_texts()]
    assert days and days == sorted(days, reverse=True)
    axe.check(page)

    # The dashboard filtered to North counts exactly these.
    north_total = shown_total(page)
    first = rows.first.locator("th a")
    ref = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/actions/{ref}$"))
    expect(page.locator(".govuk-caption-l")).to_have_text(f"North locality action plan, {ref}")
    axe.check(page)

    page.goto(f"{live_server}/dashboard")
    page.get_by_label("Plan or locality").select_option("north")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#count-overdue .tracker-dash-card__number")).to_have_text(str(north_total))
    axe.check(page)


def test_a_viewer_reads_the_dashboard_and_a_locality_head_is_refused_it(
    page: Page, live_server, axe
):
    sign_in(page, live_server, "viewer", axe)
    page.goto(f"{live_server}/dashboard?lead_organisation=trust")
    expect(page.get_by_role("heading", level=1)).to_have_text("Getting to Good dashboard")
    expect(page.get_by_label("Lead organisation")).to_have_value("trust")
    expect(page.locator("#rag-mix-table tbody tr")).to_have_count(5)  # cycles 1 to 5
    axe.check(page)
    page.context.clear_cookies()

    sign_in(page, live_server, "locality_head", axe)
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Dashboard")).to_have_count(0)
    response = page.goto(f"{live_server}/dashboard")
    assert response is not None and response.status == 403
    axe.check(page)
