"""The guides in Chromium, as the tracker serves them under /help/ (the site built once for the run,
as `make docs-site` builds it): a JSIG member opens Help from the header and lands on their guide;
axe-core checks every page of the site (and the guides on a phone); and the site works under the
tracker's Content Security Policy, with no violation reported (search, which needs the theme's
scripts, included).

These journeys only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS


@pytest.fixture(scope="module", autouse=True)
def _serve_the_built_site(browser_app, built_docs):
    browser_app.config["HELP_SITE_DIR"] = str(built_docs)


def site_pages(site: Path) -> list[str]:
    """Every page of the built site, as its address under /help/ (the 404 page and the search
    page's own folder are not pages people read)."""
    pages = []
    for index in sorted(site.rglob("index.html")):
        folder = index.parent.relative_to(site).as_posix()
        pages.append("/help/" if folder == "." else f"/help/{folder}/")
    return pages


def test_a_jsig_member_opens_help_from_the_header_and_finds_their_guide(
    page: Page, live_server, axe
):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS["viewer"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Help").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Guide: JSIG member and scrutiny officer"
    )
    assert page.url == f"{live_server}/help/guides/jsig/"
    axe.check(page)


# On a phone: the guides the Help links open, and the pages whose tables and code are wider than
# a phone (the rest share their layout; axe takes a second or so a page, and CI's time is tight).
PHONE_PAGES = [
    "/help/",
    "/help/guides/locality-head/",
    "/help/guides/action-lead/",
    "/help/guides/chair/",
    "/help/guides/jsig/",
    "/help/guides/admin/",
    "/help/architecture/",
    "/help/configuration/",
    "/help/api/",
]


def test_every_page_of_the_guides_passes_axe(page: Page, live_server, built_docs, axe):
    pages = site_pages(built_docs)
    assert len(pages) >= 25, pages  # a site that built nothing is not a pass
    assert set(PHONE_PAGES) <= set(pages)
    for path in pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        axe.check(page)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PHONE_PAGES:
        page.goto(f"{live_server}{path}")
        axe.check(page)


def test_the_guides_work_under_the_trackers_content_security_policy(
    browser: Browser, browser_context_args, live_server
):
    # This context does not bypass the CSP (the others do, to inject axe-core).
    context = browser.new_context(**(browser_context_args | {"bypass_csp": False}))
    page = context.new_page()
    refused: list[str] = []  # (a screenshot missing, when `make docs` has not taken them, is not)
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.goto(f"{live_server}/help/guides/chair/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guide: Getting to Good chair")
    # The theme's scripts run: the search box finds the locality head's guide.
    search = page.get_by_role("textbox", name="Search")
    search.click()
    # Ready once its worker has read the index (it says "Initializing search" until then).
    expect(page.locator(".md-search-result__meta")).to_have_text(
        "Type to start searching", timeout=20_000
    )
    search.press_sequentially("fortnightly return")
    expect(page.locator(".md-search-result__meta")).to_contain_text("matching document")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    context.close()
    assert refused == []
