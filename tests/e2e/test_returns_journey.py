"""The fortnightly RAG workflow in Chromium (issue 3): the South head of service completes the
cycle 3 return, largely with the keyboard, a chair signs off the action marked complete, and
axe-core checks every page state seen.

The browser journeys share one seeded database (`browser_app`), and these are the only tests
that write South's plan. Each test reads what it needs from the pages, so they pass in any order.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.conftest import DEMO_PASSWORD
from tracker.extensions import db
from tracker.models import User

SOUTH_HEAD = "south.hos@trust.example"
NORTH_HEAD = "north.hos@trust.example"
CHAIR = "chief.executive@trust.example"
CYCLE = 3  # the demo's "today", Friday 5 February 2016, is in cycle 3 (due Fri 12 Feb, noon)

# The return's choices: three RAG changes with reasons, one action marked complete with
# evidence, one summary confirmed unchanged, and one left for later (empty in the draft).
RAG_CHANGES = {
    "S-01": ("amber", "Referral decisions within 24 hours have improved for three fortnights."),
    "S-03": ("amber", "No-further-action audit has slipped a fortnight behind its plan."),
    "S-05": ("red", "Checklist use has fallen back and the team is short of two managers."),
}
KEYBOARD_REF = "S-03"  # filled in with the keyboard alone
COMPLETE_REF = "S-02"
COMPLETE_REASON = "Transfer template in use in every team; ready for sign-off."
COMPLETE_EVIDENCE = "Dip sample of twenty transfers: template used in all of them."
UNCHANGED_REF = "S-04"  # same summary as last cycle: flagged, then confirmed
LAST_REF_LEFT_EMPTY = "S-38"  # empty in the draft; the error summary leads back to it
CONFLICT_REF = "S-14"  # its lead, a team manager, updates it while the return is in draft
CONFLICT_LEAD = "tm.south.cin@trust.example"
LEAD_SUMMARY = "S-14 checked by the team manager: core group dates now in the system."


FOCUS_CLEAR_OF_STICKY_BUTTONS = """() => {
  const field = document.activeElement.getBoundingClientRect();
  const buttons = document.querySelector(".tracker-return-buttons").getBoundingClientRect();
  return field.top >= 0 && field.bottom <= buttons.top;
}"""


def summary_for(ref: str) -> str:
    return f"{ref} cycle {CYCLE} return: team meeting reviewed progress and agreed next steps."


# --- helpers ------------------------------------------------------------------------------


def sign_in(page: Page, base: str, email: str) -> str:
    """Sign in through the form; returns the person's name from the 'Signed in as' bar."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    bar = page.locator(".tracker-userbar").inner_text()
    return re.search(r"Signed in as (.+?) \(", bar).group(1)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def nav(page: Page, name: str) -> None:
    """Follow a main menu link and wait for the new page's document (not only its address:
    a test that reads the page at once would otherwise sometimes read it half parsed)."""
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name=name, exact=True
    ).click()
    page.wait_for_load_state("domcontentloaded")


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def flash(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def plan_states(page: Page, base: str, code: str) -> dict[str, tuple[str, str]]:
    """ref -> (RAG, lifecycle) as the plan page shows them."""
    page.goto(f"{base}/plans/{code}")
    rows = page.locator("#actions-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    return {r[0]: (r[5], r[6]) for r in rows}


def closed_refs(states: dict[str, tuple[str, str]]) -> set[str]:
    closed = ("Closed with evidence", "Superseded")
    return {ref for ref, (_, lifecycle) in states.items() if lifecycle in closed}


def form_values(page: Page) -> dict[str, str | bool]:
    """Every field a person can change on the return form, by name."""
    return page.locator("form:has(#submit)").evaluate(
        "form => Object.fromEntries([...form.elements]"
        ".filter(e => e.name && !['hidden', 'submit'].includes(e.type))"
        ".map(e => [e.name, e.type === 'checkbox' ? e.checked : e.value]))"
    )


def entry(page: Page, ref: str, field: str) -> Locator:
    """One field of one action's section on the return form, found by its label."""
    labels = {
        "summary": f"Progress summary for {ref}",
        "rag": f"RAG for {ref}",
        "lifecycle": f"Lifecycle for {ref}",
        "impact": f"Impact for {ref}",
        "reason": f"Reason for any change to RAG or lifecycle ({ref})",
        "evidence": f"Evidence, to mark {ref} complete",
    }
    section = page.locator(f"#action-{ref}")
    if field == "confirm_unchanged":
        return section.get_by_label("No change this cycle")
    return section.get_by_label(labels[field], exact=True)


def history_rows(page: Page, ref: str) -> list[list[str]]:
    """The action page's history, newest first: When, Who, Cycle, RAG, Lifecycle, Impact, Text."""
    table = page.locator("table", has=page.locator("caption", has_text=f"History of {ref}"))
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


# --- the journey ----------------------------------------------------------------------------


def give_a_password(app, email: str) -> None:
    """The seed gives the demo password to the demo accounts only: a team manager who leads
    actions gets one here, as an administrator would set them up."""
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        user.password_hash = generate_password_hash(DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()


def test_the_south_head_completes_the_return_by_keyboard_and_a_chair_signs_off(
    page: Page, live_server, axe, browser, browser_context_args, browser_app
):
    base = live_server
    name = sign_in(page, base, SOUTH_HEAD)
    before = plan_states(page, base, "south")
    assert len(before) == 38
    closed = closed_refs(before)

    # The "Returns" link takes a locality head straight to this fortnight's return.
    nav(page, "Returns")
    expect(page).to_have_url(f"{base}/returns/south/{CYCLE}")
    expect(heading(page)).to_have_text(f"Return for cycle {CYCLE}")
    expect(page.locator("#return-status")).to_have_text("Not started")
    axe.check(page)

    sections = page.locator("section.tracker-return-entry")
    refs = [i.removeprefix("action-") for i in sections.evaluate_all("s => s.map(e => e.id)")]
    assert len(refs) == 38 - len(closed) and set(refs) == set(before) - closed
    expect(page.get_by_role("heading", name=f"Open actions ({len(refs)})")).to_be_visible()
    # The jump links are folded into one control, so the first field is a few Tabs away.
    jump = page.locator("details.tracker-jump")
    expect(jump.get_by_role("link")).to_have_count(0)
    jump.get_by_text("Jump to an action").click()
    expect(jump.get_by_role("link")).to_have_count(len(refs))
    # Each action is pre-filled with last cycle's RAG and lifecycle.
    for ref in (*RAG_CHANGES, COMPLETE_REF):
        rag, life = before[ref]
        expect(entry(page, ref, "rag")).to_have_value(rag.lower())
        expect(entry(page, ref, "lifecycle").locator("option:checked")).to_have_text(life)
    last_unchanged = (
        page.locator(f"#action-{UNCHANGED_REF} .tracker-last-summary")
        .inner_text()
        .split("“", 1)[1]
        .rsplit("”", 1)[0]
    )

    # Tabbing through the form, the sticky buttons never hide the field in focus.
    entry(page, refs[0], "summary").focus()
    for _ in range(14):  # the first two actions' fields
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_CLEAR_OF_STICKY_BUTTONS), page.evaluate(
            "document.activeElement.id"
        )

    # The bulk of the return with locator.fill; the keyboard action and the one left for later
    # are done below.
    for ref in refs:
        if ref == UNCHANGED_REF:
            entry(page, ref, "summary").fill(last_unchanged)
        elif ref not in (KEYBOARD_REF, LAST_REF_LEFT_EMPTY):
            entry(page, ref, "summary").fill(summary_for(ref))
    for ref, (rag, reason) in RAG_CHANGES.items():
        if ref != KEYBOARD_REF:
            entry(page, ref, "rag").select_option(rag)
            entry(page, ref, "reason").fill(reason)
    entry(page, COMPLETE_REF, "lifecycle").select_option("complete_awaiting_signoff")
    entry(page, COMPLETE_REF, "reason").fill(COMPLETE_REASON)
    entry(page, COMPLETE_REF, "evidence").fill(COMPLETE_EVIDENCE)

    # One action with the keyboard alone: its jump link, then Tab through its fields.
    jump.get_by_role("link", name=KEYBOARD_REF, exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"#action-{KEYBOARD_REF}$"))
    page.keyboard.press("Tab")
    expect(entry(page, KEYBOARD_REF, "confirm_unchanged")).to_be_focused()
    page.keyboard.press("Tab")
    expect(entry(page, KEYBOARD_REF, "summary")).to_be_focused()
    page.keyboard.type(summary_for(KEYBOARD_REF))
    page.keyboard.press("Tab")
    expect(entry(page, KEYBOARD_REF, "rag")).to_be_focused()
    expect(entry(page, KEYBOARD_REF, "rag")).to_have_value("green")
    page.keyboard.press("ArrowUp")  # Green to Amber
    expect(entry(page, KEYBOARD_REF, "rag")).to_have_value(RAG_CHANGES[KEYBOARD_REF][0])
    for field in ("lifecycle", "impact", "reason"):
        page.keyboard.press("Tab")
        expect(entry(page, KEYBOARD_REF, field)).to_be_focused()
    page.keyboard.type(RAG_CHANGES[KEYBOARD_REF][1])

    typed = form_values(page)
    index = {ref: i for i, ref in enumerate(refs)}

    def typed_value(ref: str, field: str):
        return typed[f"entries-{index[ref]}-{field}"]

    assert typed_value(KEYBOARD_REF, "summary") == summary_for(KEYBOARD_REF)
    assert typed_value(KEYBOARD_REF, "reason") == RAG_CHANGES[KEYBOARD_REF][1]
    assert typed_value(LAST_REF_LEFT_EMPTY, "summary") == ""

    # Save a draft, sign out and back in: everything typed is still there.
    page.get_by_role("button", name="Save as draft").click()
    expect(flash(page)).to_contain_text("Draft saved.")
    expect(page.locator("#return-status")).to_contain_text("Draft saved 5 February 2016 at")
    expect(page.locator("#return-status")).to_contain_text(f"by {name}")
    axe.check(page)
    sign_out(page)
    sign_in(page, base, SOUTH_HEAD)
    nav(page, "Returns")
    expect(page.locator("#return-status")).to_contain_text("Draft saved")
    assert form_values(page) == typed

    # Meanwhile the action's own lead updates one of South's actions from another browser.
    assert CONFLICT_REF in refs
    give_a_password(browser_app, CONFLICT_LEAD)
    other = browser.new_context(**browser_context_args)
    lead = other.new_page()
    lead_name = sign_in(lead, base, CONFLICT_LEAD)
    lead.goto(f"{base}/actions/{CONFLICT_REF}/update")
    lead.get_by_label("Progress summary").fill(LEAD_SUMMARY)
    # Amber where the head's return says green: a real disagreement (a summary alone would be
    # written under the head's entry, and named on the confirmation).
    lead.get_by_label("RAG (delivery confidence)").select_option("amber")
    lead.get_by_label("Reason for the change").fill("Two trainers left the team this month.")
    lead.get_by_role("button", name="Save update").click()
    expect(flash(lead)).to_contain_text(f"{CONFLICT_REF} updated.")
    other.close()

    # Submit with the keyboard: nothing is written, the change is shown, what was typed is kept.
    page.get_by_role("button", name="Submit return").focus()
    page.keyboard.press("Enter")
    banner = page.get_by_role("alert").filter(has_text="updated by someone else")
    expect(banner).to_contain_text(f"{CONFLICT_REF} changed since you opened this page")
    expect(banner).to_contain_text(f"{lead_name}: RAG")
    expect(banner).to_contain_text(LEAD_SUMMARY)
    axe.check(page)
    assert form_values(page) == typed
    expect(page.locator("#return-status")).to_contain_text("Draft saved")
    # The head reads the lead's change and agrees: S-14 is amber (no reason needed, it is
    # the action's rating now).
    entry(page, CONFLICT_REF, "rag").select_option("amber")
    typed = form_values(page)

    # Submit again: one summary is empty and one is last cycle's, unconfirmed.
    page.get_by_role("button", name="Submit return").focus()
    page.keyboard.press("Enter")
    summary_box = page.locator(".govuk-error-summary")
    expect(summary_box).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    links = summary_box.get_by_role("link")
    expect(links).to_have_text(
        [
            re.compile(f"^{UNCHANGED_REF}: This summary is the same as the last one"),
            f"{LAST_REF_LEFT_EMPTY}: Enter a progress summary",
        ]
    )
    expect(summary_box).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    axe.check(page)
    assert form_values(page) == typed  # nothing typed is lost
    expect(page.locator("#return-status")).to_contain_text("Draft saved")

    # Each error link moves focus to its field: the first by keyboard, the second by a click.
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(entry(page, UNCHANGED_REF, "summary")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # the tick sits just before the box, by the last summary
    expect(entry(page, UNCHANGED_REF, "confirm_unchanged")).to_be_focused()
    page.keyboard.press("Space")
    expect(entry(page, UNCHANGED_REF, "confirm_unchanged")).to_be_checked()

    links.nth(1).click()
    expect(entry(page, LAST_REF_LEFT_EMPTY, "summary")).to_be_focused()
    page.keyboard.type(summary_for(LAST_REF_LEFT_EMPTY))
    # Tab past its fields, its folded "Attach evidence" and "Save as draft" to "Submit return".
    for _ in range(8):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit return")).to_be_focused()
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text(f"Return submitted: {len(refs)} actions updated.")
    status = page.locator("#return-status")
    expect(status).to_contain_text("Submitted 5 February 2016 at")
    expect(status).to_contain_text(f"by {name}")
    expect(status).not_to_contain_text("Late")
    expect(page.get_by_role("button", name="Submit return")).to_have_count(0)
    axe.check(page)
    # The return as submitted (from the history): each summary, entered now by the head.
    latest = page.locator("#as-submitted-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.id.replace('action-', ''),"
        " r.cells[3].querySelector('.tracker-submitted-summary').innerText.trim(),"
        " r.cells[4].innerText.trim()])"
    )
    assert {ref: text for ref, text, _ in latest} == {
        ref: (last_unchanged if ref == UNCHANGED_REF else summary_for(ref)) for ref in refs
    }
    assert all(e.startswith("5 February 2016 at") and e.endswith(f"by {name}") for *_, e in latest)

    # The plan shows exactly the three new RAGs and the one action awaiting sign-off.
    after = plan_states(page, base, "south")
    axe.check(page)
    changed = {ref: state for ref, state in after.items() if state != before[ref]}
    assert changed == {
        **{ref: (rag.capitalize(), before[ref][1]) for ref, (rag, _) in RAG_CHANGES.items()},
        COMPLETE_REF: (before[COMPLETE_REF][0], "Complete, awaiting sign-off"),
        CONFLICT_REF: ("Amber", "In progress"),  # the lead's change, which the head agreed
    }

    # Each action page's history shows the change, marked, with its reason and evidence.
    for ref, (rag, reason) in RAG_CHANGES.items():
        page.goto(f"{base}/actions/{ref}")
        newest, previous = history_rows(page, ref)[:2]
        assert newest[1] == name and newest[2] == str(CYCLE)
        assert newest[3] == f"{rag.capitalize()}\nChanged"
        assert "Changed" not in newest[4] and "Changed" not in newest[5]
        assert newest[6] == f"{summary_for(ref)}\nReason: {reason}"
        assert previous[3].startswith(before[ref][0])  # the old rating is kept
    axe.check(page)

    page.goto(f"{base}/actions/{COMPLETE_REF}")
    newest = history_rows(page, COMPLETE_REF)[0]
    assert newest[3] == before[COMPLETE_REF][0]  # RAG unchanged
    assert newest[4] == "Complete, awaiting sign-off\nChanged"
    assert newest[6] == (
        f"{summary_for(COMPLETE_REF)}\nReason: {COMPLETE_REASON}\nEvidence: {COMPLETE_EVIDENCE}"
    )
    expect(page.get_by_role("link", name="Update this action")).to_be_visible()
    axe.check(page)

    page.goto(f"{base}/actions/{UNCHANGED_REF}")
    newest = history_rows(page, UNCHANGED_REF)[0]
    assert newest[2] == str(CYCLE) and "Changed" not in "".join(newest[3:6])
    assert newest[6] == f"No change this cycle\n{last_unchanged} (carried forward)"

    page.goto(f"{base}/actions/{LAST_REF_LEFT_EMPTY}")
    newest = history_rows(page, LAST_REF_LEFT_EMPTY)[0]
    assert newest[2] == str(CYCLE) and newest[6] == summary_for(LAST_REF_LEFT_EMPTY)
    sign_out(page)

    # A chair sees South's cycle 3 return submitted, and signs off the completed action.
    sign_in(page, base, CHAIR)
    nav(page, "Returns")
    expect(heading(page)).to_have_text("Locality returns")
    for locality in ("South", "East"):  # East had submitted early in the seed story
        link = page.get_by_role("link", name=f"View return for {locality}, cycle {CYCLE}")
        expect(link.locator("xpath=..")).to_contain_text("Submitted")
    axe.check(page)

    # Closing with evidence needs an evidence item: the chair records the audit as a link.
    page.goto(f"{base}/actions/{COMPLETE_REF}/evidence/new")
    page.get_by_label("Title").fill("Transfer template audit")
    page.get_by_label("Audit").check()
    page.get_by_label("Date of the evidence").fill("4/2/2016")
    page.get_by_label("Or give a link (https)").fill("https://intranet.example/transfer-audit.pdf")
    page.get_by_role("button", name="Add evidence").click()
    expect(flash(page)).to_contain_text("Evidence added: Transfer template audit")
    axe.check(page)

    nav(page, "Sign-off")
    expect(heading(page)).to_have_text("Actions awaiting sign-off")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=COMPLETE_REF, exact=True))
    expect(row).to_contain_text(COMPLETE_EVIDENCE)
    expect(row.locator("td").nth(3)).to_have_text("0")  # marked complete today
    axe.check(page)

    row.get_by_role("link", name=COMPLETE_REF, exact=True).click()
    expect(heading(page)).to_contain_text("Sign off:")
    expect(page.locator(".govuk-inset-text")).to_contain_text(f"Evidence: {COMPLETE_EVIDENCE}")
    axe.check(page)
    page.get_by_role("button", name="Record decision").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors).to_contain_text("Choose whether to sign off or return the action")
    axe.check(page)
    errors.get_by_role("link").first.click()
    expect(page.get_by_label("Sign off: close with evidence")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_label("Reason").fill("Evidence checked at Getting to Good.")
    page.get_by_role("button", name="Record decision").click()

    expect(flash(page)).to_contain_text(f"{COMPLETE_REF} signed off and closed.")
    expect(page).to_have_url(f"{base}/actions/{COMPLETE_REF}")
    newest = history_rows(page, COMPLETE_REF)[0]
    assert newest[3].startswith("Blue: closed with evidence")
    assert newest[4] == "Closed with evidence\nChanged"
    assert "Evidence checked at Getting to Good." in newest[6]
    axe.check(page)
    nav(page, "Sign-off")
    expect(page.get_by_role("link", name=COMPLETE_REF, exact=True)).to_have_count(0)


def test_the_north_head_is_refused_a_south_action(page: Page, live_server, axe):
    base = live_server
    sign_in(page, base, NORTH_HEAD)
    closed = closed_refs(plan_states(page, base, "south"))
    response = page.goto(f"{base}/actions/S-01/update")
    assert response is not None and response.status == 403
    expect(heading(page)).to_have_text("You do not have permission to see this page")
    axe.check(page)
    # South's return is there to read, with nothing to fill in or submit.
    response = page.goto(f"{base}/returns/south/{CYCLE}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("button", name="Submit return")).to_have_count(0)
    entries = page.locator("#as-submitted-table tbody tr[id^='action-']")
    if entries.count():
        # Submitted by the journey above: its entries as sent, the one signed off since too.
        expect(entries).to_have_count(38 - len(closed - {COMPLETE_REF}))
    else:
        expect(page.locator("table tbody tr")).to_have_count(38 - len(closed))


def test_the_south_head_updates_one_action_and_its_dependencies(page: Page, live_server, axe):
    base = live_server
    sign_in(page, base, SOUTH_HEAD)
    ref, prerequisite = "S-37", "S-21"  # untouched by the other journeys' assertions

    # A single-action update from the action page: mistakes first, then a good update.
    page.goto(f"{base}/actions/{ref}")
    page.get_by_role("link", name="Update this action").click()
    expect(heading(page)).to_contain_text("Update:")
    axe.check(page)
    rag = page.get_by_label("RAG (delivery confidence)")
    old_rag = rag.input_value()
    new_rag = "amber" if old_rag != "amber" else "green"
    rag.select_option(new_rag)
    page.get_by_role("button", name="Save update").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors.get_by_role("link")).to_have_text(
        ["Enter a progress summary", "Give a reason for changing the RAG rating or lifecycle"]
    )
    expect(page).to_have_title(re.compile("^Error: "))
    expect(rag).to_have_value(new_rag)  # what was typed is kept
    axe.check(page)
    errors.get_by_role("link").nth(1).click()
    reason = page.get_by_label("Reason for the change")
    expect(reason).to_be_focused()
    page.keyboard.type("Caseload ceiling reached in two teams; agency cover agreed.")
    page.get_by_label("Progress summary").fill(f"{ref} single update: cover agreed this week.")

    # Before saving, the same action is updated in another tab: this save is refused, the
    # change is shown and what was typed is kept; saving again then works.
    other_tab = page.context.new_page()
    other_tab.goto(f"{base}/actions/{ref}/update")
    other_tab.get_by_label("Progress summary").fill(f"{ref} from another tab: rota agreed.")
    other_tab.get_by_role("button", name="Save update").click()
    expect(flash(other_tab)).to_contain_text(f"{ref} updated.")
    other_tab.close()
    page.get_by_role("button", name="Save update").click()
    banner = page.get_by_role("alert").filter(has_text="Someone else updated this action")
    expect(banner).to_contain_text(f"{ref} from another tab: rota agreed.")
    expect(rag).to_have_value(new_rag)
    expect(reason).to_have_value("Caseload ceiling reached in two teams; agency cover agreed.")
    axe.check(page)
    page.get_by_role("button", name="Save update").click()
    expect(flash(page)).to_contain_text(f"{ref} updated.")
    newest, previous = history_rows(page, ref)[:2]
    assert newest[3] == f"{new_rag.capitalize()}\nChanged"
    assert newest[6] == (
        f"{ref} single update: cover agreed this week.\n"
        "Reason: Caseload ceiling reached in two teams; agency cover agreed."
    )
    assert previous[6] == f"{ref} from another tab: rota agreed."
    axe.check(page)

    # Dependencies: a loop is refused with the actions named; one is added, then removed.
    page.goto(f"{base}/actions/S-29")  # S-31 depends on S-30, which depends on S-29
    field = page.get_by_label("Add a prerequisite")
    field.fill("S-31")
    page.get_by_role("button", name="Add dependency").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors).to_contain_text(
        "That would make a loop of dependencies: S-29 depends on S-31 depends on S-30 "
        "depends on S-29"
    )
    axe.check(page)
    errors.get_by_role("link").first.click()
    expect(field).to_be_focused()

    page.goto(f"{base}/actions/{ref}")
    depends_on = page.locator("#dependencies + .govuk-grid-row > div").first
    expect(depends_on).to_contain_text("This action depends on no other action.")
    expect(page.get_by_text("Blocked: a prerequisite")).to_have_count(0)
    page.get_by_label("Add a prerequisite").fill(prerequisite.lower())
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text(f"{ref} now depends on {prerequisite}.")
    expect(depends_on.get_by_role("link", name=prerequisite, exact=True)).to_be_visible()
    expect(page.get_by_text("Blocked: a prerequisite")).to_be_visible()  # it is red
    axe.check(page)
    page.get_by_role("button", name=f"Remove dependency on {prerequisite}").click()
    expect(flash(page)).to_contain_text(f"{ref} no longer depends on {prerequisite}.")
    expect(depends_on).to_contain_text("This action depends on no other action.")
    expect(page.get_by_text("Blocked: a prerequisite")).to_have_count(0)
