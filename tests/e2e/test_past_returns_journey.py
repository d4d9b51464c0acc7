"""Past returns as submitted, in Chromium (issue 17, part 3): North's head opens "Past returns"
from the menu, opens cycle 2's return and reads what was submitted on 29 January (not today's
state), and goes back to the list; the chair reads the list across localities, and an entry of
East's return amended after submission, both versions. axe-core checks every page. The only write
(East's amendment) is on this file's own seeded database, and changes nothing the others read."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name=name, exact=True
    ).click()


def test_north_s_head_reads_cycle_2_as_submitted_from_her_past_returns(
    page: Page, live_server, axe
):
    sign_in(page, live_server, ROLE_ACCOUNTS["locality_head"])
    menu(page, "Past returns")
    expect(page.get_by_role("heading", level=1)).to_have_text("North past returns")
    expect(page.locator("#return-north-2")).to_contain_text("29 January 2016")
    axe.check(page)

    page.locator("#return-north-2").get_by_role("link", name=re.compile("Cycle 2")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return for cycle 2")
    expect(
        page.get_by_role("heading", name=re.compile("As submitted on 29 January 2016"))
    ).to_be_visible()
    expect(page.get_by_text("Current state of each open action")).to_have_count(0)
    expect(page.get_by_text("Updated this cycle")).to_have_count(0)
    axe.check(page)

    page.get_by_role("link", name="North past returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("North past returns")


def test_the_chair_reads_every_locality_s_past_returns(page: Page, live_server, axe):
    sign_in(page, live_server, ROLE_ACCOUNTS["chair"])
    menu(page, "Past returns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Past returns, every locality")
    expect(page.locator("#return-east-3")).to_contain_text("3 February 2016")
    axe.check(page)


def _amend_one_east_entry(app) -> str:
    """East's head reopens cycle 3's return (submitted 3 February, due 12 February) and amends one
    entry, as she would from the page: the ref amended."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from tests.builders import actor_for
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services.loop import returns as return_service

    now = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)
    with app.app_context():
        head = db.session.execute(
            select(User).where(User.email == "east.hos@trust.example")
        ).scalar_one()
        actor = actor_for(head)
        line = return_service.get_return("east", 3, today=now.date(), now=now).lines[0]
        return_service.reopen_return("east", 3, actor=actor, now=now)
        return_service.submit_return(
            "east",
            3,
            [
                return_service.Entry(
                    ref=line.ref,
                    version=line.version,
                    summary=AMENDED,
                    lifecycle=line.lifecycle.value,
                    rag=line.rag.value if line.rag else "",
                    impact=line.impact.value,
                )
            ],
            actor=actor,
            now=now,
        )
        db.session.remove()
    return line.ref


AMENDED = "Corrected after submission: the audit date moved to March."


def test_an_amended_entry_shows_both_versions_to_the_chair(
    page: Page, live_server, browser_app, axe
):
    ref = _amend_one_east_entry(browser_app)
    sign_in(page, live_server, ROLE_ACCOUNTS["chair"])
    page.goto(f"{live_server}/returns/east/3")

    row = page.locator(f"#action-{ref}")
    expect(row).to_contain_text("Amended after submission")
    expect(page.locator(f"#amendment-{ref}-1")).to_contain_text(AMENDED)
    expect(row).not_to_contain_text(AMENDED)  # the version submitted on 3 February stays
    axe.check(page)
