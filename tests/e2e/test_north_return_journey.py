"""The locality head's fortnightly return as a new user does it on the demo date (issue 7), in
Chromium with axe-core on every page state: North's head ticks "no change" on most actions
without retyping anything, changes a few, submits, reopens, amends one entry and sees the
amended history. Then Central's head saves a draft in which one entry names a child: the rest
is saved, the banner names the flagged entry, and its text stays on screen but is never stored.

These journeys write North's and Central's cycle 3 returns in the browser database; the other
journeys write South's (returns) and the SEFs, so the order of the files does not matter.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.test_returns_journey import (
    entry,
    flash,
    form_values,
    heading,
    history_rows,
    nav,
    sign_in,
    sign_out,
)
from tracker.extensions import db
from tracker.models import ReturnDraft

NORTH_HEAD = "north.hos@trust.example"
CENTRAL_HEAD = "central.hos@trust.example"
CYCLE = 3  # Friday 5 February 2016 is in cycle 3 (due Friday 12 February at noon)
# From the top to the first field (the menu, with Challenges and Past returns, the search box,
# the Help link in the menu and "Help with this page" beside Sign out (issue 21.2), and the link
# to the compact view of one line per action); 46 before.
FEW_TABS = 22

# What North's head changes; every other action is ticked "no change" with nothing typed.
RAG_CHANGE = ("amber", "Two team manager posts vacant from March; recruitment has started.")
TYPED = "Weekly huddle now chaired by the deputy; delays down to two this fortnight."
AMENDED_RAG = ("amber", "Corrected: the partner audit slipped to March, as the meeting agreed.")
FLAGGED = "Child A aged 7 was discussed at the weekly huddle."


def section_refs(page: Page) -> list[str]:
    sections = page.locator("section.tracker-return-entry")
    expect(sections.first).to_be_attached()  # the page's entries, not a half-parsed document
    return [i.removeprefix("action-") for i in sections.evaluate_all("s => s.map(e => e.id)")]


def tabs_to(page: Page, name: str, most: int) -> int:
    """Press Tab from the top of the page until the field called `name` has focus."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    page.keyboard.press("Escape")
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == name:
            return presses
    raise AssertionError(f"{name} was not reached in {most} Tab presses")


