"""A council adopts the tracker from an empty database, in Chromium (issue 20, "done when"):
`flask tracker init`, the one-time set-up link, the organisation, three service areas, a monthly
rhythm, an ILACS inspection with its judgements, a focused visit's area for priority action,
a people sheet and a plan spreadsheet in a shape the tracker never exported (columns renamed
and reordered), the invited head's first monthly return, the chair's dashboard and a board pack.
axe-core checks every page seen.

Its database is its own and starts empty (no seed): "today" is Wednesday 7 May 2025."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.conftest import BROWSER_URL, _dispose, _fresh_schema, make_app

TODAY = "2025-05-07"
COUNCIL = "Eastvale Borough Council"
ADMIN = "ada.admin@eastvale.example"
HEAD = "frankie.head@eastvale.example"
CHAIR = "casey.chair@eastvale.example"
PASSWORD = "a-long-first-run-password"
AREAS = ("Front Door", "Children in Care", "Family Help")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE = (
    "Full name,E-mail,Agency,Access,Team\r\n"
    f"Frankie Head,{HEAD},Eastvale Borough Council,Locality head of service,Front Door\r\n"
    f"Casey Chair,{CHAIR},Eastvale Borough Council,Chair or senior leader,\r\n"
).encode()
# The council's own sheet: its own headers, in its own order, beside a sheet of notes.
HEADER = [
    "Owner",
    "No.",
    "Team plan",
    "What we will do",
    "Finding",
    "Agency",
    "Due by",
    "Rating",
    "How we will know",
]
ROWS = [
    ["Casey Chair", "EV-01", "", "Audit strategy discussions weekly", "R1"],
    ["Frankie Head", "FD-01", "Front Door action plan", "Same-day screening rota", "APA1"],
    ["Frankie Head", "FD-02", "Front Door action plan", "Managers' oversight of contacts", "R1"],
]


@pytest.fixture(scope="module")
def browser_app() -> Iterator:
    """An app on an empty database of its own (the live server serves it)."""
    application = make_app(BROWSER_URL, TODAY=TODAY, BASE_URL="http://127.0.0.1")
    _fresh_schema(application)
    yield application
    _dispose(application)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page):
    return page.locator(".govuk-notification-banner--success")


def _status(page: Page, part: str):
    """A set-up part's status in the task list."""
    item = page.locator(
        "#setup-parts .govuk-task-list__item", has=page.get_by_role("link", name=part, exact=True)
    )
    return item.locator(".govuk-task-list__status")


