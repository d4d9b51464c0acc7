"""Every page reflows to a 390-pixel phone (WCAG 2.2 AA, 1.4.10): signed in as each of two
roles, Chromium follows the links from the home page, one page of each address shape (an
action, a measure, a meeting...), up to 130 a role; no page is wider than the window, and axe
finds nothing on any of them at that width. A wide table scrolls inside its own region instead
(`tracker-table-wrap`), which the keyboard reaches and its caption names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

PHONE = {"width": 390, "height": 844}
MOST = 130
# Downloads, feeds and actions that are not pages to read.
NOT_PAGES = re.compile(
    r"\.(csv|pdf|xlsx|ics|docx|json|zip)(\?|$)|^/api/|/sign-out|/calendar/feed|/download"
    r"|^/__tests__|/file$|/export"
)
OVERFLOWING = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.tracker-table-wrap'))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''))"""


def shape(path: str) -> str:
    """/actions/MAP-012?x=1 and /actions/N-07, or /measures/A1 and /measures/D17a, are one
    shape (any part of the address holding a digit is a name or a number): a page of each is
    enough."""
    return re.sub(r"[^/]*\d[^/]*", "N", path.split("?")[0])


# The administrator reaches nearly every page; a locality head the forms only they fill in (the
# return, the SEF). A viewer's pages are the administrator's, read-only.
@pytest.mark.parametrize("role", ["admin", "locality_head"])
def test_no_page_a_role_reaches_is_wider_than_a_phone(page: Page, live_server, axe, role):
    base = live_server
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ROLE_ACCOUNTS[role])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    todo, shapes, wide = ["/"], set(), []
    while todo and len(shapes) < MOST:
        path = todo.pop(0)
        if shape(path) in shapes:
            continue
        shapes.add(shape(path))
        response = page.goto(base + path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        axe.check(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append((path, width, page.evaluate(OVERFLOWING, PHONE["width"])))
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
        todo += [
            h
            for h in hrefs
            if h.startswith("/")
            and not h.startswith("//")
            and "#" not in h
            and not NOT_PAGES.search(h)
        ]
    print(f"{role}: {len(shapes)} kinds of page")
    assert len(shapes) > 30, f"only {len(shapes)} kinds of page reached"
    assert wide == [], f"wider than {PHONE['width']} pixels: {wide}"