@pytest.mark.docs_screenshots
def test_the_north_head_returns_with_no_change_ticks_then_amends_it(
    page: Page, live_server, axe, shoot
):
    base = live_server
    name = sign_in(page, base, NORTH_HEAD)
    # Her home page on the demo's day: this cycle's return not started, this month's SEF.
    this_return = page.locator("#this-return")
    expect(this_return).to_contain_text(f"Return for cycle {CYCLE}")
    expect(this_return).to_contain_text("Not started")
    expect(this_return).to_contain_text("12 February 2016 at 12:00")
    expect(page.locator("#this-sef")).to_contain_text("SEF for February 2016")
    axe.check(page)
    shoot(page, "locality-head-home")

    # February's SEF, from the home page, before anything is written in it.
    page.get_by_role("link", name="Go to the February 2016 SEF").click()
    expect(page).to_have_url(f"{base}/sefs/north/2016-02")
    expect(heading(page)).to_have_text("SEF for February 2016")
    expect(page.locator("#sef-status")).to_contain_text("Not started")
    expect(page.locator('[name="what_we_know"]')).to_have_value("")
    axe.check(page)
    shoot(page, "locality-head-sef")

    nav(page, "Returns")
    expect(page).to_have_url(f"{base}/returns/north/{CYCLE}")
    expect(heading(page)).to_have_text(f"Return for cycle {CYCLE}")
    expect(page.locator("#return-status")).to_have_text("Not started")
    axe.check(page)
    shoot(page, "locality-head-return")

    # The first field is a few Tab presses from the top: the jump links are one control.
    assert tabs_to(page, "entries-0-confirm_unchanged", FEW_TABS) <= FEW_TABS
    page.keyboard.press("Tab")
    expect(page.locator('[name="entries-0-summary"]')).to_be_focused()

    refs = section_refs(page)
    assert len(refs) >= 30
    rag_ref, typed_ref, amended_ref = refs[2], refs[3], refs[5]
    last = {
        ref: page.locator(f"#action-{ref} .tracker-last-summary").inner_text()
        for ref in (refs[0], amended_ref)
    }

    # "No change this cycle" on every action but one, nothing retyped; one RAG change
    # with its reason (ticked too: the summary is kept); one new summary typed in the box.
    for ref in refs:
        if ref != typed_ref:
            entry(page, ref, "confirm_unchanged").check()
    entry(page, rag_ref, "rag").select_option(RAG_CHANGE[0])
    entry(page, rag_ref, "reason").fill(RAG_CHANGE[1])
    entry(page, typed_ref, "summary").fill(TYPED)
    page.get_by_role("button", name="Submit return").click()

    expect(flash(page)).to_contain_text(f"Return submitted: {len(refs)} actions updated.")
    status = page.locator("#return-status")
    expect(status).to_contain_text("Submitted 5 February 2016 at")
    expect(status).to_contain_text(f"by {name}")
    axe.check(page)

    # Reopen it before the deadline: the form comes back with each action's state, the box
    # empty and "no change" ticked, so only what is changed is recorded.
    page.get_by_role("button", name="Reopen to amend").click()
    expect(flash(page)).to_contain_text("Return reopened.")
    expect(page.locator("#amending")).to_contain_text("open for amendment until")
    expect(status).to_contain_text("Reopened for amendment 5 February 2016 at")
    axe.check(page)
    drawn = form_values(page)
    assert all(drawn[f"entries-{i}-confirm_unchanged"] for i in range(len(refs)))
    assert all(drawn[f"entries-{i}-summary"] == "" for i in range(len(refs)))
    expect(entry(page, rag_ref, "rag")).to_have_value(RAG_CHANGE[0])
    entry(page, amended_ref, "rag").select_option(AMENDED_RAG[0])
    entry(page, amended_ref, "reason").fill(AMENDED_RAG[1])
    page.get_by_role("button", name="Submit return").click()

    expect(flash(page)).to_contain_text("Return amended: 1 actions updated.")
    expect(status).to_contain_text("Submitted 5 February 2016 at")
    expect(status).to_contain_text(re.compile(rf"Amended 5 February 2016 at \d\d:\d\d by {name}"))
    expect(page.get_by_role("button", name="Reopen to amend")).to_be_visible()  # until due
    axe.check(page)

    # The amended action's history: the amendment on top of the return's no-change row.
    page.goto(f"{base}/actions/{amended_ref}")
    amendment, first, *_ = history_rows(page, amended_ref)
    assert amendment[1] == name and amendment[2] == str(CYCLE)
    assert amendment[3] == f"{AMENDED_RAG[0].capitalize()}\nChanged"
    assert amendment[6].startswith("Summary unchanged this cycle\n")
    assert amendment[6].endswith(f"Reason: {AMENDED_RAG[1]}")
    assert first[2] == str(CYCLE) and first[6].startswith("No change this cycle\n")
    assert last[amended_ref].split("“", 1)[1].rsplit("”", 1)[0] in first[6]
    axe.check(page)

    page.goto(f"{base}/actions/{typed_ref}")
    newest = history_rows(page, typed_ref)[0]
    assert newest[6] == TYPED  # typed, so not a no-change row
    page.goto(f"{base}/actions/{rag_ref}")
    newest = history_rows(page, rag_ref)[0]
    assert newest[3] == f"{RAG_CHANGE[0].capitalize()}\nChanged"
    assert newest[6].startswith("Summary unchanged this cycle\n")
    assert newest[6].endswith(f"Reason: {RAG_CHANGE[1]}")
    axe.check(page)

    # Cycle 4 has not opened: the plan as it stands, and nothing to fill in.
    page.goto(f"{base}/returns/north/4")
    expect(page.locator("#not-open")).to_contain_text("Cycle 4 opens on Monday 15 February 2016")
    expect(page.locator("textarea, select, input[type=checkbox]")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit return")).to_have_count(0)
    axe.check(page)


def test_a_draft_with_a_flagged_entry_keeps_the_rest_and_never_stores_the_flagged_text(
    page: Page, live_server, axe, browser_app
):
    base = live_server
    sign_in(page, base, CENTRAL_HEAD)
    nav(page, "Returns")
    expect(page).to_have_url(f"{base}/returns/central/{CYCLE}")
    refs = section_refs(page)
    good = {refs[0]: f"{refs[0]}: audit of twelve cases done.", refs[2]: f"{refs[2]}: on track."}
    flagged_ref = refs[1]
    for ref, text in good.items():
        entry(page, ref, "summary").fill(text)
    entry(page, flagged_ref, "summary").fill(FLAGGED)
    page.get_by_role("button", name="Save as draft").click()

    errors = page.locator(".govuk-error-summary")
    expect(errors.get_by_role("link")).to_have_text(
        [re.compile(f"^{flagged_ref}: This looks like a named or identifiable child")]
    )
    banner = page.locator("#held-back")
    expect(banner).to_contain_text(f"{flagged_ref}: the progress summary was not saved, because")
    expect(banner).to_contain_text(f"{flagged_ref} (without the text above)")
    expect(banner).to_contain_text(f"Saved: {refs[0]}, {flagged_ref} (without the text above)")
    expect(entry(page, flagged_ref, "summary")).to_have_value(FLAGGED)  # on screen to correct
    expect(page.locator("#return-status")).to_contain_text("Draft saved 5 February 2016 at")
    axe.check(page)

    # Signing out loses nothing that was saved; the flagged text was never stored.
    sign_out(page)
    sign_in(page, base, CENTRAL_HEAD)
    nav(page, "Returns")
    for ref, text in good.items():
        expect(entry(page, ref, "summary")).to_have_value(text)
    expect(entry(page, flagged_ref, "summary")).to_have_value("")
    expect(page.locator("#return-status")).to_contain_text("Draft saved")
    axe.check(page)
    with browser_app.app_context():
        stored = db.session.execute(select(ReturnDraft.fields)).scalars().all()
        db.session.remove()
    assert any(good[refs[0]] in str(fields) for fields in stored)
    assert not any("Child A" in str(fields) for fields in stored)
