"""A locality head puts their dates in Outlook (issue 10, part 5): from their home page they
open the calendar page, make a link and copy it, and a calendar fetching it (no session) gets a
feed that icalendar reads, with North's returns at noon London time. They reset the link (the
old one stops working) and turn it off. axe-core checks every page seen."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD

NORTH_HEAD = "north.hos@trust.example"


def _fetch(base: str, link: str) -> tuple[int, bytes, dict[str, str]]:
    """What a calendar gets from the link: the tracker's own address, no cookies."""
    url = base + urlsplit(link).path
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, b"", dict(error.headers)


def _link(page: Page) -> str:
    field = page.get_by_label("Your calendar link")
    expect(field).to_be_visible()
    return field.input_value()


def test_a_head_makes_a_calendar_link_a_calendar_reads_it_and_the_head_turns_it_off(
    page: Page, live_server, axe
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(NORTH_HEAD)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")

    # --- From their home page, the page explains what the link holds and how to add it ------
    expect(page.locator("#your-calendar")).to_have_text("Your dates in Outlook")
    page.get_by_role("link", name="set up your calendar link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dates in Outlook")
    expect(page.locator("#feed-contents")).to_contain_text("North's return")
    expect(page.get_by_text("Subscribe from web")).to_be_visible()
    expect(page.locator("#feed-status")).to_contain_text("You have no calendar link")
    axe.check(page)

    # --- They make a link: shown once, to copy --------------------------------------------
    page.get_by_role("button", name="Make a calendar link").click()
    expect(page.get_by_text("Your calendar link is ready")).to_be_visible()
    first = _link(page)
    assert first.endswith(".ics")
    axe.check(page)

    # --- Outlook subscribes: the feed reads as a calendar, in London time ------------------
    status, body, headers = _fetch(base, first)
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Cache-Control"] == "no-store, private"
    assert "Set-Cookie" not in headers
    calendar = Calendar.from_ical(body)
    events = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    cycle_3 = events["return-north-cycle-3"].start
    assert (cycle_3.hour, cycle_3.minute, cycle_3.tzname()) == (12, 0, "GMT")
    assert cycle_3.astimezone(UTC) == datetime(2016, 2, 12, 12, 0, tzinfo=UTC)
    assert "sef-north-2016-02" in events
    assert any(uid.startswith("action-") for uid in events)  # the North head leads N- actions

    # Coming back later, the link is not shown again, and the page says it was fetched.
    page.goto(f"{base}/")
    page.get_by_role("link", name="set up your calendar link").click()
    expect(page.get_by_label("Your calendar link")).to_have_count(0)
    expect(page.locator("#feed-status")).not_to_contain_text("Not yet")
    axe.check(page)

    # --- They reset it: the old link stops working ------------------------------------------
    page.get_by_role("button", name="Reset link").click()
    second = _link(page)
    assert second != first
    assert _fetch(base, first)[0] == 404
    assert _fetch(base, second)[0] == 200
    axe.check(page)

    # --- They turn it off -------------------------------------------------------------------
    page.get_by_role("button", name="Turn off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("turned off")
    expect(page.locator("#feed-status")).to_contain_text("You have no calendar link")
    assert _fetch(base, second)[0] == 404
    axe.check(page)