def _workbook() -> bytes:
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Our plan is on the next sheet."])
    sheet = book.create_sheet("Improvement plan")
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([*row, COUNCIL, date(2025, 9, 30), "Amber", "Audited monthly"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).not_to_have_text("Sign in")


def _set_password(page: Page, base: str, path: str, axe) -> None:
    page.goto(f"{base}{path}")
    expect(heading(page)).to_have_text("Set your password")
    axe.check(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(flash(page)).to_contain_text("Your password is set")


def _link_as_received(app, email: str) -> str:
    """The invitation as its person receives it (the outbox's pages hide the link)."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import OutboxMessage

    with app.app_context():
        body = db.session.execute(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
        ).scalar_one()
        db.session.remove()
    return re.search(r"/invitations/\S+", body).group(0)


def _upload(page: Page, base: str, kind: str, name: str, data: bytes, mime: str) -> None:
    page.goto(f"{base}/admin/setup")
    page.locator("#setup-parts").get_by_role(
        "link", name="Import the plan you already have"
    ).click()
    page.get_by_label(kind).check()
    page.get_by_label("Upload a spreadsheet").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    page.get_by_role("button", name="Upload and choose the columns").click()


@pytest.mark.docs_screenshots  # the administrator's guide shows its set-up task list
def test_a_council_sets_up_from_an_empty_database_and_runs_its_first_monthly_return(
    page: Page, browser, browser_context_args, browser_app, live_server, axe, shoot
):
    base = live_server
    # 1. First run, on the command line: the organisation, its plan and a one-time link.
    result = browser_app.test_cli_runner().invoke(
        args=[
            "tracker",
            "init",
            "--organisation",
            COUNCIL,
            "--kind",
            "council",
            "--email",
            ADMIN,
            "--name",
            "Ada Admin",
        ]
    )
    assert result.exit_code == 0, result.output
    path = re.search(r"/invitations/\S+", result.output).group(0)
    _set_password(page, base, path, axe)
    _sign_in(page, base, ADMIN)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Set-up").click()
    expect(heading(page)).to_have_text("Set-up")
    # What is done and what is not, part by part: only the organisation, so far.
    expect(_status(page, "Organisations")).to_have_text("Completed")
    expect(_status(page, "Update rhythm")).to_have_text("Default")
    expect(_status(page, "Areas")).to_have_text("None yet")
    axe.check(page)

    # 2. Three service areas, each with its own plan.
    for name in AREAS:
        page.goto(f"{base}/admin/areas")
        page.get_by_role("button", name="Add an area").click()
        page.get_by_label("Name of the area").fill(name)
        page.get_by_role("button", name="Add area").click()
        expect(flash(page)).to_contain_text(name)
    for name in AREAS:
        expect(page.locator("main")).to_contain_text(f"{name} action plan")
    axe.check(page)

    # 3. Returns monthly, on the last Thursday at four, from May.
    page.goto(f"{base}/admin/setup")
    page.locator("#setup-parts").get_by_role("link", name="Update rhythm").click()
    expect(heading(page)).to_have_text("Update rhythm")
    axe.check(page)
    page.get_by_label("Monthly").check()
    page.get_by_role("textbox", name="Day").fill("1")
    page.get_by_role("textbox", name="Month").fill("5")
    page.get_by_role("textbox", name="Year").fill("2025")
    page.get_by_label("On which weekday are returns due?").select_option("3")
    page.get_by_label("At what time (London)?").fill("16:00")
    page.get_by_role("button", name="Save the new rhythm").click()
    expect(flash(page)).to_contain_text("Saved: from 1 May 2025, monthly")
    expect(page.get_by_role("table").nth(1)).to_contain_text("16:00 on Thursday 29 May 2025")
    axe.check(page)
    page.goto(f"{base}/admin/setup")
    expect(_status(page, "Update rhythm")).to_have_text("Completed")
    expect(_status(page, "Areas")).to_have_text("Completed")
    expect(page.locator("#setup-parts")).to_contain_text("Now: 3 areas in use.")
    shoot(page, "admin-setup")

    # 4. The ILACS inspection with its judgements and a recommendation.
    page.goto(f"{base}/inspections/new")
    page.get_by_label("ILACS standard inspection").check()
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Add an inspection or visit")
    page.get_by_label("Title").first.fill("ILACS inspection, January 2025")
    page.get_by_label("Local authority").fill(COUNCIL)
    page.get_by_label("First day on site").fill("13/1/2025")
    page.get_by_label("Last day on site").fill("24/1/2025")
    page.get_by_label("Report or letter published").fill("7/3/2025")
    page.get_by_label("Overall effectiveness").select_option("Requires improvement to be good")
    page.get_by_label(
        "The experiences and progress of children who need help and protection"
    ).select_option("Requires improvement to be good")
    finding = page.locator("#finding-1")
    finding.get_by_label("Kind of finding").select_option("recommendation")
    finding.get_by_label("Ref").fill("R1")
    finding.get_by_label("Title").fill("Timeliness of strategy discussions")
    axe.check(page)
    page.get_by_role("button", name="Save the inspection").click()
    expect(page.locator("#inspection-events")).to_contain_text("ILACS inspection, January 2025")
    axe.check(page)

    # 5. The focused visit's area for priority action.
    page.goto(f"{base}/inspections/new")
    page.get_by_label("ILACS focused visit").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").first.fill("Focused visit: the front door")
    page.get_by_label("Local authority").fill(COUNCIL)
    page.get_by_label("First day on site").fill("8/4/2025")
    page.get_by_label("Last day on site").fill("9/4/2025")
    page.get_by_label("Report or letter published").fill("2/5/2025")
    finding = page.locator("#finding-1")
    finding.get_by_label("Kind of finding").select_option("area_for_priority_action")
    finding.get_by_label("Ref").fill("APA1")
    finding.get_by_label("Title").fill("Screening of contacts on the day")
    page.get_by_role("button", name="Save the inspection").click()
    events = page.locator("#inspection-events")
    expect(events).to_contain_text("Focused visit: the front door")
    axe.check(page)

    # 6. The people sheet: invitations wait for the admin.
    _upload(page, base, "People to invite", "people.csv", PEOPLE, "text/csv")
    expect(heading(page)).to_have_text("Choose the columns")
    axe.check(page)
    page.get_by_role("button", name="Check the sheet").click()
    axe.check(page)
    page.get_by_role("button", name="Apply and add these people").click()
    expect(page.get_by_text(HEAD).first).to_be_visible()

    # 7. The plan, in the council's own shape: renamed, reordered columns mapped by hand.
    _upload(page, base, "Actions of a plan", "eastvale plan.xlsx", _workbook(), XLSX)
    expect(heading(page)).to_have_text("Choose the sheet")
    page.get_by_label("Improvement plan").check()
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Choose the columns")
    page.get_by_label("Ref", exact=True).select_option("No.")
    page.get_by_label("Plan (optional)").select_option("Team plan")
    page.get_by_label("Finding (recommendation)").select_option("Finding")
    page.get_by_label("Title", exact=True).select_option("What we will do")
    page.get_by_label("Lead", exact=True).select_option("Owner")
    page.get_by_label("Lead organisation").select_option("Agency")
    page.get_by_label("Target date").select_option("Due by")
    page.get_by_label("RAG (optional)").select_option("Rating")
    page.get_by_label("Success measure (optional)").select_option("How we will know")
    axe.check(page)
    page.get_by_role("button", name="Check the sheet").click()
    expect(page.locator("#changes")).to_contain_text("would change")
    axe.check(page)
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    axe.check(page)

    # 8. The admin sends the invitations.
    page.goto(f"{base}/admin/import/invitations")
    page.get_by_role("button", name="Send the chosen invitations").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 invitations sent")
    axe.check(page)

    # 9. The head's first monthly return, in their own browser.
    context = browser.new_context(**browser_context_args)
    head = context.new_page()
    _set_password(head, base, _link_as_received(browser_app, HEAD), axe)
    _sign_in(head, base, HEAD)
    head.goto(f"{base}/returns")
    expect(heading(head)).to_contain_text("Return for cycle 1")
    expect(head.locator("main")).to_contain_text("29 May 2025 at 16:00")
    axe.check(head)
    for ref, summary in (("FD-01", "Rota agreed with the police."), ("FD-02", "Dip sample set.")):
        section = head.locator(f"#action-{ref}")
        section.get_by_label("Progress summary").fill(summary)
    head.get_by_role("button", name="Submit return").click()
    expect(flash(head)).to_contain_text("Return submitted: 2 actions updated.")
    axe.check(head)
    context.close()

    # 10. The chair's dashboard and board pack.
    context = browser.new_context(**browser_context_args)
    chair = context.new_page()
    _set_password(chair, base, _link_as_received(browser_app, CHAIR), axe)
    _sign_in(chair, base, CHAIR)
    chair.goto(f"{base}/dashboard")
    expect(heading(chair)).to_contain_text("dashboard")
    expect(chair.locator("main")).to_contain_text("Front Door")
    axe.check(chair)
    pack = chair.request.get(f"{base}/api/v1/exports/board-pack.pdf")
    assert pack.status == 200
    assert pack.body().startswith(b"%PDF")
    context.close()
