"""Issue 20.6 in Chromium, on the second illustrative council (seed/second): its chair signs
in, reads the dashboard on the council's own demo day, the overview with its three inspection
events, and an action that answers a focused visit's area for priority action and the ILACS
inspection's recommendation. axe-core checks every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import (
    BROWSER_URL,
    DEMO_PASSWORD,
    SECOND_ACCOUNTS,
    _dispose,
    _seeded,
    second_settings,
)


@pytest.fixture(scope="module")
def browser_app() -> Iterator[Flask]:
    """The journeys' database (as in conftest), holding the second council this time."""
    from sqlalchemy.pool import NullPool

    application = _seeded(BROWSER_URL, second_settings(), poolclass=NullPool)
    yield application
    _dispose(application)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_the_second_councils_chair_reads_the_dashboard_the_events_and_an_action(
    page: Page, live_server, axe
):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(SECOND_ACCOUNTS["chair"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("Your work")
    axe.check(page)

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Dashboard").click()
    expect(page.locator(".govuk-caption-l")).to_contain_text("Thursday 16 November 2023")
    expect(page.get_by_label("Plan or service area")).to_contain_text("Front Door and Assessment")
    axe.check(page)

    page.goto(f"{live_server}/overview")
    events = page.locator("#inspection-events tbody tr")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("ILACS standard inspection")
    expect(events.nth(1)).to_contain_text("Focused visit: the front door")
    expect(events.nth(2)).to_contain_text("Monitoring visit: the front door")
    axe.check(page)

    page.get_by_role("link", name="FV-APA1: Thresholds applied consistently").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Area for priority action FV-APA1")
    axe.check(page)
    page.get_by_role("link", name="IP-20", exact=True).click()
    expect(heading(page)).to_contain_text("Apply the partnership's threshold guidance")
    also = page.get_by_text("Also answers").locator("..")
    expect(also).to_contain_text("IN-R1")
    expect(also).to_contain_text("Inspection of Westmere local authority children's services")
    axe.check(page)
