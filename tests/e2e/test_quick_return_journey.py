"""A return in minutes (issue 17, part 6), in Chromium with axe-core on every page state: on the
demo's "today" North's head has a quiet fortnight. Three actions changed; the other 32 did not.
She opens the compact view (one line per action), goes to the first action with the "next action
needing attention" access key, changes three actions, marks every other action "no change" with
one control and its confirmation, and submits, in fewer than 15 actions of the hand. The progress
count follows each tick without a reload; the confirmation sent again marks nothing twice.

This file has its own seeded database (`browser_app` is per module): it writes North's cycle 3
return, as test_north_return_journey.py does in its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_returns_journey import entry, flash, heading, history_rows, nav, sign_in

NORTH_HEAD = "north.hos@trust.example"
CYCLE = 3  # Friday 5 February 2016 is in cycle 3 (due Friday 12 February at noon)
MOST_HANDS = 14  # "under 15 actions of the hand", from her home page to the submitted return
# The full form drew 33,712 px for North's 35 actions: one line per action is a few screens.
COMPACT_MOST_PX = 6000

FIRST_SUMMARY = "Weekly huddle now chaired by the deputy; delays down to two this fortnight."
RAG_CHANGE = ("amber", "Two team manager posts vacant from March; recruitment has started.")
RAG_SUMMARY = "Recruitment to both posts started; agency cover in place until April."
THIRD_SUMMARY = "Audit of twelve strategy discussions done: ten met the standard."


class Hands:
    """Counts the actions of the hand (a click, a key, a field filled or chosen) as they are
    made, and names each, so a failure shows the whole list."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, what: str, act: Callable[[], object]) -> None:
        self.made.append(what)
        act()

    @property
    def count(self) -> int:
        return len(self.made)


def done_count(page: Page) -> Locator:
    return page.locator("[data-return-done]").first


def line(page: Page, ref: str) -> Locator:
    """The compact view's line for `ref`: a disclosure holding its fields."""
    return page.locator("details.tracker-return-line", has=page.locator(f"#action-{ref}"))


def state_of(page: Page, ref: str) -> Locator:
    return page.locator(f"#state-{ref}")


