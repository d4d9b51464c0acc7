"""Issue 20.6 in Chromium, on the second illustrative council (seed/second), on its own demo day
(Thursday 16 November 2023, in the monthly cycle 11, due on the last Thursday at 16:00): its
chair reads the dashboard, the overview with its three inspection events, and an action that
answers a focused visit's area for priority action and the ILACS inspection's recommendation.
Then the main loop as Westmere's people do it: the Front Door service area's head sends the
month's return (one action updated, "no change" for the rest) and finds it in the past returns;
an action lead updates an action; the chair reads the service areas' returns and downloads the
board pack. Every page names things in Westmere's words ("Service areas", its Improvement
Board), never the first demo's "Localities"; axe-core checks every page.

One file, one server: the journeys share the module's database, in the order written."""

from __future__ import annotations

import re
import subprocess
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
from tests.e2e.test_returns_journey import entry, flash, history_rows, nav, sign_in, sign_out

CYCLE = 11  # November 2023: opened Wednesday 1 November, due Thursday 30 November at 16:00
AREA = "front-door"
CHANGED = ("FD-03", "Huddle attendance now weekly for all partners; slippage recovered.")
LEAD_REF = "IP-06"
LEAD_SUMMARY = "Recording prompt live in every team; the December audit will measure it."


def no_first_demo_words(page: Page) -> None:
    """The page's own words are Westmere's: no "Locality" or "Localities" in the menu, the
    headings or the captions (what its people wrote is theirs)."""
    own = page.locator("header, .govuk-service-navigation, h1, .govuk-caption-l, caption, th")
    text = " ".join(own.all_inner_texts())
    assert not re.search(r"(?i)\blocalit(y|ies)\b", text), text


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
    # Narrowed to the focused visit: its 17 actions, as the overview counts them.
    page.get_by_label("Inspection or visit").select_option(label="Focused visit: the front door")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]event=\d+"))
    expect(page.locator("#dashboard-scope")).to_contain_text("17 actions match the filters")
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


def test_westmeres_service_area_head_sends_the_months_return_with_no_change_for_the_rest(
    page: Page, live_server, axe
):
    base = live_server
    name = sign_in(page, base, SECOND_ACCOUNTS["locality_head"])
    expect(page.locator(".tracker-userbar")).to_contain_text(
        "Service area head of service, Front Door and Assessment"
    )
    expect(page.locator("#locality-work")).to_have_text("Front Door and Assessment service area")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="Service areas", exact=True)).to_be_visible()
    no_first_demo_words(page)
    axe.check(page)

    nav(page, "Returns")
    expect(page).to_have_url(f"{base}/returns/{AREA}/{CYCLE}")
    expect(page.locator(".govuk-caption-l").first).to_have_text(
        "Front Door and Assessment service area action plan"
    )
    rows = page.locator("section.tracker-return-entry")
    total = rows.count()
    assert total >= 6, total  # the area's open actions, each a row of the return
    no_first_demo_words(page)
    axe.check(page)

    ref, summary = CHANGED
    entry(page, ref, "summary").fill(summary)
    page.get_by_role("button", name="No change for every action I have not touched").click()
    expect(page).to_have_url(f"{base}/returns/{AREA}/{CYCLE}/no-change")
    expect(page.locator("#no-change-actions tbody tr")).to_have_count(total - 1)
    axe.check(page)
    page.get_by_role("button", name=re.compile(r"^Mark \d+ actions? as no change$")).click()
    expect(flash(page)).to_contain_text("marked “no change this cycle”")
    page.get_by_role("button", name="Submit return").click()
    expect(flash(page)).to_contain_text(f"Return submitted: {total} actions updated.")
    expect(page.locator("#return-status")).to_contain_text(f"by {name}")
    axe.check(page)

    nav(page, "Past returns")
    expect(page.get_by_role("heading", level=1)).to_contain_text("past returns")
    expect(page.locator(f"#return-{AREA}-{CYCLE}")).to_contain_text("16 November 2023 at ")
    expect(page.locator(f"#return-{AREA}-{CYCLE}")).to_contain_text(f"by {name}")
    no_first_demo_words(page)
    axe.check(page)
    page.goto(f"{base}/actions/{ref}")
    assert history_rows(page, ref)[0][6] == summary
    sign_out(page)


def test_westmeres_action_lead_updates_an_action(page: Page, live_server, axe):
    base = live_server
    sign_in(page, base, SECOND_ACCOUNTS["action_lead"])
    page.goto(f"{base}/actions/{LEAD_REF}")
    page.get_by_role("link", name="Update this action").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Update:")
    axe.check(page)
    page.get_by_label("Progress summary").fill(LEAD_SUMMARY)
    page.get_by_role("button", name="Save update").click()
    expect(flash(page)).to_contain_text(f"{LEAD_REF} updated.")
    assert history_rows(page, LEAD_REF)[0][6] == LEAD_SUMMARY
    no_first_demo_words(page)
    axe.check(page)
    sign_out(page)


def test_westmeres_chair_reads_the_service_areas_returns_and_downloads_the_board_pack(
    page: Page, live_server, axe
):
    base = live_server
    sign_in(page, base, SECOND_ACCOUNTS["chair"])
    page.goto(f"{base}/returns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Service area returns")
    expect(page.locator("table caption").first).to_contain_text("by cycle and service area")
    # The head's return, sent above, is in the month's row.
    front_door = page.get_by_role(
        "link", name=f"View return for Front Door and Assessment, cycle {CYCLE}"
    )
    expect(front_door.locator("xpath=ancestor::td")).to_contain_text("Submitted")
    no_first_demo_words(page)
    axe.check(page)

    nav(page, "Dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement Board dashboard")
    no_first_demo_words(page)
    with page.expect_download(timeout=90_000) as download:
        page.locator("#download-pdf").click()
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "Strategic group board pack" in flat
    assert "Westmere" in flat and LEAD_REF in flat
    assert not re.search(r"(?i)\blocalit(y|ies)\b", flat)
