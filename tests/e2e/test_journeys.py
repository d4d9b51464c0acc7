"""Each role signs in and visits every page it can reach; axe-core checks every page seen. The
JSIG member's guide's plan and quarterly report, and the administrator's guide's people and
outbox, are photographed here (`shoot`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS
from tracker.extensions import db
from tracker.services.mail import chasing

PLANS = ["main", "north", "south", "east", "central"]
# The administrator and the JSIG member (viewer) take their guides' screenshots here: marked, so
# `make docs` runs them and not the other roles.
ROLES = [
    pytest.param(role, marks=pytest.mark.docs_screenshots) if role in ("admin", "viewer") else role
    for role in ROLE_ACCOUNTS
]


def sign_in(page: Page, base: str, email: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    axe.check(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")


def visit(page: Page, url: str, axe, heading: str | re.Pattern | None = None) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (
        f"{url} gave {response and response.status}"
    )
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe.check(page)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_its_pages_and_axe_finds_no_violations(
    page: Page, live_server, browser_app, axe, shoot, role
):
    base = live_server
    sign_in(page, base, ROLE_ACCOUNTS[role], axe)
    axe.check(page)  # their home page
    visit(page, f"{base}/overview", axe, "Ofsted action plan overview")
    expect(page.locator("#statutory-deadline")).to_contain_text("Wednesday 9 March 2016")
    expect(page.get_by_text("Illustrative data").first).to_be_visible()

    for code in PLANS:
        visit(page, f"{base}/plans/{code}", axe)
        rows = page.locator("#actions-table tbody tr")
        expect(rows).to_have_count(100 if code == "main" else 38)  # 100 a page
        expect(page.locator("#actions-total")).to_contain_text("183" if code == "main" else "38")
        expect(page.get_by_text("Key to RAG ratings")).to_be_visible()

    # Filter and sort the main plan with the form and the column headers, as a person would.
    visit(page, f"{base}/plans/main", axe)
    if role == "viewer":  # the JSIG member's guide: the plan, its filters and its downloads
        expect(page.get_by_role("form", name="Filter actions")).to_be_visible()
        expect(
            page.get_by_role("link", name="Download these 183 actions as CSV (spreadsheet)")
        ).to_be_visible()
        shoot(page, "jsig-plan")
    page.get_by_label("RAG", exact=True).select_option("red")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]rag=red"))
    page.wait_for_load_state("domcontentloaded")
    axe.check(page)
    red_rows = page.locator("#actions-table tbody tr")
    assert red_rows.count() > 0
    for text in red_rows.locator("td:nth-child(6)").all_inner_texts():
        assert text.strip() == "Red"
    page.get_by_role("link", name=re.compile("^Target date")).click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Target date")
    axe.check(page)

    visit(page, f"{base}/plans/main?as_at=2016-01-20", axe)
    expect(page.get_by_text("as it stood at the end of")).to_be_visible()

    visit(page, f"{base}/recommendations/R3", axe)
    page.locator("#actions-table tbody tr th a").first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    axe.check(page)
    visit(page, f"{base}/actions/MAP-001", axe)
    visit(page, f"{base}/accessibility", axe, "Accessibility statement")

    if role == "viewer":  # the JSIG member's guide: Measures, then the Quarter 3 report
        menu = page.get_by_role("navigation", name="Main menu")
        menu.get_by_role("link", name="Measures").click()
        page.get_by_role("link", name="Quarterly report for Quarter 3 2015/16").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Quarterly performance and progress against Ofsted action plan"
        )
        expect(page.locator(".govuk-caption-l")).to_contain_text("Quarter 3 2015/16")
        expect(page.locator("#summary-sentence")).to_contain_text(
            "9 key measures at or exceeding target, 7 within tolerance, 3 outside tolerance"
        )
        axe.check(page)
        shoot(page, "jsig-quarterly-report")

    missing = page.goto(f"{base}/actions/NO-SUCH-ACTION")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe.check(page)

    admin = page.goto(f"{base}/admin/users")
    assert admin is not None
    if role == "admin":
        assert admin.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("People")
        expect(page.get_by_role("button", name="Invite a person")).to_be_visible()
        axe.check(page)
        shoot(page, "admin-people")
        visit(page, f"{base}/admin/audit", axe, "Audit log")
        # The demo keeps mail in the outbox: chase as on Friday 12 February, then look.
        with browser_app.app_context():
            day = date(2016, 2, 12)
            chasing.run_chasing(
                day,
                now=datetime(2016, 2, 12, 9, tzinfo=UTC),
                cfg=chasing.ChaseConfig.from_mapping(browser_app.config),
            )
            db.session.remove()
        visit(page, f"{base}/admin/outbox", axe, "Outbox")
        expect(page.get_by_text("mail is kept here instead of being sent")).to_be_visible()
        expect(page.get_by_text("return for cycle 3 is due today").first).to_be_visible()
        shoot(page, "admin-outbox")
    else:
        assert admin.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You do not have permission to see this page"
        )
        axe.check(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    axe.check(page)


def test_a_wrong_password_shows_an_error_summary_that_passes_axe(page: Page, live_server, axe):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill("viewer-who-typos@council.example")
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The email address or password is not right")
    axe.check(page)
    # The error summary's link moves focus to the field, for keyboard users.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()


def test_the_sign_in_form_works_with_the_keyboard_alone(page: Page, live_server):
    page.goto(f"{live_server}/sign-in")
    page.keyboard.press("Tab")  # skip link first
    expect(page.get_by_text("Skip to main content")).to_be_focused()
    page.get_by_label("Email address").focus()
    page.keyboard.type(ROLE_ACCOUNTS["viewer"])
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