def page_height(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_a_quiet_fortnight_takes_fewer_than_fifteen_actions_of_the_hand(
    page: Page, live_server, axe
):
    base = live_server
    name = sign_in(page, base, NORTH_HEAD)
    hands = Hands()

    hands("menu: Returns", lambda: nav(page, "Returns"))
    expect(page).to_have_url(f"{base}/returns/north/{CYCLE}")
    expect(heading(page)).to_have_text(f"Return for cycle {CYCLE}")
    refs = [
        i.removeprefix("action-")
        for i in page.locator("section.tracker-return-entry").evaluate_all("s => s.map(e => e.id)")
    ]
    total = len(refs)
    assert total == 35
    expect(done_count(page)).to_have_text(f"0 of {total} done")
    next_action = page.locator("#next-action")
    expect(next_action).to_have_text(f"Next action needing attention: {refs[0]}")
    full_height = page_height(page)
    axe.check(page)

    # One line per action: ref, title, current RAG and whether it is touched.
    hands(
        "link: one line per action",
        lambda: page.get_by_role("link", name="Show one line per action").click(),
    )
    expect(page).to_have_url(f"{base}/returns/north/{CYCLE}?view=compact")
    expect(page.locator("details.tracker-return-line")).to_have_count(total)
    expect(page.locator("details.tracker-return-line[open]")).to_have_count(0)
    compact_height = page_height(page)
    assert compact_height < COMPACT_MOST_PX < full_height, (compact_height, full_height)
    summary = line(page, refs[0]).locator(":scope > summary")
    expect(summary).to_contain_text(f"{refs[0]}: ")
    expect(summary.locator(".tracker-tag").first).to_have_text(re.compile("Red|Amber|Green"))
    expect(state_of(page, refs[0])).to_have_text("Not touched")
    axe.check(page)

    # The next action needing attention is one key away: its access key opens its line.
    hands("key: next action (Alt+Shift+N)", lambda: page.keyboard.press("Alt+Shift+N"))
    expect(page).to_have_url(re.compile(f"#action-{refs[0]}$"))
    expect(line(page, refs[0])).to_have_attribute("open", "")
    expect(entry(page, refs[0], "confirm_unchanged")).to_be_focused()
    axe.check(page)  # a line opened for editing
    hands(f"type {refs[0]}'s summary", lambda: entry(page, refs[0], "summary").fill(FIRST_SUMMARY))
    # The count, the line's state and the next action follow the typing, with no reload.
    expect(done_count(page)).to_have_text(f"1 of {total} done")
    expect(page.locator("[data-return-done]").last).to_have_text(f"1 of {total} done")
    expect(state_of(page, refs[0])).to_have_text("Done")
    expect(next_action).to_have_text(f"Next action needing attention: {refs[1]}")

    # A RAG change with its reason and a new summary; then one more new summary.
    rag_ref, third_ref = refs[5], refs[9]
    hands(f"open {rag_ref}", lambda: line(page, rag_ref).locator(":scope > summary").click())
    hands(
        f"choose {rag_ref}'s RAG", lambda: entry(page, rag_ref, "rag").select_option(RAG_CHANGE[0])
    )
    expect(state_of(page, rag_ref)).to_have_text("Started")  # touched, not done yet
    hands(f"type {rag_ref}'s reason", lambda: entry(page, rag_ref, "reason").fill(RAG_CHANGE[1]))
    hands(f"type {rag_ref}'s summary", lambda: entry(page, rag_ref, "summary").fill(RAG_SUMMARY))
    hands(f"open {third_ref}", lambda: line(page, third_ref).locator(":scope > summary").click())
    hands(
        f"type {third_ref}'s summary", lambda: entry(page, third_ref, "summary").fill(THIRD_SUMMARY)
    )
    expect(done_count(page)).to_have_text(f"3 of {total} done")
    expect(state_of(page, rag_ref)).to_have_text("Done")
    axe.check(page)

    # One control for every other action, then a confirmation that lists them and counts them.
    control = page.get_by_role("button", name="No change for every action I have not touched")
    hands("button: no change for the rest", lambda: control.click())
    expect(page).to_have_url(f"{base}/returns/north/{CYCLE}/no-change?view=compact")
    expect(page.locator("#no-change-count")).to_have_text(
        f"{total - 3} actions of {total} will be marked “no change this cycle”."
    )
    listed = page.locator("#no-change-actions tbody th").evaluate_all(
        "cells => cells.map(c => c.innerText.split(' ')[0])"
    )
    assert listed == [ref for ref in refs if ref not in (refs[0], rag_ref, third_ref)]
    axe.check(page)
    # The same confirmation, left open in another tab: it is sent again later, below.
    stale = page.context.new_page()
    stale.goto(page.url)
    confirm = page.get_by_role("button", name=f"Mark {total - 3} actions as no change")
    hands("button: mark them", lambda: confirm.click())

    expect(flash(page)).to_contain_text(f"{total - 3} actions marked “no change this cycle”")
    expect(page).to_have_url(f"{base}/returns/north/{CYCLE}?view=compact")
    expect(done_count(page)).to_have_text(f"{total} of {total} done")
    expect(next_action).to_be_hidden()
    expect(page.locator(".tracker-return-state", has_text="Done")).to_have_count(total)
    # What she typed is kept: the three changes were saved before the confirmation.
    line(page, rag_ref).locator(":scope > summary").click()  # looking, not the work
    expect(entry(page, rag_ref, "summary")).to_have_value(RAG_SUMMARY)
    expect(entry(page, rag_ref, "rag")).to_have_value(RAG_CHANGE[0])
    axe.check(page)

    hands("button: submit", lambda: page.get_by_role("button", name="Submit return").click())
    expect(flash(page)).to_contain_text(f"Return submitted: {total} actions updated.")
    expect(page.locator("#return-status")).to_contain_text(f"by {name}")
    axe.check(page)
    assert hands.count <= MOST_HANDS, hands.made

    # The history: the three changes as typed, every other action "no change" with its summary.
    page.goto(f"{base}/actions/{rag_ref}")
    newest = history_rows(page, rag_ref)[0]
    assert newest[2] == str(CYCLE) and newest[3] == f"{RAG_CHANGE[0].capitalize()}\nChanged"
    assert newest[6] == f"{RAG_SUMMARY}\nReason: {RAG_CHANGE[1]}"
    page.goto(f"{base}/actions/{refs[0]}")
    assert history_rows(page, refs[0])[0][6] == FIRST_SUMMARY
    unchanged = refs[1]
    page.goto(f"{base}/actions/{unchanged}")
    newest, previous = history_rows(page, unchanged)[:2]
    assert newest[1] == name and newest[2] == str(CYCLE)
    assert newest[6].startswith("No change this cycle\n")
    assert "Changed" not in "".join(newest[3:6]) and newest[3] == previous[3]
    axe.check(page)

    # The confirmation left open in the other tab, sent after the return was submitted: an
    # error summary says so, and nothing is marked or written.
    stale.get_by_role("button", name=f"Mark {total - 3} actions as no change").click()
    expect(stale).to_have_title(re.compile("^Error: "))
    expect(stale.locator(".govuk-error-summary")).to_contain_text(
        "This return has already been submitted"
    )
    expect(stale.locator("#no-change-problem")).to_have_text(
        "This return has already been submitted. Nothing was marked."
    )
    axe.check(stale)
    stale.close()

    # The confirmation page asked for again: there is nothing to mark.
    page.goto(f"{base}/returns/north/{CYCLE}/no-change")
    expect(page.locator("#no-change-problem")).to_have_text(
        "This return has already been submitted, so there is nothing to mark."
    )
    expect(page.get_by_role("button", name=re.compile("^Mark "))).to_have_count(0)
    axe.check(page)


def test_without_javascript_the_server_draws_the_count_and_the_next_action(
    browser, browser_context_args, live_server
):
    """Central's head, with JavaScript off: the count and the link are right at each save."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    base = live_server
    sign_in(page, base, "central.hos@trust.example")
    page.goto(f"{base}/returns/central/{CYCLE}?view=compact")
    refs = [
        i.removeprefix("action-")
        for i in page.locator("section.tracker-return-entry").evaluate_all("s => s.map(e => e.id)")
    ]
    total = len(refs)
    expect(done_count(page)).to_have_text(f"0 of {total} done")
    line(page, refs[0]).locator(":scope > summary").click()
    entry(page, refs[0], "confirm_unchanged").check()
    expect(done_count(page)).to_have_text(f"0 of {total} done")  # no script: until saved
    page.get_by_role("button", name="Save as draft").click()
    expect(flash(page)).to_contain_text("Draft saved.")
    expect(page).to_have_url(f"{base}/returns/central/{CYCLE}?view=compact")
    expect(done_count(page)).to_have_text(f"1 of {total} done")
    expect(state_of(page, refs[0])).to_have_text("Done")
    expect(page.locator("#next-action")).to_have_text(f"Next action needing attention: {refs[1]}")
    expect(page.locator("#next-action")).to_have_attribute("href", f"#action-{refs[1]}")
    context.close()  # axe needs scripts: the same page states are checked with them on above
