"""The fortnightly loop end to end (issue 17's acceptance), in Chromium with axe-core on every
page state, on the demo's "today" (Friday 5 February 2016):

North's head marks "no change" for all but three actions with the one control, changes three
(one marked complete with a PDF attached in the return itself), and submits. The chair signs that
action off from her home page. The action's lead and the locality head are each told, once, in
the next morning's mail from the outbox. `/returns/north/2` still shows what was submitted on
29 January.

This file has its own seeded database (`browser_app` is per module)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.conftest import ROLE_ACCOUNTS
from tests.e2e.test_quick_return_journey import done_count, line
from tests.e2e.test_returns_journey import entry, flash, heading, sign_in
from tests.evidence_support import PDF

NORTH_HEAD = "north.hos@trust.example"
CYCLE = 3
SUMMARY = "Weekly huddle now chaired by the deputy; delays down to two this fortnight."
RAG = ("amber", "Two team manager posts vacant from March; recruitment has started.")
RAG_SUMMARY = "Recruitment to both posts started; agency cover in place until April."
DONE_SUMMARY = "The audit programme is finished: all twelve audits done and reported."
DONE_REASON = "Every audit in the programme was completed and reported to the head."
DONE_EVIDENCE = "The programme's closing report, attached."
PDF_NAME = "audit-programme-closing-report.pdf"
PDF_TITLE = "Illustrative closing report of the audit programme"


def _north_leads(app) -> dict[str, str]:
    """Each North action's lead's email."""
    from tracker.extensions import db
    from tracker.models import Action, Plan, User

    with app.app_context():
        rows = db.session.execute(
            select(Action.ref, User.email)
            .join(Plan, Plan.id == Action.plan_id)
            .join(User, User.id == Action.lead_user_id)
            .where(Plan.code == "north")
        ).all()
        db.session.remove()
    return dict(rows)


def _morning_mail(app, ref: str) -> dict[str, list[str]]:
    """The scheduler's run on Monday morning, then what each person was told of `ref` in the
    outbox (email -> the lines of their messages that name it)."""
    from tracker.extensions import db
    from tracker.models import OutboxItem, OutboxMessage
    from tracker.services.mail.chasing import ChaseConfig, run_chasing

    with app.app_context():
        cfg = ChaseConfig.from_mapping(app.config)
        now = datetime(2016, 2, 8, 9, 0, tzinfo=UTC)
        run_chasing(date(2016, 2, 8), now=now, cfg=cfg)
        run_chasing(date(2016, 2, 8), now=now, cfg=cfg)  # a rerun, or a second scheduler
        rows = db.session.execute(
            select(OutboxMessage.to_address, OutboxItem.text)
            .join(OutboxItem, OutboxItem.message_id == OutboxMessage.id)
            .where(OutboxItem.text.contains(ref), OutboxItem.text.contains("signed off"))
        ).all()
        db.session.remove()
    told: dict[str, list[str]] = {}
    for to, text in rows:
        told.setdefault(to, []).append(text)
    return told


def test_the_fortnight_from_the_head_s_return_to_the_chair_s_sign_off(
    page: Page, live_server, axe, browser_app, tmp_path
):
    base = live_server
    leads = _north_leads(browser_app)

    # --- North's head: three changes, "no change" for the rest, one complete with its PDF ------
    sign_in(page, base, NORTH_HEAD)
    page.goto(f"{base}/returns/north/{CYCLE}?view=compact")
    expect(heading(page)).to_have_text(f"Return for cycle {CYCLE}")
    refs = [
        i.removeprefix("action-")
        for i in page.locator("section.tracker-return-entry").evaluate_all("s => s.map(e => e.id)")
    ]
    total = len(refs)
    # The action she marks complete is led by someone else, so two people are told.
    done_ref = next(r for r in refs[2:] if leads[r] != NORTH_HEAD)
    first, rag_ref = refs[0], next(r for r in refs[1:] if r != done_ref)
    axe.check(page)

    line(page, first).locator(":scope > summary").click()
    entry(page, first, "summary").fill(SUMMARY)
    line(page, rag_ref).locator(":scope > summary").click()
    entry(page, rag_ref, "rag").select_option(RAG[0])
    entry(page, rag_ref, "reason").fill(RAG[1])
    entry(page, rag_ref, "summary").fill(RAG_SUMMARY)
    line(page, done_ref).locator(":scope > summary").click()
    entry(page, done_ref, "lifecycle").select_option("complete_awaiting_signoff")
    entry(page, done_ref, "reason").fill(DONE_REASON)
    entry(page, done_ref, "evidence").fill(DONE_EVIDENCE)
    entry(page, done_ref, "summary").fill(DONE_SUMMARY)
    page.get_by_text(f"Attach evidence for {done_ref} (a file or a link)").click()
    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(PDF)
    page.get_by_label(f"File for {done_ref}").set_input_files(str(pdf))
    page.get_by_label(f"Title of the evidence for {done_ref}").fill(PDF_TITLE)
    page.get_by_label(f"Type of evidence for {done_ref}").select_option("audit")
    page.get_by_label(f"Date of the evidence for {done_ref}").fill("4/2/2016")
    expect(done_count(page)).to_have_text(f"3 of {total} done")
    axe.check(page)

    page.get_by_role("button", name="No change for every action I have not touched").click()
    expect(page.locator("#no-change-count")).to_have_text(
        f"{total - 3} actions of {total} will be marked “no change this cycle”."
    )
    axe.check(page)
    page.get_by_role("button", name=f"Mark {total - 3} actions as no change").click()
    expect(done_count(page)).to_have_text(f"{total} of {total} done")
    axe.check(page)
    page.get_by_role("button", name="Submit return").click()
    expect(flash(page)).to_contain_text(f"Return submitted: {total} actions updated.")
    axe.check(page)

    # The PDF went in with the return: it is on the action, beside the seed's own evidence.
    page.goto(f"{base}/actions/{done_ref}")
    expect(page.locator("main")).to_contain_text("Complete, awaiting sign-off")
    expect(page.get_by_role("link", name=re.compile(f"Download {PDF_NAME}"))).to_be_visible()
    axe.check(page)

    # --- The chair signs it off from her home page ----------------------------------------------
    page.context.clear_cookies()
    sign_in(page, base, ROLE_ACCOUNTS["chair"])
    expect(page.get_by_role("heading", name="Awaiting your sign-off")).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name=re.compile(f"^{done_ref}: ")).first.click()
    expect(heading(page)).to_contain_text("Sign off:")
    expect(page.locator("main")).to_contain_text(PDF_TITLE)
    axe.check(page)
    page.get_by_label("Sign off: close with evidence").check()
    page.get_by_label("Reason").fill("The closing report was read at Getting to Good.")
    page.get_by_role("button", name="Record decision").click()
    expect(flash(page)).to_contain_text(f"{done_ref} signed off and closed.")
    axe.check(page)

    # --- The lead and the head are each told, once, in the morning's mail ---------------------
    told = _morning_mail(browser_app, done_ref)
    assert sorted(told) == sorted([leads[done_ref], NORTH_HEAD]), told
    assert all(len(lines) == 1 for lines in told.values()), told

    # --- Cycle 2's return still reads as it was sent on 29 January ----------------------------
    page.context.clear_cookies()
    sign_in(page, base, NORTH_HEAD)
    page.goto(f"{base}/returns/north/2")
    expect(
        page.get_by_role("heading", name=re.compile("As submitted on 29 January 2016"))
    ).to_be_visible()
    main = page.locator("main")
    for typed in (SUMMARY, RAG_SUMMARY, DONE_SUMMARY):
        expect(main).not_to_contain_text(typed)
    expect(page.get_by_text("Updated this cycle")).to_have_count(0)
    axe.check(page)
