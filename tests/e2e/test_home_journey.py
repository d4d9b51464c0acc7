"""Everyone's starting page and the plan tables, in Chromium: an action lead goes from "my
actions" to an action; the chair goes from a home-page count to the overdue list and downloads it;
the plan tables fit the screen at 1280 px and at 390 px (measured). axe-core checks every page.
These journeys only read: they change nothing other journeys rely on. They take the action
lead's guide's screenshots, and the chair's of the dashboard and sign-off on the demo's day."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

LIST_PAGES = [
    "/plans/main",
    "/plans/north",
    "/plans/south",
    "/plans/east",
    "/plans/central",
    "/actions",
    "/actions/overdue",
]


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    axe.check(page)


def shown_total(page: Page) -> int:
    said = page.locator("#actions-total").inner_text().strip()
    return 0 if said.startswith("No actions") else int(said.split()[0])


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.docs_screenshots
def test_an_action_lead_goes_from_my_actions_on_the_home_page_to_an_action(
    page: Page, live_server, axe, shoot
):
    sign_in(page, live_server, ROLE_ACCOUNTS["action_lead"], axe)
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    mine = page.locator("#my-actions-table tbody tr")
    expect(mine).to_have_count(10)
    expect(page.locator("#my-actions-table")).to_contain_text("Update this cycle")
    shoot(page, "action-lead-home")

    # What needs doing this cycle: the count opens the list it counts.
    needs = page.get_by_role("link", name=re.compile(r"^\d+ not updated this cycle$"))
    count = int(needs.inner_text().split()[0])
    needs.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All actions")
    expect(page.get_by_label("No update this cycle (cycle 3)")).to_be_checked()
    expect(page.locator("#actions-table tbody tr")).to_have_count(count)
    assert shown_total(page) == count
    axe.check(page)

    page.get_by_role("link", name="Home").click()
    first = page.locator("#my-actions-table tbody tr th a").first
    ref = first.inner_text().split(":")[0]
    first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/actions/{ref}$"))
    axe.check(page)

    # MAP-003's update form, from My actions (seen, not sent: these journeys only read).
    page.get_by_role("link", name="Home").click()
    mine.locator("th a", has_text="MAP-003").click()
    page.get_by_role("link", name="Update this action").click()
    expect(page).to_have_url(re.compile(r"/actions/MAP-003/update$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Update: "))
    expect(page.locator(".govuk-caption-l")).to_have_text("Main action plan, MAP-003")
    expect(page.get_by_label("Progress summary")).to_have_value("")
    expect(page.get_by_role("button", name="Save update")).to_be_visible()
    axe.check(page)
    shoot(page, "action-lead-update")


def test_a_partner_agency_s_lead_sees_what_she_may_update_apart_from_what_she_may_read(
    page: Page, live_server, axe
):
    sign_in(page, live_server, "dci.publicprotection@police.example", axe)
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    expect(page.get_by_role("heading", name="My agency's actions")).to_be_visible()
    agency = page.locator("#agency-actions-table")
    expect(agency.get_by_text("Update this cycle")).to_have_count(0)
    expect(
        agency.get_by_text(re.compile(r"^Awaiting sign-off, \d+ working days?$"))
    ).not_to_have_count(0)

    # The finished actions her agency is waiting on: the list of exactly those.
    waiting = page.locator("#agency-actions-counts").get_by_role(
        "link", name=re.compile(r"^\d+ complete, awaiting sign-off$")
    )
    count = int(waiting.inner_text().split()[0])
    waiting.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All actions")
    assert shown_total(page) == count
    expect(
        page.locator("#actions-table td.tracker-col-overdue").get_by_text("Awaiting sign-off")
    ).to_have_count(count)
    axe.check(page)


@pytest.mark.docs_screenshots
def test_the_chair_goes_from_a_home_page_count_to_the_overdue_list_and_downloads_it(
    page: Page, live_server, axe, shoot
):
    sign_in(page, live_server, ROLE_ACCOUNTS["chair"], axe)
    expect(page.get_by_role("heading", name="Awaiting your sign-off")).to_be_visible()
    waiting = page.locator("#awaiting-table tbody tr")
    assert waiting.count() > 0
    awaiting = waiting.count()
    expect(page.get_by_text(f"{awaiting} awaiting sign-off")).to_be_visible()

    # The dashboard on the demo's day, and the actions awaiting sign-off with their waits.
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Getting to Good dashboard")
    expect(page.locator(".govuk-caption-l")).to_have_text("Friday 5 February 2016, cycle 3")
    for chart in ("RAG mix of open actions per cycle", "Burn-down", "Overdue actions per plan"):
        expect(page.get_by_role("img", name=re.compile(chart))).to_be_visible()
    axe.check(page)
    shoot(page, "chair-dashboard")
    menu.get_by_role("link", name="Sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions awaiting sign-off")
    expect(page.locator("caption")).to_have_text(f"{awaiting} actions awaiting sign-off")
    map_037 = page.locator("tbody tr", has=page.get_by_role("link", name="MAP-037", exact=True))
    expect(map_037.locator("td").nth(2)).to_contain_text("28 January 2016")
    expect(map_037.locator("td").nth(3)).to_have_text("6")  # working days since 28 January
    axe.check(page)
    shoot(page, "chair-sign-off")
    page.get_by_role("link", name="Home").click()

    overdue = page.get_by_role("link", name=re.compile(r"^\d+ overdue$"))
    count = int(overdue.inner_text().split()[0])
    overdue.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue actions")
    rows = page.locator("#actions-table tbody tr")
    expect(rows).to_have_count(count)
    assert shown_total(page) == count
    days = [
        int(re.fullmatch(r"(\d+) days? overdue", text.strip()).group(1))
        for text in rows.locator("td.tracker-col-overdue").all_inner_texts()
    ]
    assert days == sorted(days, reverse=True)  # most days overdue first
    axe.check(page)

    # Narrow it further with the form: still the overdue list.
    page.get_by_label("Plan", exact=True).select_option("main")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue actions")
    for text in rows.locator("td.tracker-col-plan").all_inner_texts():
        assert text.strip() == "Main"
    shown = shown_total(page)
    axe.check(page)

    # The download holds exactly the rows the page counts.
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=f"Download these {shown} actions as CSV (spreadsheet)"
        ).click()
    file = download.value
    assert file.suggested_filename.startswith("action-plan_main_")
    assert file.suggested_filename.endswith("_as-at-2016-02-05.csv")
    text = Path(file.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert len(lines) == shown + 1 and lines[0][0] == "Ref"

    page.get_by_role("link", name="Home").click()
    red = page.get_by_role("link", name=re.compile(r"^\d+ red$"))
    count = int(red.inner_text().split()[0])
    red.click()
    assert shown_total(page) == count
    expect(page.locator("#actions-table tbody tr")).to_have_count(count)
    axe.check(page)


def test_at_1280_px_every_column_of_the_main_plan_is_on_screen_and_the_header_stays(
    page: Page, live_server, axe
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, ROLE_ACCOUNTS["viewer"], axe)
    page.goto(f"{live_server}/plans/main")
    width = page.evaluate("() => window.innerWidth")
    for name in ("Target date", "Overdue"):
        box = page.locator("#actions-table thead th", has_text=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, name
    assert fits_the_screen(page)
    ref = page.locator("#actions-table tbody th").first
    assert ref.evaluate("e => e.getClientRects().length") == 1 and "\n" not in ref.inner_text()
    axe.check(page)

    # Far down the list the column headers are still in view.
    page.locator("#actions-table tbody tr").nth(80).scroll_into_view_if_needed()
    header = page.locator("#actions-table thead th", has_text="Target date").bounding_box()
    assert header is not None and 0 <= header["y"] < 60
    expect(page.get_by_role("navigation", name="Pages of actions")).to_be_visible()


def test_at_390_px_no_plan_page_scrolls_sideways(page: Page, live_server, axe):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, ROLE_ACCOUNTS["locality_head"], axe)
    assert fits_the_screen(page)  # the home page too
    for path in LIST_PAGES:
        page.goto(f"{live_server}{path}")
        assert fits_the_screen(page), f"{path} scrolls sideways at 390 px"
        # Each action is a stacked card: its ref sits above its title, not beside it.
        ref = page.locator("#actions-table tbody tr th").first.bounding_box()
        title = page.locator("#actions-table tbody tr td.tracker-col-title").first.bounding_box()
        assert ref is not None and title is not None and title["y"] >= ref["y"] + ref["height"] - 1
        axe.check(page)


SETUP_PAGES = [
    "/admin/setup",
    "/admin/organisations",
    "/admin/areas",
    "/admin/setup/rhythm",
    "/admin/setup/self-evaluation",
    "/admin/setup/chasing",
    "/admin/setup/meetings",
]


def test_at_390_px_no_set_up_page_scrolls_sideways_and_its_tables_fit(page: Page, live_server, axe):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, ROLE_ACCOUNTS["admin"], axe)
    for path in SETUP_PAGES:
        page.goto(f"{live_server}{path}")
        assert fits_the_screen(page), f"{path} scrolls sideways at 390 px"
        # Nothing runs past the screen's edge, not even inside a table's own scrolling box:
        # the organisations and areas are stacked cards of labelled values on a phone.
        beyond = page.evaluate(
            "() => [...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert beyond == 0, f"{path}: {beyond} elements run past the screen at 390 px"
        axe.check(page)


def test_an_as_at_date_typed_wrongly_is_explained_on_the_same_page(page: Page, live_server, axe):
    sign_in(page, live_server, ROLE_ACCOUNTS["viewer"], axe)
    page.goto(f"{live_server}/plans/main")
    page.get_by_label("RAG", exact=True).select_option("red")
    page.get_by_label("As at").fill("31/2/2016")
    page.get_by_role("button", name="Apply filters").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a real date")
    expect(page.get_by_label("RAG", exact=True)).to_have_value("red")
    expect(page.get_by_label("As at")).to_have_value("31/2/2016")
    axe.check(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("As at")).to_be_focused()

    page.get_by_label("As at").fill("20 Jan 2016")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("as it stood at the end of")).to_contain_text(
        "Wednesday 20 January 2016"
    )
    expect(page.get_by_label("RAG", exact=True)).to_have_value("red")
    axe.check(page)
